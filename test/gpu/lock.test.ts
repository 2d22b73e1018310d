import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import * as ts from 'typescript';
import { acquireLock, staleReason } from '../../src/tensorrt/lock';
import { tempDir } from './helpers';

/** A pid that is certainly not running: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  const pid = child.pid!;
  await new Promise((r) => child.on('exit', r));
  return pid;
}

/** src/tensorrt/lock.ts (+ src/errors.ts) as CommonJS in `dir`, so plain node children can use the real code. */
function transpileLock(dir: string): string {
  const root = join(__dirname, '..', '..');
  for (const rel of ['src/errors.ts', 'src/tensorrt/lock.ts']) {
    const out = ts.transpileModule(readFileSync(join(root, rel), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    const dest = join(dir, rel.replace(/\.ts$/, '.js'));
    mkdirSync(join(dest, '..'), { recursive: true });
    writeFileSync(dest, out);
  }
  return join(dir, 'src', 'tensorrt', 'lock.js');
}

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
    const lockJs = transpileLock(join(t.dir, 'js'));
    const path = join(t.dir, 'shared.lock');
    const log = join(t.dir, 'log.txt');
    writeFileSync(log, '');
    const script = `
      const { acquireLock } = require(${JSON.stringify(lockJs)});
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
      new Promise<number>((resolve) => spawn(process.execPath, ['-e', script], { stdio: 'inherit' }).on('exit', (c) => resolve(c ?? 1)));
    expect(await Promise.all([run(), run(), run()])).toEqual([0, 0, 0]);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(18);
    // Strictly alternating start/end of the same pid: no overlap.
    for (let i = 0; i < lines.length; i += 2) {
      expect(lines[i]).toMatch(/^start \d+$/);
      expect(lines[i + 1]).toBe(lines[i].replace('start', 'end'));
    }
  }, 30000);

  test('a lock left by a dead process on this host is taken over at once', async () => {
    const path = join(t.dir, 'dead.lock');
    const pid = await deadPid();
    writeFileSync(path, JSON.stringify({ pid, host: hostname(), created: Date.now() }));
    expect(staleReason(path, 60_000)).toBe(`holder pid ${pid} is not running`);
    const t0 = Date.now();
    const l = await acquireLock(path, { timeoutMs: 2000 });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    l.release();
  });

  test('a lock from another host is stale only once its heartbeat is older than staleMs', async () => {
    const path = join(t.dir, 'remote.lock');
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'some-other-host', created: 0 }));
    expect(staleReason(path, 60_000)).toBeUndefined();
    const old = new Date(Date.now() - 120_000);
    utimesSync(path, old, old);
    expect(staleReason(path, 60_000)).toMatch(/^not refreshed for 12\d s$/);
    const l = await acquireLock(path, { staleMs: 60_000, timeoutMs: 2000 });
    l.release();
  });

  test('a live lock times out with ERR_ENGINE_CACHE naming the holder', async () => {
    const path = join(t.dir, 'live.lock');
    writeFileSync(path, JSON.stringify({ pid: process.pid, host: 'busy-host', created: Date.now() }));
    await expect(acquireLock(path, { timeoutMs: 200, pollMs: 20 })).rejects.toMatchObject({
      code: 'ERR_ENGINE_CACHE',
      message: `Timed out after 0 s waiting for ${path} (held by pid ${process.pid} on busy-host); remove it if no other trt-landmarker process is building this engine`,
    });
  });

  test('the holder refreshes the lock (heartbeat), so waiters never take over a long build', async () => {
    const path = join(t.dir, 'beat.lock');
    const l = await acquireLock(path, { staleMs: 200 });
    const old = new Date(Date.now() - 10_000);
    utimesSync(path, old, old);
    await new Promise((r) => setTimeout(r, 150));
    expect(staleReason(path, 200)).toBeUndefined();
    l.release();
  });
});
