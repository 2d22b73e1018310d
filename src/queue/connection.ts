/**
 * Redis connections for producers and workers. Every client retries forever with a capped delay
 * (maxRetriesPerRequest null, ioredis's reconnect), so a Redis restart pauses the work instead of failing it:
 * commands wait in the client's offline queue and run once the server is back.
 */
import { Redis } from 'ioredis';
import { LandmarkerError } from '../errors';

/** Checks a redis:// or rediss:// URL (host, optional port, optional /db) and returns it unchanged. */
export function checkRedisUrl(url: unknown): string {
  const expected = 'a Redis URL such as redis://HOST:6379 or rediss://HOST:6380/0';
  if (typeof url !== 'string' || url.length === 0) {
    throw new LandmarkerError('ERR_INVALID_ARG_VALUE', `Expected ${expected} for \`redis\` but received ${JSON.stringify(url)}`);
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new LandmarkerError('ERR_INVALID_ARG_VALUE', `Expected ${expected} for \`redis\` but received ${JSON.stringify(url)}`);
  }
  if ((u.protocol !== 'redis:' && u.protocol !== 'rediss:') || !u.hostname || !/^(\/\d{0,2})?$/.test(u.pathname)) {
    throw new LandmarkerError('ERR_INVALID_ARG_VALUE', `Expected ${expected} for \`redis\` but received ${JSON.stringify(url)}`);
  }
  return url;
}

/** A client that reconnects by itself (delay grows 50 ms per try, at most 2 s) and never fails a command for it. */
export function redisClient(url: string, name: string, onError?: (e: Error) => void): Redis {
  const client = new Redis(checkRedisUrl(url), {
    maxRetriesPerRequest: null,
    connectionName: name,
    retryStrategy: (times) => Math.min(times * 50, 2000),
  });
  // ioredis emits 'error' on every failed reconnect; unhandled, that would end the process.
  client.on('error', (e: Error) => onError?.(e));
  return client;
}
