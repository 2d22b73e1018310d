#!/usr/bin/env node
/**
 * `npm run bench`: trt-landmarker against the pipelines users would otherwise write, per stage, on every backend this
 * machine has. See docs/bench.md. Benchmarks are not tests: a missed target is reported (MISS), never an exit code.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, join, resolve } from 'node:path';
import { probeTensorRt } from '../src/backends/tensorrt';
import { LandmarkerError } from '../src/errors';
import { runAsMain } from '../src/cli/run-main';
import { ensureModel } from '../tools/onnx-export';
import { findPython } from '../tools/torch-python';
import type { Precision } from '../src/types';
import { parseBenchArgs, USAGE, type BenchConfig } from './args';
import { imageFromFile, syntheticFaceJpeg } from './image';
import { machineInfo, physicalCores } from './machine';
import { benchModel, type JobContext, type ModelJob } from './model-job';
import { consoleReport, markdownReport } from './report';
import { SCHEMA, type BenchResult } from './result';
import { compare, evaluateTargets } from './targets';

const log = (line: string): void => void process.stderr.write(line + '\n');

async function modelJobs(cfg: BenchConfig): Promise<ModelJob[]> {
  if (cfg.model) return [{ name: basename(cfg.model), path: resolve(cfg.model), config: cfg.config }];
  const jobs: ModelJob[] = [];
  for (const arch of cfg.archs) {
    const t0 = performance.now();
    const paths = await ensureModel({ arch });
    const s = (performance.now() - t0) / 1000;
    log(`model ${arch}: ${paths.fp32}${s > 1 ? ` (exported in ${s.toFixed(1)} s, cached for later runs)` : ''}`);
    jobs.push({ name: arch, path: paths.fp32, arch });
  }
  return jobs;
}

export async function main(argv: string[]): Promise<number> {
  const cfg = parseBenchArgs(argv);
  if (cfg.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const started = Date.now();
  const notes: string[] = [];
  const loadStart = os.loadavg().map((v) => Number(v.toFixed(2)));
  if (loadStart[0] > 0.5 * os.availableParallelism()) {
    const busy = `the machine was busy when the run started (load average ${loadStart[0]} on ${os.availableParallelism()} CPUs): numbers are skewed by other work`;
    log(`warning: ${busy}`);
    notes.push(busy);
  }
  const image = cfg.image ? await imageFromFile(cfg.image) : await syntheticFaceJpeg();
  // ONNX Runtime's default pool already has one thread per physical core, and only the default pins them to cores;
  // an explicit count measured 2-3 % slower here, so trt-landmarker gets ONNX Runtime's default unless --threads.
  const torchThreads = cfg.threads ?? physicalCores();

  const trt = probeTensorRt();
  const wanted = cfg.backends ?? ['tensorrt', 'onnxruntime'];
  const oursConfigs: JobContext['oursConfigs'] = [];
  if (wanted.includes('tensorrt')) {
    if (trt.available) for (const p of cfg.precisions) oursConfigs.push({ backend: 'tensorrt', precision: p as Precision });
    else if (cfg.backends) throw new LandmarkerError('ERR_BACKEND_UNAVAILABLE', `--backend tensorrt: TensorRT is not available here: ${trt.reason}`);
    else notes.push(`TensorRT rows skipped: ${trt.reason}`);
  }
  if (wanted.includes('onnxruntime')) oursConfigs.push({ backend: 'onnxruntime', precision: 'fp32' });

  let python: string | undefined;
  if (cfg.baselines.includes('pytorch')) {
    if (cfg.model) notes.push('PyTorch baseline skipped: it rebuilds the built-in architectures only (use --arch)');
    else {
      try {
        python = await findPython();
      } catch (err) {
        notes.push(`PyTorch baseline skipped: ${(err as Error).message}`);
      }
    }
  }

  const jobs = await modelJobs(cfg);
  const ctx: JobContext = {
    cfg,
    image,
    threads: cfg.threads,
    torchThreads,
    oursConfigs,
    python,
    run: { iterations: cfg.iterations, timeMs: cfg.timeMs, warmupIterations: cfg.warmup, warmupMs: 0 },
  };
  const result: BenchResult = {
    schema: SCHEMA,
    createdAt: new Date(started).toISOString(),
    durationS: 0,
    argv,
    machine: machineInfo(),
    settings: { iterations: cfg.iterations, timeMs: cfg.timeMs, warmup: cfg.warmup, rounds: cfg.rounds, batches: cfg.batches, threads: cfg.threads ?? null, torchThreads },
    image: { source: image.source, width: image.width, height: image.height, bytes: image.jpeg.length },
    models: [],
    setup: [],
    rows: [],
    comparisons: [],
    targets: [],
    agreement: [],
    notes,
  };
  const versions: { tensorrt?: string; cuda?: string; python?: string; torch?: string } = {};
  for (const job of jobs) {
    const r = await benchModel(job, ctx);
    result.models.push(r.model);
    result.rows.push(...r.rows);
    result.setup.push(...r.setup);
    result.agreement.push(...r.agreement);
    notes.push(...r.notes);
    for (const [k, v] of Object.entries(r.versions) as [keyof typeof versions, string | undefined][]) versions[k] ??= v;
  }

  result.machine = machineInfo({ tensorrt: versions.tensorrt ?? (trt.available ? 'available' : 'not available (see notes)'), cuda: versions.cuda });
  result.machine.loadAverageStart = loadStart;
  result.machine.loadAverageEnd = os.loadavg().map((v) => Number(v.toFixed(2)));
  if (versions.python) result.machine.python = versions.python;
  if (versions.torch) result.machine.torch = versions.torch;
  result.comparisons = compare(result.rows);
  result.targets = evaluateTargets(result.rows, result.comparisons, result.models.map((m) => m.name), {
    available: trt.available,
    reason: trt.reason,
    precisions: trt.available ? cfg.precisions : ['fp16'],
  });
  notes.push(
    cfg.threads
      ? `trt-landmarker's ONNX Runtime sessions use ${cfg.threads} intra-op threads (--threads); the hand-written baseline uses ONNX Runtime's defaults`
      : "trt-landmarker's ONNX Runtime sessions and the hand-written baseline's both use ONNX Runtime's default thread pool (one thread per physical core)",
  );
  result.durationS = (Date.now() - started) / 1000;

  const outDir = resolve(cfg.outDir);
  mkdirSync(outDir, { recursive: true });
  const stamp = result.createdAt.replace(/[:.]/g, '-');
  const jsonPath = join(outDir, `bench-${stamp}.json`);
  const mdPath = join(outDir, `bench-${stamp}.md`);
  writeFileSync(jsonPath, JSON.stringify(result, null, 2) + '\n');
  writeFileSync(mdPath, markdownReport(result));
  process.stdout.write((cfg.json ? JSON.stringify(result, null, 2) : consoleReport(result)) + '\n');
  log(`\nWrote ${jsonPath}\n      ${mdPath}`);
  return 0;
}

if (require.main === module) runAsMain('bench', main);
