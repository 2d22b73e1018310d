/**
 * The engine cache lock under contention: a stale lock (left by a process that died) and 4 processes asking for it
 * at the same moment, round after round. Each round's log must show one holder at a time (start/end of the same
 * pid strictly alternating). Contenders are long-lived child processes driven over IPC, so a round costs
 * milliseconds, not process start-ups.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './child';

/** A pid that is certainly not running: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  const pid = child.pid!;
  await new Promise((r) => child.on('exit', r));
  return pid;
}

function nextMessage(c: ChildProcess): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null, signal: string | null) => reject(new Error(`contender exited (${code ?? signal})`));
    c.once('exit', onExit);
    c.once('message', (m) => {
      c.off('exit', onExit);
      resolve(m);
    });
  });
}

/** Runs `rounds` rounds; returns how many had two holders at once, and a sample bad log. */
export async function lockRace(rounds: number, contenders = 4): Promise<{ overlapping: number; sample?: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lock-race-'));
  const children = Array.from({ length: contenders }, () =>
    fork(join(__dirname, 'scripts', 'lock-contender.ts'), [], { execArgv: ['-r', join(ROOT, 'test', 'bench', 'ts-register.js')], stdio: 'inherit' }),
  );
  let overlapping = 0;
  let sample: string | undefined;
  try {
    await Promise.all(children.map(nextMessage)); // 'ready'
    const dead = await deadPid();
    for (let r = 0; r < rounds; r++) {
      const path = join(dir, `r${r}.engine.lock`);
      const log = join(dir, `r${r}.log`);
      writeFileSync(log, '');
      // The stale lock: a holder on this host that is no longer running, not refreshed for an hour.
      writeFileSync(path, JSON.stringify({ pid: dead, host: hostname(), created: Date.now() - 3_600_000 }));
      const old = new Date(Date.now() - 3_600_000);
      utimesSync(path, old, old);
      const done = children.map(nextMessage);
      for (const c of children) c.send({ path, log, holdMs: 5 });
      await Promise.all(done);
      const lines = readFileSync(log, 'utf8').trim().split('\n');
      const ok = lines.length === 2 * contenders && lines.every((l, i) => (i % 2 === 0 ? /^start \d+$/.test(l) : l === lines[i - 1]!.replace('start', 'end')));
      if (!ok) {
        overlapping++;
        sample ??= lines.join(' | ');
      }
    }
  } finally {
    for (const c of children) if (c.connected) c.send('exit');
    await Promise.all(children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once('exit', r)))));
    rmSync(dir, { recursive: true, force: true });
  }
  return { overlapping, sample };
}
