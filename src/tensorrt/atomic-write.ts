/**
 * Atomic file replacement: write a temp file in the same directory, fsync it, rename it over the target, fsync
 * the directory (so the rename itself survives a power loss, not only the data). Readers see either the old file
 * or the complete new one, never a partial engine, even if this process dies mid-write.
 * A writer that died mid-write leaves its temp file; the next write of the same target removes such leftovers
 * once they are older than ORPHAN_AGE_MS (a live writer finishes within seconds: it writes synchronously).
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { LandmarkerError } from '../errors';

export const ORPHAN_AGE_MS = 10 * 60_000;

const tempPrefix = (path: string) => `.${basename(path)}.tmp-`;

export function tempPathFor(path: string): string {
  return join(dirname(path), `${tempPrefix(path)}${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Removes temp files of `path` left by writers that died (older than ORPHAN_AGE_MS). Best effort. */
export function removeOrphanTemps(path: string, now = Date.now()): string[] {
  const dir = dirname(path);
  const prefix = tempPrefix(path);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const p = join(dir, name);
    try {
      if (now - statSync(p).mtimeMs > ORPHAN_AGE_MS) {
        rmSync(p, { force: true });
        removed.push(p);
      }
    } catch {
      // gone meanwhile
    }
  }
  return removed;
}

/** fsync of a directory, so a rename inside it is durable. Some file systems refuse it (EINVAL): ignored. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function writeFileAtomic(path: string, data: Uint8Array): void {
  const tmp = tempPathFor(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    removeOrphanTemps(path);
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      let off = 0;
      while (off < data.length) off += writeSync(fd, data, off, data.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    fsyncDir(dirname(path));
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the directory itself is unusable: nothing was created
    }
    throw new LandmarkerError('ERR_ENGINE_CACHE', `Could not write ${path}: ${(err as Error).message}`, { cause: err });
  }
}
