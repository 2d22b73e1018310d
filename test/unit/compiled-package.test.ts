/**
 * Tests see the package as users get it, and the package knows nothing of the tests: the product runs from its
 * compiled dist/ (test/compiled.js), its worker threads start from .js files, and objects made outside a test
 * file's realm (by the addon, Node, worker threads) are instances of the test's own globals
 * (test/realm-environment.js), so product code can use plain `instanceof`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { TrtLandmarker } from '../../src/landmarker';
import type { NativePreprocessParams } from '../../src/native/addon';
import { loadAddon } from '../../src/native/loader';
import { regressionContract, tinyRegression } from './helpers/onnx-builder';

const ROOT = join(__dirname, '..', '..');
// The module object itself (not an import's read-only view), the one the package's `new Worker` reads from.
const threads = require('node:worker_threads') as typeof import('node:worker_threads');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : [p];
  });
}

describe('the package under test is the compiled one', () => {
  test('an import of src/x loads dist/src/x.js', () => {
    expect(require.resolve('../../src/landmarker')).toBe(join(ROOT, 'dist', 'src', 'landmarker.js'));
    expect(require.resolve('../../bench/paths')).toBe(join(ROOT, 'dist', 'bench', 'paths.js'));
  });

  test('no product file mentions the test runner or works around its realms', () => {
    const runnerWords = /\bjest\b|ts-jest|\brealms?\b|transpileModule|require\.extensions|runningFromSource/i;
    const hits = [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'bench'))].flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => `${relative(ROOT, file)}:${i + 1}: ${line.trim()}`)
        .filter((line) => runnerWords.test(line.slice(line.indexOf(': ') + 2))),
    );
    expect(hits).toEqual([]);
  });

  test("the ONNX Runtime worker thread starts from the compiled .js file, not from TypeScript or an eval'd loader", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'compiled-package-'));
    const started: Array<{ file: unknown; eval: unknown }> = [];
    const RealWorker = threads.Worker;
    class Watched extends RealWorker {
      constructor(file: string | URL, options?: import('node:worker_threads').WorkerOptions) {
        started.push({ file, eval: options?.eval });
        super(file, options);
      }
    }
    const model = join(dir, 'reg64.onnx');
    writeFileSync(model, tinyRegression({ size: 64, metadata: { trt_landmarker: JSON.stringify(regressionContract(64)) } }));
    threads.Worker = Watched;
    try {
      const lm = await TrtLandmarker.create({ model, backend: 'onnxruntime' });
      const r = await lm.detect({ data: new Uint8Array(64 * 64 * 3).fill(90), width: 64, height: 64, format: 'rgb' });
      expect(r.points).toBeInstanceOf(Float32Array);
      await lm.dispose();
    } finally {
      threads.Worker = RealWorker;
      rmSync(dir, { recursive: true, force: true });
    }
    expect(started).toEqual([{ file: join(ROOT, 'dist', 'src', 'backends', 'onnxruntime-worker.js'), eval: undefined }]);
  });
});

describe('the CLI runs as `npx trt-landmarker` runs it in a clone: the bin file itself, executed', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };

  test('every bin file is executable and starts (no "Permission denied")', () => {
    for (const rel of Object.values(pkg.bin)) {
      const out = execFileSync(join(ROOT, rel), ['--help'], { encoding: 'utf8' });
      expect(out).toMatch(/^Usage: trt-landmarker <command>/);
    }
  });

  test('every npm script that compiles into dist/ marks the bin files executable afterwards', () => {
    const compiling = Object.entries(pkg.scripts).filter(([, cmd]) => /\btsc\b(?![^&]*--noEmit)/.test(cmd));
    expect(compiling.map(([name]) => name).sort()).toEqual(['build', 'build:ts', 'prepare', 'test', 'test:all']);
    for (const [name, cmd] of compiling) {
      expect(`${name}: ${cmd}`).toMatch(/tsc -p \S+ && node scripts\/bin-executable\.js/);
    }
  });
});

describe("objects made outside this file's realm are instances of its globals", () => {
  const addon = loadAddon();
  const frame = { data: new Uint8Array(4 * 3 * 3), width: 4, height: 3, format: 0 as const };
  const params: NativePreprocessParams = { width: 2, height: 2, bgr: false, scale: 1, mean: [0, 0, 0], std: [1, 1, 1] };
  const thrown = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (e) {
      return e;
    }
    throw new Error('expected a throw');
  };

  test("the addon's Float32Array, TypeError, RangeError and Error", () => {
    expect(addon.preprocessSync([frame], [{ x: 0, y: 0, w: 4, h: 3 }], params)).toBeInstanceOf(Float32Array);
    const type = thrown(() => addon.preprocessSync([{ ...frame, format: 5 as 0 }], [{ x: 0, y: 0, w: 4, h: 3 }], params));
    expect(type).toBeInstanceOf(TypeError);
    expect(type).toBeInstanceOf(Error);
    const range = thrown(() => addon.preprocessSync([{ ...frame, width: 0 }], [{ x: 0, y: 0, w: 4, h: 3 }], params));
    expect(range).toBeInstanceOf(RangeError);
  });

  test("Node's own errors and Buffers", () => {
    expect(thrown(() => readFileSync(join(ROOT, 'no-such-file')))).toBeInstanceOf(Error);
    expect(Buffer.from('abc')).toBeInstanceOf(Uint8Array);
  });

  test("a worker thread's messages and uncaught errors", async () => {
    const w = new threads.Worker(
      `const { parentPort } = require('node:worker_threads');
       parentPort.postMessage({ points: new Float32Array(2), bytes: new ArrayBuffer(1) });
       parentPort.once('message', () => { throw new RangeError('from the thread'); });`,
      { eval: true },
    );
    const msg = await new Promise<{ points: unknown; bytes: unknown }>((resolve) => w.once('message', resolve));
    expect(msg.points).toBeInstanceOf(Float32Array);
    expect(msg.bytes).toBeInstanceOf(ArrayBuffer);
    const err = new Promise<unknown>((resolve) => w.once('error', resolve));
    w.postMessage('throw');
    expect(await err).toBeInstanceOf(RangeError);
  });
});
