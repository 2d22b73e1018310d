/**
 * A TensorRT runtime computed with the CPU reference, for the fake GPU addon (helpers.ts, `engineFromOnnx`): the
 * "engine" is the ONNX file itself, run by ONNX Runtime; preprocessing and decoding are the real addon's CPU core
 * (the code the CUDA kernels and the native runtime's host decoding mirror). It checks what the TypeScript side
 * sends (config, windows, limits) and returns what the native runtime would: tests of the plumbing, not of a GPU.
 * Regression landmark models and the detector mode are modelled; PIPNet is not.
 */
import * as ort from 'onnxruntime-node';
import type { NativeAddon, NativeCrop, NativeFrame, NativeTrtDetectorConfig, NativeTrtRuntimeConfig } from '../../src/native/addon';
import { coded } from './helpers';

type Config = NativeTrtRuntimeConfig | NativeTrtDetectorConfig;

export interface FakeRuntimeCall {
  kind: 'run' | 'detect';
  frames: { width: number; height: number }[];
  crops: NativeCrop[];
  options?: { minScore: number; minSize: number; maxDetections: number };
}

async function outputsOf(session: ort.InferenceSession, config: Config, input: Float32Array, n: number): Promise<Record<string, Float32Array>> {
  const out = await session.run({ [config.inputName]: new ort.Tensor('float32', input, [n, 3, config.height, config.width]) });
  const r: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(out)) r[k] = v.data as Float32Array;
  return r;
}

export interface FakeRuntimeHooks {
  /** Throws the error a test injected for the next run/detect (as a CUDA or TensorRT failure would). */
  failRun: () => void;
  /** Runs in progress at once, now and at most (the native runtime serialises them; callers should queue). */
  concurrency: { now: number; max: number };
}

export async function fakeTrtRuntime(real: NativeAddon, plan: Uint8Array, config: Config, calls: FakeRuntimeCall[], hooks: FakeRuntimeHooks) {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(plan);
  } catch (err) {
    throw coded('ERR_TENSORRT', `deserializeCudaEngine (${plan.length} B plan) failed: ${(err as Error).message}`);
  }
  const needed = config.architecture === 'detector' ? [config.scores, config.boxes] : config.architecture === 'regression' ? [config.output!] : [];
  if (config.architecture === 'pipnet') throw new Error('fake TensorRT runtime: PIPNet is not modelled');
  for (const name of needed) {
    // As trt_runtime.cc's Find(): the tensor name in the coded error.
    if (!session.outputNames.includes(name)) throw coded('ERR_MODEL_LOAD', `engine/contract mismatch: the engine has no tensor "${name}" (it has ${session.outputNames.join(', ')})`);
  }
  const timings = { preprocess: 0.1, inference: 0.2, postprocess: 0.3 };
  let closed = false;
  const open = () => {
    if (closed) throw coded('ERR_DISPOSED', 'the TensorRT runtime is closed');
    hooks.failRun();
  };
  const tracked = async <T>(work: () => Promise<T>): Promise<T> => {
    const c = hooks.concurrency;
    c.max = Math.max(c.max, ++c.now);
    try {
      return await work();
    } finally {
      c.now--;
    }
  };
  return {
    async run(frames: NativeFrame[], crops: NativeCrop[]) {
      open();
      if (config.architecture !== 'regression') throw coded('ERR_INTERNAL', 'run() on a detector runtime (use detect())');
      calls.push({ kind: 'run', frames: frames.map((f) => ({ width: f.width, height: f.height })), crops });
      const input = await real.preprocess(frames, crops, config);
      const out = (await outputsOf(session, config, input, frames.length))[config.output!];
      const d = real.decodeRegression(out, frames.length, out.length / frames.length, crops, {
        landmarks: config.landmarks,
        pixel: config.pixel!,
        inputWidth: config.width,
        inputHeight: config.height,
      });
      return { points: d.points, timings, graph: false };
    },
    async detect(frame: NativeFrame, window: NativeCrop, options: { minScore: number; minSize: number; maxDetections: number }) {
      open();
      if (config.architecture !== 'detector') throw coded('ERR_INTERNAL', 'detect() on a landmark runtime (use run())');
      calls.push({ kind: 'detect', frames: [{ width: frame.width, height: frame.height }], crops: [window], options });
      const out = await tracked(async () => outputsOf(session, config, await real.preprocess([frame], [window], config), 1));
      const scores = out[config.scores];
      const d = real.decodeDetections(scores, out[config.boxes], config.priors, window, {
        centerVariance: config.centerVariance,
        sizeVariance: config.sizeVariance,
        scoreStride: scores.length / (config.priors.length / 4),
        scoreIndex: config.scoreIndex,
        minScore: options.minScore,
        minSize: options.minSize,
        candidates: config.candidates,
        iouThreshold: config.iouThreshold,
        maxDetections: options.maxDetections,
      });
      return { boxes: d.boxes, scores: d.scores, timings, graph: false };
    },
    info: () => ({ closed, maxBatch: config.maxBatch }),
    async close() {
      closed = true;
      await session.release();
    },
  };
}
