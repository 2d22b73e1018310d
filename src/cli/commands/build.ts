/**
 * `trt-landmarker build`: builds (or verifies) the TensorRT engine for a model ahead of time, so the first
 * TrtLandmarker.create() on this machine loads it from the cache instead of waiting for TensorRT.
 * Without a usable GPU + TensorRT it fails with the reason (exit code 2).
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { probeTensorRt, runtimeConfig } from '../../backends/tensorrt';
import { fromNative, LandmarkerError } from '../../errors';
import { openLandmarkModel } from '../../model/open';
import { prepareEngine } from '../../tensorrt/engine';
import type { Precision } from '../../types';
import { flag, has, parseArgs, usageError } from '../args';
import { ProgressBar } from '../progress';

export const usage = `build --model m.onnx [options]   build the TensorRT engine ahead of time (into the engine cache)
  --model PATH        ONNX model (contract from its metadata, a sidecar <model>.json, or --config)
  --config PATH       contract JSON (overrides metadata and sidecar)
  --precision P       fp16 | fp32 (default fp16; FP16 uses <model>.fp16.onnx when it exists, see docs/tensorrt.md)
  --max-batch N       largest batch the engine accepts (default 8; a model with a fixed batch uses that)
  --cache-dir DIR     engine cache (default $TRT_LANDMARKER_CACHE or ~/.cache/trt-landmarker)
  --json              print the result as JSON`;

function positiveInt(name: string, text: string | undefined, def: number): number {
  if (text === undefined) return def;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw usageError(`Expected an integer 1..256 for --${name} but received "${text}"`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { booleans: ['json'], values: ['model', 'config', 'precision', 'max-batch', 'cache-dir'] });
  const model = flag(args, 'model');
  if (!model) throw usageError('Missing --model (the ONNX model to build an engine for)');
  const precision = (flag(args, 'precision') ?? 'fp16') as Precision;
  if (precision !== 'fp16' && precision !== 'fp32') throw usageError(`Expected fp16 or fp32 for --precision but received "${precision}"`);
  const maxBatch = positiveInt('max-batch', flag(args, 'max-batch'), 8);
  const cacheDir = resolve(flag(args, 'cache-dir') ?? process.env.TRT_LANDMARKER_CACHE ?? join(homedir(), '.cache', 'trt-landmarker'));
  const modelPath = resolve(model);
  const opened = openLandmarkModel(modelPath, flag(args, 'config'));

  const probe = probeTensorRt();
  if (!probe.gpu) throw new LandmarkerError('ERR_BACKEND_UNAVAILABLE', `Cannot build a TensorRT engine here: ${probe.reason}`);
  const { addon } = probe.gpu;
  const create = addon.trtCreateRuntime.bind(addon);
  const bar = new ProgressBar(100, 'TensorRT build');
  const prepared = await prepareEngine(
    probe.gpu,
    {
      model: opened,
      precision,
      maxBatch,
      cacheDir,
      onProgress: (p) => bar.update(Math.round(p.fraction * 100), p.phase),
      warn: (m) => process.stderr.write(`warning: ${m}\n`),
    },
    // Deserialising proves the cached or fresh engine loads on this GPU; a bad cached file gets rebuilt.
    async (engine, batch) => {
      try {
        const rt = await create(engine, runtimeConfig(opened.contract, batch, false));
        await rt.close();
        return engine.length;
      } catch (err) {
        throw fromNative(err, 'ERR_TENSORRT');
      }
    },
  );
  bar.finish();
  const result = {
    engine: prepared.path,
    built: prepared.built,
    buildSeconds: prepared.buildSeconds,
    bytes: prepared.value,
    precision: prepared.source.precision,
    source: prepared.source.path,
    note: prepared.source.note,
    maxBatch: prepared.maxBatch,
    tensorrt: prepared.parts.tensorrtVersion,
    gpu: `${prepared.parts.gpuName} (sm ${prepared.parts.computeCapability})`,
    warnings: prepared.buildLog,
  };
  if (has(args, 'json')) {
    process.stdout.write(JSON.stringify(result) + '\n');
  } else {
    const how = prepared.built ? `built in ${prepared.buildSeconds?.toFixed(1)} s` : 'already in the cache (verified)';
    process.stdout.write(
      `${result.engine}\n  ${how}; ${result.precision}, max batch ${result.maxBatch}, ${(result.bytes / 1e6).toFixed(1)} MB; ` +
        `TensorRT ${result.tensorrt} on ${result.gpu}\n  ${result.note}\n`,
    );
    for (const w of result.warnings) process.stdout.write(`  TensorRT ${w}\n`);
  }
  return 0;
}
