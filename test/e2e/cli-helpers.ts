/** Running the CLI inside a test with its output captured or swallowed. */
import { main } from '../../src/cli/main';

/** Runs fn with process.stdout/stderr writes captured. */
export async function captured<T>(fn: () => Promise<T>): Promise<{ value: T; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  try {
    return { value: await fn(), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

/** Runs the CLI (`trt-landmarker ...argv`) with stdout/stderr captured. */
export async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await captured(() => main(argv));
  return { code: r.value, out: r.out, err: r.err };
}

/** Runs fn with its output swallowed. */
export async function quiet<T>(fn: () => Promise<T>): Promise<T> {
  return (await captured(fn)).value;
}
