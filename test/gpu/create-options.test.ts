/**
 * TrtLandmarker.create's TensorRT-only options on any machine: `cacheDir` (where the engine goes) and `onProgress`
 * (engine-build progress). The addon is a fake whose "GPU" builds an engine of known bytes and reports two build
 * steps; nothing runs on it. The real TensorRT path is covered by tensorrt-run.test.ts on a GPU.
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TrtLandmarker } from '../../src/landmarker';
import type { NativeAddon } from '../../src/native/addon';
import type { BuildProgress } from '../../src/types';
import { regressionContract, tinyRegression } from '../unit/helpers/onnx-builder';
import { fakeGpuAddon, tempDir } from './helpers';

const fakeAddon = fakeGpuAddon();
jest.mock('../../src/native/loader', () => ({ loadAddon: () => fakeAddon as unknown as NativeAddon, loadedAddonPath: () => undefined }));

const t = tempDir('create-options-');
const MODEL = join(t.dir, 'tiny.onnx');
writeFileSync(MODEL, tinyRegression({ metadata: { trt_landmarker: JSON.stringify(regressionContract()) } }));
afterAll(() => t.cleanup());

const engines = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.engine')) : []);

test("cacheDir: the engine is built into it (not into $TRT_LANDMARKER_CACHE), and onProgress sees the build from 0 to 1", async () => {
  const cacheDir = join(t.dir, 'option');
  const envDir = join(t.dir, 'env');
  const saved = process.env.TRT_LANDMARKER_CACHE;
  process.env.TRT_LANDMARKER_CACHE = envDir;
  const progress: BuildProgress[] = [];
  try {
    const lm = await TrtLandmarker.create({ model: MODEL, backend: 'tensorrt', precision: 'fp32', cacheDir, onProgress: (p) => progress.push({ ...p }) });
    expect(lm.info.backend).toBe('tensorrt');
    await lm.dispose();
  } finally {
    if (saved === undefined) delete process.env.TRT_LANDMARKER_CACHE;
    else process.env.TRT_LANDMARKER_CACHE = saved;
  }
  expect(engines(cacheDir)).toHaveLength(1);
  expect(engines(envDir)).toEqual([]);
  expect(progress[0]).toEqual({ phase: 'starting TensorRT build', fraction: 0 });
  expect(progress[progress.length - 1]).toEqual({ phase: 'done', fraction: 1 });
  // The fake's build steps come through in between, in order.
  const fractions = progress.map((p) => p.fraction);
  expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
  expect(progress).toContainEqual({ phase: 'Building engine', fraction: 0.5 });
});

test('a TensorRT build failure is ERR_TENSORRT with the builder\'s message; a CUDA error keeps ERR_CUDA', async () => {
  const cacheDir = join(t.dir, 'failing');
  try {
    fakeAddon.buildError = new Error('IBuilder::buildSerializedNetwork failed: out of workspace');
    await expect(TrtLandmarker.create({ model: MODEL, backend: 'tensorrt', precision: 'fp32', cacheDir })).rejects.toMatchObject({
      name: 'LandmarkerError',
      code: 'ERR_TENSORRT',
      message: 'IBuilder::buildSerializedNetwork failed: out of workspace',
    });
    fakeAddon.buildError = Object.assign(new Error('cudaMalloc(1048576) failed: out of memory'), { code: 'ERR_CUDA' });
    await expect(TrtLandmarker.create({ model: MODEL, backend: 'tensorrt', precision: 'fp32', cacheDir })).rejects.toMatchObject({
      code: 'ERR_CUDA',
      message: 'cudaMalloc(1048576) failed: out of memory',
    });
  } finally {
    fakeAddon.buildError = null;
  }
  expect(engines(cacheDir)).toEqual([]);
});
