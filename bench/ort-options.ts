#!/usr/bin/env node
/**
 * `node dist/bench/ort-options.js [arch...] [--batch N] [--calls N] [--rounds N]`: ONNX Runtime session options
 * against the model run alone (no decode, no pre/post-processing), to see which options are worth setting.
 * Each variant gets its own session, used alone and released before the next (an idle session's thread pool spins
 * and would slow the next one); variants are measured in rotation over several rounds so drift hits all alike.
 * Prints p50/min per variant in ms. Results are discussed in docs/bench.md.
 */
import * as ort from 'onnxruntime-node';
import { flag, parseArgs } from '../src/cli/args';
import { ensureModel, EXPORT_ARCHS, type ExportArch } from '../tools/onnx-export';
import { physicalCores } from './machine';
import { summarize } from './stats';

const cores = physicalCores();
const VARIANTS: Record<string, ort.InferenceSession.SessionOptions> = {
  'defaults (what a user writes)': {},
  [`intraOpNumThreads=${cores} (physical cores)`]: { intraOpNumThreads: cores },
  'intraOpNumThreads=1': { intraOpNumThreads: 1 },
  'graphOptimizationLevel=basic': { graphOptimizationLevel: 'basic' },
  'graphOptimizationLevel=extended': { graphOptimizationLevel: 'extended' },
  'graphOptimizationLevel=all': { graphOptimizationLevel: 'all' },
  'executionMode=parallel': { executionMode: 'parallel' },
  'intra-op spinning off': { extra: { session: { intra_op: { allow_spinning: '0' } } } },
  'batch fixed (freeDimensionOverrides)': {},
  'enableCpuMemArena=false': { enableCpuMemArena: false },
};

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv, { values: ['batch', 'calls', 'rounds'] });
  const archs = (args.positional.length ? args.positional : EXPORT_ARCHS) as ExportArch[];
  const batch = Number(flag(args, 'batch') ?? 1);
  const calls = Number(flag(args, 'calls') ?? 10);
  const rounds = Number(flag(args, 'rounds') ?? 3);
  for (const arch of archs) {
    const { fp32 } = await ensureModel({ arch });
    const size = arch === 'pipnet' ? 256 : 224;
    const data = Float32Array.from({ length: batch * 3 * size * size }, (_, i) => Math.sin(i));
    const input = new ort.Tensor('float32', data, [batch, 3, size, size]);
    const times = new Map<string, number[]>();
    for (let r = 0; r < rounds; r++) {
      for (const [name, options] of Object.entries(VARIANTS)) {
        const opts = name.startsWith('batch fixed') ? { freeDimensionOverrides: { batch } } : options;
        const session = await ort.InferenceSession.create(fp32, opts);
        for (let i = 0; i < 3; i++) await session.run({ input });
        const t = times.get(name) ?? [];
        for (let i = 0; i < calls; i++) {
          const t0 = performance.now();
          await session.run({ input });
          t.push(performance.now() - t0);
        }
        times.set(name, t);
        await session.release();
      }
    }
    console.log(`\n${arch}, batch ${batch}, ${rounds} x ${calls} calls per variant, ms:`);
    for (const [name, t] of times) {
      const s = summarize(t);
      console.log(`  ${name.padEnd(42)} p50 ${s.p50.toFixed(2).padStart(8)}   min ${s.min.toFixed(2).padStart(8)}`);
    }
  }
}

main(process.argv.slice(2)).catch((err: Error & { code?: string }) => {
  process.stderr.write(`ort-options: ${err.code ? `[${err.code}] ` : ''}${err.message}\n`);
  process.exitCode = 1;
});
