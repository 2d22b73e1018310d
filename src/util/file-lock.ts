/**
 * The package's one cross-process lock on a file path: two processes never build the same TensorRT engine or
 * write the same timing cache at once (src/tensorrt), and never export the same model at once (tools/onnx-export).
 *
 * The lock is the kernel's: an exclusive flock(2) on the lock file (the addon's tryLockFile), which the kernel
 * releases when the holding process dies however it dies. So there is no stale lock to judge: no pid liveness (which
 * containers sharing a hostname but not a PID namespace get wrong), no heartbeat, no takeover race between waiters,
 * and a JS thread blocked for longer than any timeout keeps its lock. A file left by a dead holder is simply
 * locked by the next process.
 *
 * Protocol: open (create) the file, try the lock without blocking (waiting is a poll, the event loop stays free),
 * then check that the locked file is still the one at `path` (same device and inode): the holder before us unlinks
 * the file on release, and a waiter that had opened that unlinked file must not count its lock. The holder writes
 * {pid, host, created} into the file for waiters' messages only; nothing trusts it.
 */
import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { LandmarkerError, type ErrorCode } from '../errors';
import { loadAddon } from '../native/loader';

export interface LockOptions {
  /** Give up waiting after this long. Default 30 min (an engine build can take many minutes). */
  timeoutMs?: number;
  /** Poll interval while waiting. Default 250 ms. */
  pollMs?: number;
  /** Called once when the lock is held by someone else and we start waiting. */
  onWait?: (holder: LockHolder) => void;
  /** Code of the LandmarkerError when the lock cannot be taken or the wait times out. Default 'ERR_ENGINE_CACHE'. */
  errorCode?: ErrorCode;
  /** What the holder is doing, for the timeout message. Default 'building this engine'. */
  holderDoing?: string;
}

export interface LockHolder {
  pid: number;
  host: string;
  created: number;
}

export interface Lock {
  readonly path: string;
  /** Removes the lock file and releases the lock. Idempotent. */
  release(): void;
}

/** What the holder wrote into the lock file (for messages only), if it has written it yet. */
export function readHolder(path: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string') return { pid: h.pid, host: h.host, created: h.created ?? 0 };
  } catch {
    // empty (being written right now), gone, or garbage
  }
  return undefined;
}

function lockError(code: ErrorCode, what: string, path: string, err: unknown): LandmarkerError {
  return new LandmarkerError(code, `Could not ${what} lock ${path}: ${(err as Error).message}`, { cause: err });
}

/** The descriptor of `path` locked by this process, or undefined when another process holds it. */
function tryAcquire(path: string, code: ErrorCode): number | undefined {
  const addon = loadAddon();
  let fd: number;
  try {
    fd = openSync(path, 'a+', 0o644);
  } catch (err) {
    throw lockError(code, 'open', path, err);
  }
  try {
    if (!addon.tryLockFile(fd)) {
      closeSync(fd);
      return undefined;
    }
    const mine = fstatSync(fd);
    let current: ReturnType<typeof statSync> | undefined;
    try {
      current = statSync(path);
    } catch {
      current = undefined; // unlinked by the holder that released it after we opened it
    }
    if (!current || current.ino !== mine.ino || current.dev !== mine.dev) {
      closeSync(fd); // we locked a file that is no longer the lock: try again on the one at `path`
      return tryAcquire(path, code);
    }
    ftruncateSync(fd, 0);
    writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), created: Date.now() }));
    return fd;
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    throw err instanceof LandmarkerError ? err : lockError(code, 'take', path, err);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function acquireLock(path: string, options: LockOptions = {}): Promise<Lock> {
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const pollMs = options.pollMs ?? 250;
  const code = options.errorCode ?? 'ERR_ENGINE_CACHE';
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    throw lockError(code, 'create the directory of', path, err);
  }
  const start = Date.now();
  let waited = false;
  let fd: number | undefined;
  while ((fd = tryAcquire(path, code)) === undefined) {
    const holder = readHolder(path);
    if (!waited && holder) {
      waited = true;
      options.onWait?.(holder);
    }
    if (Date.now() - start > timeoutMs) {
      throw new LandmarkerError(
        code,
        `Timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${path}` +
          (holder ? ` (held by pid ${holder.pid} on ${holder.host})` : '') +
          `: another trt-landmarker process is ${options.holderDoing ?? 'building this engine'}`,
      );
    }
    await sleep(pollMs);
  }
  const held = fd;
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      // Unlink while still holding the lock (waiters re-check the inode), then let go.
      rmSync(path, { force: true });
      closeSync(held);
    },
  };
}
