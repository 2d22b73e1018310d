/**
 * The fuzz tier's child process: runs one input class's generator through the public API (or the CLI) and prints
 * one JSON line {cls, inputs, ms, counts, bad}. counts: outcomes by error code ('ok' for a finite result). bad:
 * outcomes that must never happen (an error without a code, a non-finite result, a CLI exit 3). A crash kills
 * this process (the parent sees the signal); an input running past WATCHDOG_MS prints what it was and exits 4.
 * argv: <class[,class...]> <count per class> <seed> <budgetMs per class>; one JSON line per class.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { main as cliMain } from '../../src/cli/main';
import { TrtLandmarker } from '../../src/landmarker';
import { mulberry32 } from '../../src/util/prng';
import { pipnetContract, regressionContract, tinyPipnet, tinyRegression } from '../unit/helpers/onnx-builder';
import { box, contract, encodedImage, int, mutateBytes, pick, rawFrame, type Rand } from './generators';

const [classesArg, countArg, seedArg, budgetArg] = process.argv.slice(2);
let cls = '';
const count = Number(countArg);
const seed = Number(seedArg);
const budgetMs = Number(budgetArg);
const WATCHDOG_MS = 30_000;
const dir = mkdtempSync(join(tmpdir(), 'fuzz-'));
const meta = (c: unknown) => ({ trt_landmarker: JSON.stringify(c) });
let counts: Record<string, number> = {};
let bad: Array<{ index: number; outcome: string; detail: string }> = [];
let current = '';

function record(index: number, outcome: string, detail = ''): void {
  counts[outcome] = (counts[outcome] ?? 0) + 1;
  if (outcome.startsWith('BAD') && bad.length < 10) bad.push({ index, outcome, detail: detail.slice(0, 300) });
}

/** The outcome of a call that yields landmark results: 'ok' when every value is finite, else the error's code. */
async function outcome(p: () => Promise<unknown>): Promise<[string, string]> {
  try {
    const v = await p();
    const results = (Array.isArray(v) ? v : [v]) as Array<{ points: Float32Array; scores?: Float32Array }>;
    for (const r of results) {
      if (!r.points.every(Number.isFinite) || (r.scores && !r.scores.every(Number.isFinite))) return ['BAD_NONFINITE', ''];
    }
    return ['ok', ''];
  } catch (e) {
    const err = e as Error & { code?: unknown };
    if (typeof err?.code !== 'string' || !err.code.startsWith('ERR_')) return [`BAD_UNCODED_${err?.name ?? typeof e}`, String(err?.stack ?? e)];
    return [err.code, err.message];
  }
}

async function regressionLandmarker(): Promise<TrtLandmarker> {
  const m = join(dir, 'reg.onnx');
  writeFileSync(m, tinyRegression({ metadata: meta(regressionContract(32)) }));
  return TrtLandmarker.create({ model: m, backend: 'onnxruntime', maxBatch: 4 });
}

const FRAME = { data: new Uint8Array(40 * 30 * 3).fill(77), width: 40, height: 30, format: 'rgb' as const };

/** JSON for the hang report; non-finite numbers spelled out, anything unserialisable described. */
function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x)) ?? String(v);
  } catch (e) {
    return `(unserialisable: ${(e as Error).message})`;
  }
}

/** A landmarker for `model` (and `config`), one detect() with a box, dispose: what a one-shot caller does. */
async function createDetectDispose(model: string, config?: unknown): Promise<unknown> {
  const l = await TrtLandmarker.create({ model, backend: 'onnxruntime', ...(config === undefined ? {} : { config: config as never }) });
  try {
    return await l.detect(FRAME, { box: [5, 5, 20, 15] });
  } finally {
    await l.dispose();
  }
}

type Runner = (r: Rand, i: number) => Promise<number>; // returns the number of inputs it consumed

async function runners(): Promise<Record<string, { run: Runner; close?: () => Promise<void> }>> {
  const lm = await regressionLandmarker();
  const close = () => lm.dispose();
  const m = join(dir, 'cli.onnx');
  writeFileSync(m, tinyRegression({ metadata: meta(regressionContract(32)) }));
  const bases = [tinyRegression({ metadata: meta(regressionContract(32)) }), tinyPipnet({ metadata: meta(pipnetContract(64)) })];
  const png = await sharp({ create: { width: 20, height: 16, channels: 3, background: { r: 9, g: 99, b: 199 } } }).png().toBuffer();
  return {
    images: {
      close,
      run: async (r, i) => {
        const { format, bytes } = await encodedImage(r);
        current = `image ${format} ${bytes.length} bytes`;
        const [o, d] = await outcome(() => lm.detect(bytes));
        record(i, o, d);
        return 1;
      },
    },
    frames: {
      close,
      run: async (r, i) => {
        const c = rawFrame(r);
        current = `frame ${c.kind} ${String(c.frame.width)}x${String(c.frame.height)} ${String(c.frame.format)} after=${c.after}`;
        const b = r() < 0.3 ? box(r) : undefined;
        const p = outcome(() => lm.detect(c.frame as never, b === undefined ? undefined : { box: b as never }));
        const buf = (c.frame.data as Uint8Array)?.buffer as ArrayBuffer & { resize?: (n: number) => void; resizable?: boolean };
        try {
          if (c.after === 'detach') structuredClone(buf, { transfer: [buf] });
          else if (c.after === 'shrink') buf.resize!(0);
          else if (c.after === 'grow') buf.resize!(buf.byteLength + 4);
        } catch {
          // not resizable or not transferable (shared): nothing to do
        }
        const [o, d] = await p;
        record(i, o, d);
        return 1;
      },
    },
    boxes: {
      close,
      run: async (r, i) => {
        const b = box(r);
        current = `box ${safeJson(b)}`;
        const [o, d] = await outcome(() => (r() < 0.5 ? lm.detect(FRAME, { box: b as never }) : lm.detectBatch([FRAME, { input: FRAME, box: b as never }])));
        record(i, o, d);
        return 1;
      },
    },
    contracts: {
      close,
      run: async (r, i) => {
        const c = contract(r);
        current = `contract ${safeJson(c).slice(0, 200)}`;
        const model = c.architecture === 'pipnet' ? join(dir, 'pip.onnx') : join(dir, 'regc.onnx');
        writeFileSync(model, c.architecture === 'pipnet' ? bases[1]! : tinyRegression());
        const [o, d] = await outcome(() => createDetectDispose(model, c));
        record(i, o, d);
        return 1;
      },
    },
    onnx: {
      close,
      run: async (r, i) => {
        const bytes = mutateBytes(r, pick(r, bases));
        const model = join(dir, `m${i % 4}.onnx`);
        writeFileSync(model, bytes);
        current = `onnx ${bytes.length} bytes`;
        const [o, d] = await outcome(() => createDetectDispose(model));
        record(i, o, d);
        return 1;
      },
    },
    cli: {
      close,
      run: async (r, i) => {
        const folder = join(dir, `f${i}`);
        mkdirSync(folder);
        const n = int(r, 1, 30);
        for (let k = 0; k < n; k++) {
          const name = join(folder, `${k}.${pick(r, ['jpg', 'png', 'webp', 'JPG'])}`);
          switch (pick(r, ['png', 'png', 'broken', 'empty', 'fifo', 'dir', 'zero', 'dangling', 'loop'] as const)) {
            case 'png': writeFileSync(name, png); break;
            case 'broken': writeFileSync(name, mutateBytes(r, png)); break;
            case 'empty': writeFileSync(name, ''); break;
            case 'fifo': execFileSync('mkfifo', [name]); break;
            case 'dir': mkdirSync(name); break;
            case 'zero': symlinkSync('/dev/zero', name); break;
            case 'dangling': symlinkSync(join(folder, 'nowhere'), name); break;
            case 'loop': symlinkSync(name, name); break;
          }
        }
        current = `cli folder of ${n} entries`;
        const quiet = <T>(f: () => Promise<T>) => {
          const o = process.stdout.write;
          const e = process.stderr.write;
          process.stdout.write = (() => true) as never;
          process.stderr.write = (() => true) as never;
          return f().finally(() => ((process.stdout.write = o), (process.stderr.write = e)));
        };
        let code: number;
        try {
          code = await quiet(() => cliMain(['detect', folder, '--model', m, '--backend', 'onnxruntime', '--json']));
        } catch (e) {
          const c = (e as { code?: unknown }).code;
          code = typeof c === 'string' && c.startsWith('ERR_') ? 2 : 3;
        }
        record(i, code === 3 ? 'BAD_EXIT_3' : `exit${code}`);
        rmSync(folder, { recursive: true, force: true });
        return n;
      },
    },
  };
}

async function mainLoop(): Promise<void> {
  const all = await runners();
  for (cls of classesArg!.split(',')) {
    const runner = all[cls];
    if (!runner) throw new Error(`unknown class ${cls}`);
    counts = {};
    bad = [];
    const r = mulberry32(seed);
    const started = Date.now();
    let inputs = 0;
    for (let i = 0; inputs < count && Date.now() - started < budgetMs; i++) {
      const watchdog = setTimeout(() => {
        console.log(JSON.stringify({ cls, hang: current, index: i, seed }));
        process.exit(4);
      }, WATCHDOG_MS);
      inputs += await runner.run(r, i);
      clearTimeout(watchdog);
    }
    console.log(JSON.stringify({ cls, seed, inputs, ms: Date.now() - started, counts, bad }));
  }
  await all.images!.close!();
  rmSync(dir, { recursive: true, force: true });
}

mainLoop().catch((e) => {
  console.error(e);
  process.exit(3);
});
