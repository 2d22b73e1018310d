/**
 * prepareEngine (src/tensorrt/engine.ts) with a fake addon: what reaches TensorRT's builder (profile batches, TF32,
 * precision) and how the shared timing cache is saved. Models are tiny hand-built ONNX files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelContract } from '../../src/contract/types';
import { openLandmarkModel } from '../../src/model/open';
import type { NativeAddon, NativeTrtBuildOptions } from '../../src/native/addon';
import { prepareEngine, type TensorRtGpu } from '../../src/tensorrt/engine';
import { regressionContract, tinyRegression, writeModel } from '../unit/helpers/onnx-builder';
import { tempDir } from './helpers';

function fakeAddon(timingOut: string) {
  const calls: { build: NativeTrtBuildOptions[]; merges: number } = { build: [], merges: 0 };
  const addon = {
    buildInfo: () => ({ version: '0.1.0', variant: 'cuda13', cuda: true, tensorrtMajor: 10 }),
    gpuStatus: () => ({ cuda: true, tensorrt: true, reason: 'ok', cudaRuntime: '13.0', tensorrtVersion: '10.16.0', device: { name: 'Fake GPU', computeCapability: '8.9', totalMemory: 1 } }),
    trtBuildEngine: async (_onnx: Uint8Array, o: NativeTrtBuildOptions) => {
      calls.build.push({ ...o, timingCache: o.timingCache ? Buffer.from(o.timingCache) : undefined });
      return { engine: Buffer.from(`engine ${calls.build.length}`), timingCache: Buffer.from(timingOut), log: [] };
    },
    trtMergeTimingCaches: async (a: Uint8Array, b: Uint8Array) => {
      calls.merges++;
      return Buffer.from(`${Buffer.from(a).toString()}+${Buffer.from(b).toString()}`);
    },
  } as unknown as NativeAddon;
  // What the probe hands down on a machine with TensorRT 10 (src/backends/tensorrt.ts).
  const gpu = { addon, status: addon.gpuStatus(), build: addon.buildInfo(), tensorrtMajor: 10 } as TensorRtGpu;
  return { addon, gpu, calls };
}

const contract = regressionContract(32) as unknown as ModelContract;
const opened = (path: string) => openLandmarkModel(path, contract);

describe('prepareEngine with a fake addon', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  test('dynamic batch: profile 1..maxBatch tuned for maxBatch, TF32 off, FP32 strongly typed', async () => {
    const model = writeModel(join(t.dir, 'dyn.onnx'), tinyRegression());
    const { gpu, calls } = fakeAddon('tc');
    const r = await prepareEngine(gpu, { model: opened(model), precision: 'fp32', maxBatch: 8, cacheDir: t.dir }, async (e) => Buffer.from(e).toString());
    expect(r.value).toBe('engine 1');
    expect(calls.build[0]).toMatchObject({ maxBatch: 8, optBatch: 8, tf32: false, fp16: false, stronglyTyped: true });
    expect(r.parts.profile).toMatchObject({ minBatch: 1, optBatch: 8, maxBatch: 8 });
  });

  test('a fixed batch of 4: the build gets batch 4 whatever maxBatch was asked', async () => {
    const model = writeModel(join(t.dir, 'fixed.onnx'), tinyRegression({ batch: 4 }));
    const { gpu, calls } = fakeAddon('tc');
    const r = await prepareEngine(gpu, { model: opened(model), precision: 'fp32', maxBatch: 1, cacheDir: t.dir }, async () => 'ok');
    expect(calls.build[0]).toMatchObject({ maxBatch: 4, optBatch: 4 });
    expect(r.maxBatch).toBe(4);
    expect(r.parts.profile).toMatchObject({ minBatch: 4, optBatch: 4, maxBatch: 4 });
  });

  test('the timing cache another build saved meanwhile is merged, not overwritten', async () => {
    const model = writeModel(join(t.dir, 'dyn.onnx'), tinyRegression());
    const { addon, gpu, calls } = fakeAddon('mine');
    const open = async () => 'ok';
    // First build: no file yet, written as is.
    await prepareEngine(gpu, { model: opened(model), precision: 'fp32', maxBatch: 2, cacheDir: t.dir }, open);
    const timing = join(t.dir, 'timing-trt10.16.0-Fake_GPU-sm89.cache');
    expect(readFileSync(timing, 'utf8')).toBe('mine');
    expect(calls.merges).toBe(0);
    // Second build of another engine: it reads 'mine'; while it builds, another process saves 'theirs'.
    const build = addon.trtBuildEngine!.bind(addon);
    (addon as { trtBuildEngine: typeof build }).trtBuildEngine = async (onnx, o, ev) => {
      writeFileSync(timing, 'theirs');
      return build(onnx, o, ev);
    };
    await prepareEngine(gpu, { model: opened(model), precision: 'fp32', maxBatch: 4, cacheDir: t.dir }, open);
    expect(Buffer.from(calls.build[1].timingCache!).toString()).toBe('mine');
    expect(calls.merges).toBe(1);
    expect(readFileSync(timing, 'utf8')).toBe('theirs+mine');
  });
});
