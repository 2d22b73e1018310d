/**
 * Soak: memory over many calls, reported as a slope (a script, not a test; docs/bench.md "Soak").
 *
 *   node --expose-gc dist/bench/soak.js --model m.onnx [--config c.json] [--calls 20000] [--every 2000]
 *   node --expose-gc dist/bench/soak.js --model m.onnx --cycles 1000 [--every 100]
 *
 * Mode calls: one landmarker, `calls` detect() calls on a 640x480 raw frame (a box in the middle); mode cycles:
 * `cycles` times create -> detect -> dispose. Every `every` calls (or cycles) it prints RSS, V8 heap, external
 * memory and active handles, then the least-squares slope of RSS over the second half of the samples (the first
 * half includes warm-up: code, caches, arenas being populated), in KB per 1,000 calls (or per cycle).
 */
import { parseArgs, flag, usageError } from '../src/cli/args';
import { runAsMain } from '../src/cli/run-main';
import { TrtLandmarker } from '../src/landmarker';
import type { Backend } from '../src/types';

interface Sample {
  n: number;
  rssMb: number;
  heapMb: number;
  externalMb: number;
  handles: number;
}

const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;

function sample(n: number): Sample {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  const handles = (process as unknown as { getActiveResourcesInfo?: () => string[] }).getActiveResourcesInfo?.().length ?? -1;
  return { n, rssMb: mb(m.rss), heapMb: mb(m.heapUsed), externalMb: mb(m.external), handles };
}

/** Least-squares slope of y over x. */
export function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

function positive(name: string, text: string | undefined, def: number): number {
  if (text === undefined) return def;
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1) throw usageError(`Expected a positive integer for --${name} but received "${text}"`);
  return v;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { booleans: [], values: ['model', 'config', 'backend', 'calls', 'cycles', 'every', 'threads'] });
  const model = flag(args, 'model');
  if (!model) throw usageError('soak needs --model PATH');
  const cycles = flag(args, 'cycles') === undefined ? undefined : positive('cycles', flag(args, 'cycles'), 1);
  const total = cycles ?? positive('calls', flag(args, 'calls'), 20_000);
  const every = positive('every', flag(args, 'every'), cycles ? Math.max(1, Math.floor(total / 10)) : 2000);
  const options = {
    model,
    config: flag(args, 'config'),
    backend: (flag(args, 'backend') ?? 'onnxruntime') as Backend,
    threads: flag(args, 'threads') === undefined ? undefined : positive('threads', flag(args, 'threads'), 1),
  };
  const frame = { data: new Uint8Array(640 * 480 * 3).map((_, i) => (i * 31) & 255), width: 640, height: 480, format: 'rgb' as const };
  const box: [number, number, number, number] = [200, 120, 240, 240];
  if (!(globalThis as { gc?: unknown }).gc) process.stderr.write('note: run with node --expose-gc for samples after a full GC\n');
  const unit = cycles ? 'cycle' : 'call';
  const samples: Sample[] = [sample(0)];
  const print = (s: Sample) => process.stdout.write(`${unit}s ${s.n}: rss ${s.rssMb} MB, heap ${s.heapMb} MB, external ${s.externalMb} MB, handles ${s.handles}\n`);
  print(samples[0]!);
  const lm = cycles ? undefined : await TrtLandmarker.create(options);
  for (let i = 1; i <= total; i++) {
    if (lm) {
      await lm.detect(frame, { box });
    } else {
      const l = await TrtLandmarker.create(options);
      await l.detect(frame, { box });
      await l.dispose();
    }
    if (i % every === 0) {
      samples.push(sample(i));
      print(samples[samples.length - 1]!);
    }
  }
  await lm?.dispose();
  const tail = samples.slice(Math.floor(samples.length / 2));
  const kb = slope(tail.map((s) => s.n), tail.map((s) => s.rssMb * 1024));
  process.stdout.write(
    cycles
      ? `RSS slope over the second half: ${kb.toFixed(1)} KB per cycle\n`
      : `RSS slope over the second half: ${(kb * 1000).toFixed(1)} KB per 1,000 calls\n`,
  );
  return 0;
}

if (require.main === module) runAsMain('soak', main);
