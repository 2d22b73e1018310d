/**
 * TensorRT is probed once per create(): selectBackend asks the addon for its GPU status once, and the TensorRT
 * pipeline and the engine builder run on what that probe found (a fake addon with a fake engine builder and
 * runtime; a tiny hand-built model). The old code asked three times on this path (select, pipeline, engine).
 */
import { join } from 'node:path';
import { selectBackend } from '../../src/backends/select';
import { openLandmarkModel } from '../../src/model/open';
import type { NativeAddon, NativeTrtRuntime } from '../../src/native/addon';
import * as loader from '../../src/native/loader';
import { regressionContract, tinyRegression, writeModel } from '../unit/helpers/onnx-builder';
import { tempDir } from './helpers';

function fakeAddon() {
  const calls = { gpuStatus: 0, build: 0, runtimes: 0, closed: 0 };
  const runtime: NativeTrtRuntime = {
    run: async (frames) => ({ points: new Float32Array(frames.length * 136), timings: { preprocess: 0, inference: 0, postprocess: 0 }, graph: false }),
    close: async () => void calls.closed++,
    info: () => ({ closed: false }),
  };
  // The real addon underneath (the engine cache's file lock), the GPU side faked.
  const addon = Object.assign(Object.create(loader.loadAddon()) as NativeAddon, {
    buildInfo: () => ({ version: '0.1.0', variant: 'cuda13', cuda: true, tensorrtMajor: 10 }),
    gpuStatus: () => {
      calls.gpuStatus++;
      return { cuda: true, tensorrt: true, reason: 'fake GPU', tensorrtVersion: '10.16.0', device: { name: 'Fake GPU', computeCapability: '8.9', totalMemory: 1 } };
    },
    trtBuildEngine: async () => {
      calls.build++;
      return { engine: Buffer.from('engine'), timingCache: Buffer.alloc(0), log: [] };
    },
    trtCreateRuntime: async () => {
      calls.runtimes++;
      return runtime;
    },
  });
  return { addon, calls };
}

test("backend 'auto' on a (fake) GPU: one probe, one build, one runtime", async () => {
  const t = tempDir();
  const { addon, calls } = fakeAddon();
  const load = jest.spyOn(loader, 'loadAddon').mockReturnValue(addon);
  try {
    const model = openLandmarkModel(writeModel(join(t.dir, 'm.onnx'), tinyRegression()), regressionContract(32) as never);
    const sel = await selectBackend('auto', model, { precision: 'fp32', explicitPrecision: true, maxBatch: 4, cacheDir: t.dir });
    expect(sel.reason).toMatch(/^auto: TensorRT available \(fake GPU\); FP32 engine from .*m\.onnx; built /);
    expect([sel.pipeline.backend, sel.pipeline.maxBatch]).toEqual(['tensorrt', 4]);
    await sel.pipeline.close();
    expect(calls).toEqual({ gpuStatus: 1, build: 1, runtimes: 1, closed: 1 });
  } finally {
    load.mockRestore();
    t.cleanup();
  }
});
