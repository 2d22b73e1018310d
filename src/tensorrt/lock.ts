/**
 * Cross-process lock on a file path, so two processes never build the same engine at once.
 * The lock is a file created with O_EXCL ('wx') holding {pid, host, created}. The holder refreshes its mtime
 * (heartbeat) while it works; a waiter treats the lock as stale, removes it and retries when the holder's pid is
 * dead (same host) or the mtime is older than staleMs (another host, or a holder that hung).
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { LandmarkerError } from '../errors';

export interface LockOptions {
  /** A lock whose mtime is older than this is stale. Default 120 s (builds refresh it every staleMs / 4). */
  staleMs?: number;
  /** Give up waiting after this long. Default 30 min (an engine build can take many minutes). */
  timeoutMs?: number;
  /** Poll interval while waiting. Default 250 ms. */
  pollMs?: number;
  /** Called once when the lock is held by someone else and we start waiting. */
  onWait?: (holder: LockHolder) => void;
}

export interface LockHolder {
  pid: number;
  host: string;
  created: number;
}

export interface Lock {
  readonly path: string;
  /** Removes the lock file (only if it is still ours). Idempotent. */
  release(): void;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && typeof h.host === 'string') return { pid: h.pid, host: h.host, created: h.created ?? 0 };
  } catch {
    // empty (being written right now) or garbage: judged by mtime alone
  }
  return undefined;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why the lock at `path` may be taken over, or undefined if it is live. */
export function staleReason(path: string, staleMs: number, now = Date.now()): string | undefined {
  let mtime: number;
  try {
    mtime = statSync(path).mtimeMs;
  } catch {
    return 'gone';
  }
  const holder = readHolder(path);
  if (holder && holder.host === hostname() && holder.pid !== process.pid && !pidAlive(holder.pid)) {
    return `holder pid ${holder.pid} is not running`;
  }
  if (now - mtime > staleMs) return `not refreshed for ${Math.round((now - mtime) / 1000)} s`;
  return undefined;
}

function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new LandmarkerError('ERR_ENGINE_CACHE', `Could not create lock ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), created: Date.now() }));
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes a stale lock without clobbering a fresh one a competing waiter may have created in the meantime:
 * rename it aside (atomic), and if what we moved turns out to be a live lock (fresh mtime), link it back.
 */
function takeOver(path: string): void {
  let judged: string;
  try {
    judged = readFileSync(path, 'utf8');
  } catch {
    return; // already gone
  }
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch {
    return; // someone else moved it first
  }
  try {
    const moved = readFileSync(aside, 'utf8');
    if (moved !== judged) {
      try {
        linkSync(aside, path); // not the file we judged: give it back (fails if yet another one exists)
      } catch {
        // a third lock exists: it wins
      }
    }
  } finally {
    rmSync(aside, { force: true });
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function acquireLock(path: string, options: LockOptions = {}): Promise<Lock> {
  const staleMs = options.staleMs ?? 120_000;
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const pollMs = options.pollMs ?? 250;
  mkdirSync(dirname(path), { recursive: true });
  const start = Date.now();
  let waited = false;
  for (;;) {
    if (tryCreate(path)) break;
    const stale = staleReason(path, staleMs);
    if (stale) {
      takeOver(path);
      continue;
    }
    const holder = readHolder(path);
    if (!waited) {
      waited = true;
      if (holder) options.onWait?.(holder);
    }
    if (Date.now() - start > timeoutMs) {
      throw new LandmarkerError(
        'ERR_ENGINE_CACHE',
        `Timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${path}` +
          (holder ? ` (held by pid ${holder.pid} on ${holder.host})` : '') +
          '; remove it if no other trt-landmarker process is building this engine',
      );
    }
    await sleep(pollMs);
  }
  // Heartbeat: keep the mtime fresh so waiters never take over a live build.
  const beat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // lock removed under us (stale takeover by a confused peer): nothing useful to do
    }
  }, Math.max(50, Math.floor(staleMs / 4)));
  beat.unref();
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      clearInterval(beat);
      const holder = readHolder(path);
      if (holder && holder.pid === process.pid && holder.host === hostname()) rmSync(path, { force: true });
    },
  };
}
