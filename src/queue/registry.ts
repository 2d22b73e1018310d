/**
 * Workers announce themselves in Redis (one key per worker, refreshed every few seconds, expiring when the
 * worker is gone) with the model they serve and its LandmarkerInfo. Producers read it to find the model of a
 * queue, to explain why jobs wait (no worker for this model, or workers of another model), and to learn the
 * model's info for evaluation reports.
 */
import type { Redis } from 'ioredis';
import type { LandmarkerInfo } from '../types';
import type { ModelIdentity } from './identity';
import { QUEUE_PREFIX } from './protocol';

export const REGISTRY_TTL_SECONDS = 15;
export const REGISTRY_REFRESH_MS = 5000;

export interface WorkerEntry {
  worker: string;
  host: string;
  pid: number;
  /** The queue name as given (without the model id). */
  queue: string;
  model: ModelIdentity;
  info: LandmarkerInfo;
  concurrency: number;
  device?: string;
  startedAt: string;
}

function keyOf(queue: string, worker: string): string {
  return `${QUEUE_PREFIX}:workers:${queue}:${worker}`;
}

export async function announce(redis: Redis, entry: WorkerEntry): Promise<void> {
  await redis.set(keyOf(entry.queue, entry.worker), JSON.stringify(entry), 'EX', REGISTRY_TTL_SECONDS);
}

export async function withdraw(redis: Redis, queue: string, worker: string): Promise<void> {
  await redis.del(keyOf(queue, worker));
}

/** Live workers of a queue name, any model. */
export async function listWorkers(redis: Redis, queue: string): Promise<WorkerEntry[]> {
  const keys: string[] = [];
  let cursor = '0';
  // SCAN is bounded by the number of keys matching; each round returns at most COUNT keys.
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${QUEUE_PREFIX}:workers:${queue}:*`, 'COUNT', 200);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as WorkerEntry);
}
