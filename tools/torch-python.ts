/**
 * Finding a Python that can run models/export.py (it needs torch, torchvision and onnx).
 *
 * Order: $TRT_LANDMARKER_PYTHON, /usr/bin/python3 (Debian's python3-torch lives there), then `python3` on
 * PATH. Each candidate is probed once per process by importing the three modules; the result is memoised.
 */
import { spawn, spawnSync } from 'node:child_process';
import { LandmarkerError } from '../src/errors';

export const PYTHON_ENV = 'TRT_LANDMARKER_PYTHON';

export const PYTHON_INSTALL_HINT =
  'Install them with `sudo apt-get install python3-torch python3-onnx python3-torchvision` (Debian/Ubuntu) ' +
  'or `pip install torch torchvision onnx`, or set TRT_LANDMARKER_PYTHON to a python that has them.';

const PROBE = 'import torch, torchvision, onnx';
const PROBE_TIMEOUT_MS = 120_000;

function candidates(): string[] {
  const list: string[] = [];
  const fromEnv = process.env[PYTHON_ENV];
  if (fromEnv) list.push(fromEnv);
  list.push('/usr/bin/python3', 'python3');
  return [...new Set(list)];
}

/** Last meaningful line of a failed probe (e.g. "ModuleNotFoundError: No module named 'torch'"). */
function reason(stderr: string, error?: Error): string {
  if (error) return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : error.message;
  const lines = stderr.trim().split('\n').filter((l) => l.trim() !== '');
  return lines.length ? lines[lines.length - 1].trim() : 'import failed';
}

function label(python: string): string {
  return python === process.env[PYTHON_ENV] ? `${PYTHON_ENV}=${python}` : python;
}

function notFound(tried: string[]): LandmarkerError {
  return new LandmarkerError(
    'ERR_PYTHON',
    `No python with torch, torchvision and onnx found (tried ${tried.join('; ')}). ${PYTHON_INSTALL_HINT}`,
  );
}

function probe(python: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    let stderr = '';
    let settled = false;
    const child = spawn(python, ['-c', PROBE], { stdio: ['ignore', 'ignore', 'pipe'] });
    // Own timer rather than spawn's `timeout` option: that one is only cleared on 'exit', which a spawn
    // failure (ENOENT) never emits, and would keep the process alive for the full timeout.
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    timer.unref();
    const finish = (why: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(why);
    };
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => finish(reason('', err)));
    child.on('close', (code, signal) => finish(code === 0 ? undefined : signal ? `killed by ${signal}` : reason(stderr)));
  });
}

/** The first of `pythons` that imports torch, torchvision and onnx; ERR_PYTHON naming each failure otherwise. */
export async function firstWorkingPython(pythons: readonly string[]): Promise<string> {
  const tried: string[] = [];
  for (const python of pythons) {
    const why = await probe(python);
    if (why === undefined) return python;
    tried.push(`${label(python)}: ${why}`);
  }
  throw notFound(tried);
}

let found: Promise<string> | undefined;

/** Path (or command name) of a python that imports torch, torchvision and onnx; ERR_PYTHON when none does. */
export function findPython(): Promise<string> {
  if (!found) {
    found = firstWorkingPython(candidates());
    // A failure is not cached for ever: the user may install the packages and retry in the same process.
    found.catch(() => (found = undefined));
  }
  return found;
}

let foundSync: string | undefined;

/** Blocking variant for test set-up (deciding describe vs describe.skip); same order and errors. */
export function findPythonSync(): string {
  if (foundSync) return foundSync;
  const tried: string[] = [];
  for (const python of candidates()) {
    const r = spawnSync(python, ['-c', PROBE], { stdio: ['ignore', 'ignore', 'pipe'], timeout: PROBE_TIMEOUT_MS });
    if (!r.error && r.status === 0) return (foundSync = python);
    tried.push(`${label(python)}: ${r.signal ? `killed by ${r.signal}` : reason(r.stderr?.toString() ?? '', r.error)}`);
  }
  throw notFound(tried);
}
