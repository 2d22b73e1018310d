/**
 * Baseline (b): PyTorch eager with PIL/NumPy pre/post-processing (bench/pytorch_baseline.py), timed inside Python.
 * Before its numbers are used, the weights are proven identical: Python writes its preprocessed input and the
 * model's outputs, and the ONNX model run by onnxruntime-node on that same input must reproduce them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ModelContract } from '../src/contract/types';
import { measure, type Measurement, type RunOptions } from './runner';
import { pytorchScript } from './paths';
import type { StageSample } from './subject';

export interface PytorchWeights {
  arch: 'resnet50' | 'mobilenetv3' | 'pipnet';
  seed: number;
  checkpoint?: string;
}

export interface PytorchResult {
  versions: { torch: string; numpy: string; pillow: string; python: string };
  threads: number;
  defaultThreads: number;
  setupMs: number;
  measurements: Measurement[];
  /** Points for the agreement image (model input size, no resampling), image pixels. */
  agreePoints?: number[];
  weightsCheck: { ok: boolean; maxAbsDiff: number; maxAbsRef: number; detail: string };
}

function runPython(python: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => resolve({ code: 127, stdout, stderr: err.message }));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Runs the FP32 ONNX model on Python's input and compares with PyTorch's outputs (order = ONNX output order). */
async function checkWeights(modelPath: string, contract: ModelContract, check: PyCheck): Promise<PytorchResult['weightsCheck']> {
  const session = await ort.InferenceSession.create(modelPath);
  try {
    const input = new ort.Tensor('float32', readF32(check.input), check.inputShape);
    const out = await session.run({ [contract.input.name]: input });
    const names = contract.pipnet
      ? [contract.pipnet.outputs.cls, contract.pipnet.outputs.x, contract.pipnet.outputs.y, contract.pipnet.outputs.nbX, contract.pipnet.outputs.nbY]
      : [contract.regression!.output];
    let maxAbsDiff = 0;
    let maxAbsRef = 0;
    for (let i = 0; i < names.length; i++) {
      const ref = readF32(check.outputs[i].path);
      const got = out[names[i]].data as Float32Array;
      if (got.length !== ref.length) {
        return { ok: false, maxAbsDiff: NaN, maxAbsRef: NaN, detail: `output ${names[i]}: ${got.length} values vs PyTorch ${ref.length}` };
      }
      for (let k = 0; k < ref.length; k++) {
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got[k] - ref[k]));
        maxAbsRef = Math.max(maxAbsRef, Math.abs(ref[k]));
      }
    }
    // FP32 ONNX vs eager differ only by kernel order and the exporter's Conv+BN folding: ~1e-6 relative.
    const ok = maxAbsDiff <= 1e-3 * Math.max(1e-3, maxAbsRef);
    return {
      ok,
      maxAbsDiff,
      maxAbsRef,
      detail: ok ? 'ONNX and PyTorch outputs agree on the same input' : 'ONNX and PyTorch outputs DIFFER: not the same weights',
    };
  } finally {
    await session.release();
  }
}

interface PyCheck {
  input: string;
  inputShape: number[];
  outputs: { path: string; shape: number[] }[];
}

interface PyOut {
  torch: string;
  numpy: string;
  pillow: string;
  python: string;
  defaultThreads: number;
  threads: number;
  setupMs: number;
  check: PyCheck;
  runs: { batch: number; stages: StageSample[]; totals: number[] }[];
  agreePoints?: number[];
}

export async function runPytorchBaseline(opts: {
  python: string;
  modelPath: string;
  contract: ModelContract;
  weights: PytorchWeights;
  image: Buffer;
  /** JPEG at exactly the model input size (see bench/agreement.ts). */
  agreeImage?: Buffer;
  batches: number[];
  run: RunOptions;
  threads: number;
}): Promise<PytorchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'trt-landmarker-bench-'));
  try {
    const imagePath = join(dir, 'image.jpg');
    writeFileSync(imagePath, opts.image);
    const agreePath = opts.agreeImage ? join(dir, 'agree.jpg') : undefined;
    if (agreePath) writeFileSync(agreePath, opts.agreeImage!);
    const spec = {
      arch: opts.weights.arch,
      landmarks: opts.contract.landmarks,
      inputSize: opts.contract.input.width,
      seed: opts.weights.seed,
      checkpoint: opts.weights.checkpoint,
      contract: opts.contract,
      image: imagePath,
      batches: opts.batches,
      iterations: opts.run.iterations,
      timeMs: opts.run.timeMs,
      warmupIterations: opts.run.warmupIterations,
      warmupMs: opts.run.warmupMs,
      threads: opts.threads,
      checkDir: join(dir, 'check'),
      agreeImage: agreePath,
    };
    const specPath = join(dir, 'spec.json');
    writeFileSync(specPath, JSON.stringify(spec));
    const r = await runPython(opts.python, [pytorchScript(), '--spec', specPath]);
    if (r.code !== 0) {
      // Exit 3: numpy or Pillow missing (torch was already found by findPython).
      throw new Error(`bench/pytorch_baseline.py failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    }
    const py = JSON.parse(r.stdout) as PyOut;
    const weightsCheck = await checkWeights(opts.modelPath, opts.contract, py.check);
    return {
      versions: { torch: py.torch, numpy: py.numpy, pillow: py.pillow, python: py.python },
      threads: py.threads,
      defaultThreads: py.defaultThreads,
      setupMs: py.setupMs,
      measurements: py.runs.map((run) => measure(run.batch, { stages: run.stages, totals: run.totals })),
      agreePoints: py.agreePoints,
      weightsCheck,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
