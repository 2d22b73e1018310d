/**
 * Saving TensorRT's timing cache, shared by every build on one GPU model and TensorRT version
 * (<cacheDir>/timing-trt<ver>-<gpu>-sm<cc>.cache). Builds of different engines run at the same time (two models,
 * two processes); each starts from the file as it was and ends with that plus its own new timings. Writing the
 * result back blindly would drop the timings another build saved meanwhile, so the save holds the file's lock,
 * re-reads it, and when it changed since this build read it, merges the two (TensorRT's ITimingCache::combine)
 * before writing atomically.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write';
import { acquireLock, type LockOptions } from '../util/file-lock';

export interface TimingCacheSave {
  path: string;
  /** The file's bytes when the build read it (undefined: there was none). */
  startedWith?: Uint8Array;
  /** The cache the build ended with. */
  produced: Uint8Array;
  /** `base` plus the entries of `extra`; undefined when the addon cannot merge (the newer cache then wins). */
  merge?: (base: Uint8Array, extra: Uint8Array) => Promise<Uint8Array>;
  warn?: (message: string) => void;
  lock?: LockOptions;
}

function readOptional(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

function same(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a === undefined ? b === undefined : b !== undefined && Buffer.compare(a, b) === 0;
}

/** Writes the build's timing cache, merged with what other builds saved since it started. Returns what was done. */
export async function saveTimingCache(o: TimingCacheSave): Promise<'written' | 'merged'> {
  const lock = await acquireLock(`${o.path}.lock`, o.lock);
  try {
    const current = readOptional(o.path);
    let out: Uint8Array = o.produced;
    let how: 'written' | 'merged' = 'written';
    if (current !== undefined && current.length > 0 && !same(current, o.startedWith)) {
      if (o.merge) {
        try {
          out = await o.merge(current, o.produced);
          how = 'merged';
        } catch (err) {
          o.warn?.(`Could not merge the TensorRT timing cache ${o.path} with another build's: ${(err as Error).message}; keeping this build's`);
        }
      }
    }
    writeFileAtomic(o.path, out);
    return how;
  } finally {
    lock.release();
  }
}
