/**
 * Child process for the lock race test: on each {path, log, holdMs} message from the parent it acquires the engine
 * lock, appends "start <pid>" to the log, holds it holdMs, appends "end <pid>", releases and answers "done".
 */
import { appendFileSync } from 'node:fs';
import { acquireLock } from '../../../src/util/file-lock';

interface Round {
  path: string;
  log: string;
  holdMs: number;
}

process.on('message', (m: Round | 'exit') => {
  if (m === 'exit') {
    process.disconnect();
    return;
  }
  void (async () => {
    const lock = await acquireLock(m.path, { pollMs: 2, timeoutMs: 20_000 });
    appendFileSync(m.log, `start ${process.pid}\n`);
    await new Promise((r) => setTimeout(r, m.holdMs));
    appendFileSync(m.log, `end ${process.pid}\n`);
    lock.release();
    process.send!('done');
  })().catch((e) => {
    console.error(e);
    process.exit(3);
  });
});
process.send!('ready');
