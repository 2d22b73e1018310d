/**
 * Runs a script in a child Node process, so that a crash (SIGSEGV, abort) or a hang is a test failure instead of
 * the end of the jest worker. The script is TypeScript or JavaScript, run through the tests' require hook
 * (test/bench/ts-register.js): it imports the compiled package from dist/, as the tests do.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface ChildResult {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the child ran past `timeoutMs` and was killed. */
  timedOut: boolean;
}

export const ROOT = join(__dirname, '..', '..');
const REGISTER = join(ROOT, 'test', 'bench', 'ts-register.js');

/** Runs `file` (a .ts or .js path) with `args`; kills it after timeoutMs. */
export function runChild(file: string, args: string[] = [], timeoutMs = 60_000, env: NodeJS.ProcessEnv = {}): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', REGISTER, file, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** A one-line account of how a child ended, for assertion messages. */
export function describeExit(r: ChildResult): string {
  const how = r.timedOut ? 'timed out' : r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
  return `${how}\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}`;
}
