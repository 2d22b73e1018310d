import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { acquireLock } from '../../src/util/file-lock';
import { tempDir } from './helpers';

/** A pid that is certainly not running: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  const pid = child.pid!;
  await new Promise((r) => child.on('exit', r));
  return pid;
}

const ROOT = join(__dirname, '..', '..');
const LOCK_JS = join(ROOT, 'dist', 'src', 'util', 'file-lock.js');
/** Node arguments for a child that runs `script` (which loads the compiled lock module, LOCK_JS). */
const childArgs = (script: string) => ['-e', script];

describe('cross-process engine lock', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  test('two acquirers in one process: the second waits until the first releases', async () => {
    const path = join(t.dir, 'e.engine.lock');
    const events: string[] = [];
    const a = await acquireLock(path, { pollMs: 10 });
    let waitedFor: number | undefined;
    const second = acquireLock(path, { pollMs: 10, onWait: (h) => (waitedFor = h.pid) }).then((l) => {
      events.push('b acquired');
      return l;
    });
    await new Promise((r) => setTimeout(r, 100));
    events.push('a releasing');
    a.release();
    const b = await second;
    expect(events).toEqual(['a releasing', 'b acquired']);
    expect(waitedFor).toBe(process.pid);
    b.release();
    expect(existsSync(path)).toBe(false);
  });

  test('two processes never hold the lock at the same time', async () => {
    const path = join(t.dir, 'shared.lock');
    const log = join(t.dir, 'log.txt');
    writeFileSync(log, '');
    const script = `
      const { acquireLock } = require(${JSON.stringify(LOCK_JS)});
      const fs = require('node:fs');
      (async () => {
        for (let i = 0; i < 3; i++) {
          const l = await acquireLock(${JSON.stringify(path)}, { pollMs: 5 });
          fs.appendFileSync(${JSON.stringify(log)}, 'start ' + process.pid + '\\n');
          await new Promise((r) => setTimeout(r, 30));
          fs.appendFileSync(${JSON.stringify(log)}, 'end ' + process.pid + '\\n');
          l.release();
        }
      })().catch((e) => { console.error(e); process.exit(1); });`;
    const run = () =>
      new Promise<number>((resolve) => spawn(process.execPath, childArgs(script), { stdio: 'inherit' }).on('exit', (c) => resolve(c ?? 1)));
    expect(await Promise.all([run(), run(), run()])).toEqual([0, 0, 0]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(18);
    // Strictly alternating start/end of the same pid: no overlap.
    for (let i = 0; i < lines.length; i += 2) {
      expect(lines[i]).toMatch(/^start \d+$/);
      expect(lines[i + 1]).toBe(lines[i].replace('start', 'end'));
    }
  }, 30000);

  test('a lock file left by a dead process (any host, any age) is taken at once: the kernel released its lock', async () => {
    for (const [name, holder] of [
      ['dead.lock', { pid: await deadPid(), host: hostname(), created: Date.now() }],
      ['remote.lock', { pid: 1, host: 'some-other-host', created: 0 }],
    ] as const) {
      const path = join(t.dir, name);
      writeFileSync(path, JSON.stringify(holder));
      const t0 = Date.now();
      const l = await acquireLock(path, { timeoutMs: 2000 });
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
      l.release();
      expect(existsSync(path)).toBe(false);
    }
  });

  test('a held lock times out with ERR_ENGINE_CACHE naming the holder', async () => {
    const path = join(t.dir, 'live.lock');
    const held = await acquireLock(path);
    await expect(acquireLock(path, { timeoutMs: 200, pollMs: 20 })).rejects.toMatchObject({
      code: 'ERR_ENGINE_CACHE',
      message: `Timed out after 0 s waiting for ${path} (held by pid ${process.pid} on ${hostname()}): another trt-landmarker process is building this engine`,
    });
    held.release();
  });

  test('another user of the lock (the model export) gives its own code and words', async () => {
    const path = join(t.dir, 'export.lock');
    const held = await acquireLock(path);
    await expect(acquireLock(path, { timeoutMs: 100, pollMs: 20, errorCode: 'ERR_PYTHON', holderDoing: 'exporting this model' })).rejects.toMatchObject({
      code: 'ERR_PYTHON',
      message: `Timed out after 0 s waiting for ${path} (held by pid ${process.pid} on ${hostname()}): another trt-landmarker process is exporting this model`,
    });
    held.release();
  });

  test('a holder killed with SIGKILL frees the lock at once; a holder whose JS thread is blocked keeps it', async () => {
    const path = join(t.dir, 'k.lock');
    // The child takes the lock, says so, then blocks its JS thread (no timers, no heartbeat) until killed.
    const script = `
      const { acquireLock } = require(${JSON.stringify(LOCK_JS)});
      acquireLock(${JSON.stringify(path)}, { pollMs: 5 }).then(() => {
        console.log('held');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
      });`;
    const child = spawn(process.execPath, childArgs(script), { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve()));
    await expect(acquireLock(path, { timeoutMs: 600, pollMs: 20 })).rejects.toMatchObject({ code: 'ERR_ENGINE_CACHE' });
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const t0 = Date.now();
    const l = await acquireLock(path, { timeoutMs: 2000, pollMs: 5 });
    expect(Date.now() - t0).toBeLessThan(1000);
    l.release();
  }, 30000);
});
