/**
 * Starts a worker thread on one of this package's own modules, from compiled dist/ and from src/ alike.
 *
 * From dist/ the worker module is plain JavaScript and the thread simply requires it. From src/ (tests under
 * ts-jest, ts-node) it is TypeScript, which a bare worker cannot load: this thread transpiles the module and its
 * relative value imports once (with the typescript package, present wherever .ts sources run) and hands the code
 * to the worker, which loads it through a require hook. Type-only imports are erased and not followed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { LandmarkerError } from '../errors';

const BOOT = `
const { workerData } = require('node:worker_threads');
const code = workerData.compiled;
if (code) require.extensions['.ts'] = (m, file) => m._compile(code[file], file);
require(workerData.entry);
`;

/** Transpiled files by absolute path, shared by every entry (a module imported by two workers is compiled once). */
const compiledFiles = new Map<string, string>();
/** Per entry: the files it needs (itself and its relative value imports, transitively). */
const closures = new Map<string, Record<string, string>>();

function transpile(entry: string): Record<string, string> {
  const known = closures.get(entry);
  if (known) return known;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require(require.resolve('typescript', { paths: [__dirname] })) as typeof import('typescript');
  const out: Record<string, string> = {};
  const visit = (file: string) => {
    if (out[file] !== undefined) return;
    const text = readFileSync(file, 'utf8');
    let code = compiledFiles.get(file);
    if (code === undefined) {
      code = ts.transpileModule(text, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        fileName: file,
      }).outputText;
      compiledFiles.set(file, code);
    }
    out[file] = code;
    for (const m of text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'(\.[^']+)'/gm)) visit(join(dirname(file), `${m[1]}.ts`));
  };
  visit(entry);
  closures.set(entry, out);
  return out;
}

/** True when this package runs from its TypeScript sources (this file is .ts) rather than from dist/. */
export function runningFromSource(): boolean {
  return extname(__filename) === '.ts';
}

/**
 * A Worker running `<dir>/<name>.ts` or `.js` (whichever this package runs from). `data` is spread into
 * workerData next to the loader's own keys (`entry`, `compiled`). `what` names the module in the error thrown
 * when it is missing (ERR_INTERNAL: a broken installation).
 */
export function startWorker(dir: string, name: string, what: string, data: Record<string, unknown>, options: Omit<WorkerOptions, 'eval' | 'workerData'> = {}): Worker {
  const fromSource = runningFromSource();
  const entry = join(dir, `${name}${fromSource ? '.ts' : '.js'}`);
  if (!existsSync(entry)) throw new LandmarkerError('ERR_INTERNAL', `The ${what} ${entry} is missing`);
  const boot = fromSource ? { entry, compiled: transpile(entry) } : { entry };
  return new Worker(BOOT, { ...options, eval: true, workerData: { ...data, ...boot } });
}
