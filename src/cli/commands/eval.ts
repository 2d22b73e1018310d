/** `trt-landmarker eval`: NME evaluation of one or more models on 300W / FaceSynthetics / a folder, with a report. */
import { resolve } from 'node:path';
import { resolveContractPath } from '../../contract/load';
import { outOfRange } from '../../errors';
import { runEvaluation, type EvalRunSpec, type EvaluationResult, type RunEvaluationOptions } from '../../eval/evaluate';
import { MAX_BATCH_LIMIT } from '../../landmarker';
import { LandmarkQueue } from '../../queue/producer';
import { NORM_KINDS, type NormKind } from '../../eval/metrics';
import type { Backend, Precision } from '../../types';
import { flag, flagAll, parseArgs, usageError } from '../args';
import { EXIT_OK, EXIT_SOME_FAILED } from '../exit-codes';
import { ProgressBar } from '../progress';
import { defaultLandmarkFiles } from '../../bundled-models';

export const usage = `eval --model m.onnx --data DIR [options]   NME evaluation with a report (docs/eval.md)

Usage: trt-landmarker eval --model m.onnx [--model m2.onnx ...] --data DIR [options]

  --model PATH          ONNX model; repeat to compare several models in one report (default: the shipped
                        peppa-slim160 with its contract)
  --config PATH|NAME    contract JSON or a bundled contract's name; one per --model, in order (default: sidecar or ONNX metadata)
  --data DIR            300W root, FaceSynthetics folder, or a folder of image + .pts pairs
  --split NAME          300W split: common | challenge | full | indoor | outdoor | private | train (default full)
  --list FILE           list file instead of a split: "image/path [subset]" per line, relative to --data
  --norm KIND           inter-ocular (default) | inter-pupil | box
  --crop P              gt (default: GT landmark box, the contract's crop policy) | gt:S (crop = S x box) | none (whole image)
                        | detector (boxes from the built-in face detector; reports the detection rate)
  --batch N             images per inference batch (default 8)
  --backend B           auto (default) | tensorrt | onnxruntime
  --precision P         fp16 | fp32; repeat (--precision fp16 --precision fp32) to compare both
  --threads N           ONNX Runtime intra-op threads
  --limit N             evaluate only the first N images (sorted by path)
  --report DIR          write report.json, summary.md, ced.png and overlays/ there
  --overlays N          best and worst N per model in the overlay sheets (default 8, 0 = none)
  --expect-nme X        exit with code 1 unless every model's NME (%) is within --tolerance of X
  --tolerance T         for --expect-nme (default 0.1)
  --redis URL           shard the images over the queue workers serving each model (docs/scale.md);
                        the report is assembled here. --backend, --precision and --threads are the workers' then
  --queue NAME          queue name (default landmarks)`;

function positiveInt(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || (n === 0 && name !== 'overlays')) throw outOfRange(name, name === 'overlays' ? 'non-negative integer' : 'positive integer', value);
  return n;
}

function finiteNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw outOfRange(name, 'a number', value);
  return n;
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw usageError(`--${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    values: ['model', 'config', 'data', 'split', 'list', 'norm', 'crop', 'batch', 'backend', 'precision', 'threads', 'limit', 'report', 'overlays', 'expect-nme', 'tolerance', 'redis', 'queue'],
  });
  if (args.positional.length) throw usageError(`Unexpected argument "${args.positional[0]}"\n\n${usage}`);
  const given = flagAll(args, 'model');
  const data = flag(args, 'data');
  if (!data) throw usageError(`eval needs --data\n\n${usage}`);
  if (given.length === 0 && flagAll(args, 'config').length > 0) throw usageError('--config needs --model (the default model brings its own contract)');
  const defaults = defaultLandmarkFiles();
  const models = given.length > 0 ? given : [defaults.model];
  const configs = given.length > 0 ? flagAll(args, 'config') : [defaults.config];
  if (configs.length > 0 && configs.length !== models.length) {
    throw usageError(`Give one --config per --model (${models.length} models, ${configs.length} configs)`);
  }
  const precisions = flagAll(args, 'precision').map((p) => oneOf<Precision>('precision', p, ['fp16', 'fp32'])!);
  const norm = oneOf<NormKind>('norm', flag(args, 'norm'), NORM_KINDS) ?? 'inter-ocular';
  const backend = oneOf<Backend>('backend', flag(args, 'backend'), ['auto', 'tensorrt', 'onnxruntime']) ?? 'auto';
  const expectNme = finiteNumber('expect-nme', flag(args, 'expect-nme'));
  const tolerance = finiteNumber('tolerance', flag(args, 'tolerance')) ?? 0.1;
  if (tolerance < 0) throw outOfRange('tolerance', 'a non-negative number', tolerance);

  const specs: EvalRunSpec[] = [];
  models.forEach((m, i) => {
    // A bare name ("peppa-slim160") is a bundled contract (resolveContractPath); anything else a path.
    const c = configs[i] ? resolveContractPath(configs[i]) : undefined;
    const base = { model: resolve(m), config: c === undefined || c !== configs[i] ? c : resolve(c) };
    if (precisions.length === 0) specs.push(base);
    else for (const precision of precisions) specs.push({ ...base, precision });
  });

  const redis = flag(args, 'redis');
  const queue = redis ? await LandmarkQueue.connect({ redis, queue: flag(args, 'queue'), model: specs[0].model, config: specs[0].config }) : null;
  const bars = new Map<string, ProgressBar>();
  let failed = 0;
  const evaluation: RunEvaluationOptions = {
    runs: specs,
    data,
    split: flag(args, 'split'),
    list: flag(args, 'list'),
    norm,
    crop: flag(args, 'crop') ?? 'gt',
    batch: positiveInt('batch', flag(args, 'batch'), 8),
    backend,
    threads: positiveInt('threads', flag(args, 'threads')),
    limit: positiveInt('limit', flag(args, 'limit')),
    reportDir: flag(args, 'report'),
    overlays: positiveInt('overlays', flag(args, 'overlays'), 8),
    expect: expectNme !== undefined ? { nmePct: expectNme, tolerance } : undefined,
    command: ['trt-landmarker', 'eval', ...argv],
    onProgress: (label, done, total) => {
      let bar = bars.get(label);
      if (!bar) bars.set(label, (bar = new ProgressBar(total, label)));
      bar.update(done);
    },
    onRunDone: (r) => {
      bars.get(r.label)?.finish();
      const m = r.metrics.all;
      process.stdout.write(
        `${r.label} [${r.backend} ${r.precision}, crop ${r.protocol.crop}]: ${m.count} images, NME ${m.nmePct.toFixed(3)} %, ` +
          `FR@8 ${m.failureRate8Pct.toFixed(2)} %, FR@10 ${m.failureRate10Pct.toFixed(2)} %, AUC@8 ${m.auc8Pct.toFixed(2)} %, ` +
          `AUC@10 ${m.auc10Pct.toFixed(2)} %, ${r.timing.seconds.toFixed(1)} s\n`,
      );
      for (const [group, g] of Object.entries(r.metrics)) {
        if (group !== 'all') process.stdout.write(`  ${group}: ${g.count} images, NME ${g.nmePct.toFixed(3)} %\n`);
      }
      process.stdout.write(`  crop: ${r.protocol.cropDescription}\n`);
      if (r.detection) process.stdout.write(`  detection rate: ${r.detection.ratePct.toFixed(2)} % (${r.detection.found} of ${r.detection.faces} annotated faces found)\n`);
      if (r.requestedPrecision) process.stdout.write(`  note: ${r.requestedPrecision} was requested but ${r.precision} ran (${r.info.reason})\n`);
      if (r.pointCountNote) process.stdout.write(`  note: ${r.pointCountNote}\n`);
      if (r.excluded.length) process.stdout.write(`  excluded: ${r.excluded.length} (see report.json)\n`);
      for (const f of r.failed) process.stderr.write(`${r.label}: ${f.id}: ${f.reason}\n`);
      failed += r.failed.length;
    },
  };
  let result: EvaluationResult;
  try {
    // Over the queue, evaluate() hands the detector big batches (256 images), each spread over the workers.
    result = queue ? await queue.evaluate({ ...evaluation, batch: positiveInt('batch', flag(args, 'batch'), MAX_BATCH_LIMIT) }) : await runEvaluation(evaluation);
  } finally {
    await queue?.close();
  }
  const d = result.report.dataset;
  if (d.imagesWithoutAnnotation.count || d.annotationsWithoutImage.count) {
    process.stdout.write(`Not evaluated: ${d.imagesWithoutAnnotation.count} images without annotation, ${d.annotationsWithoutImage.count} annotations without image\n`);
  }
  if (result.files.length) process.stdout.write(`Report: ${resolve(flag(args, 'report')!)} (${result.files.length} files)\n`);
  const e = result.report.expectation;
  if (e) {
    for (const r of e.results) {
      process.stdout.write(`${r.passed ? 'PASS' : 'FAIL'}: ${r.label} NME ${r.nmePct.toFixed(3)} % vs expected ${e.nmePct} ± ${e.tolerance}\n`);
    }
    if (!e.passed) return EXIT_SOME_FAILED;
  }
  return failed > 0 ? EXIT_SOME_FAILED : EXIT_OK;
}
