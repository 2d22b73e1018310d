/**
 * Atomic file replacement: write a temp file in the same directory, fsync it, rename it over the target.
 * Readers see either the old file or the complete new one, never a partial engine, even if this process dies
 * mid-write (a leftover *.tmp-* file is ignored by readers and overwritten later).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { LandmarkerError } from '../errors';

export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

export function writeFileAtomic(path: string, data: Uint8Array): void {
  const tmp = tempPathFor(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the directory itself is unusable: nothing was created
    }
    throw new LandmarkerError('ERR_ENGINE_CACHE', `Could not write ${path}: ${(err as Error).message}`, { cause: err });
  }
}
