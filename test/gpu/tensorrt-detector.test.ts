/**
 * The face detector on the TensorRT backend without a GPU: the fake GPU addon (helpers.ts, engineFromOnnx) builds
 * the "engine" from the ONNX and computes with the CPU reference (fake-trt-runtime.ts: the real addon's
 * preprocessing and decoding, ONNX Runtime for the engine). What this checks is the TypeScript plumbing: the
 * runtime config built from the contract, the engine cache, the detector window and limits of each run, the
 * backend choice in create() and the coded errors. The real runtime on a GPU: tensorrt-detector-gpu.test.ts.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { TrtLandmarker } from '../../src/landmarker';
import type { NativeAddon, NativeFrame, NativeTrtDetectorConfig } from '../../src/native/addon';
import { defaultDetectorFiles } from '../../src/bundled-models';
import { readDetectorContract } from '../../src/contract/detector';
import { openDetectorModel } from '../../src/model/open';
import { TensorRtDetector } from '../../src/detector/tensorrt-detector';
import { coded, expectAstronautFaceBox, fakeGpuAddon, tempDir } from './helpers';

const fakeAddon = fakeGpuAddon(undefined, { engineFromOnnx: true });
jest.mock('../../src/native/loader', () => ({ loadAddon: () => fakeAddon as unknown as NativeAddon, loadedAddonPath: () => undefined }));

const ASTRONAUT = join(__dirname, '..', '..', 'samples', 'astronaut.png');
const { model: DETECTOR, config: CONTRACT } = defaultDetectorFiles();
const t = tempDir('trt-detector-');
afterAll(() => t.cleanup());
let frame: NativeFrame;
beforeAll(async () => {
  const { data, info } = await sharp(ASTRONAUT).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  frame = { data: new Uint8Array(data), width: info.width, height: info.height, format: 0 }; // 0: RGB (native/core/frame_format.h)
});
const engines = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.engine')) : []);

describe('TensorRtDetector (fake GPU computing with the CPU reference)', () => {
  test('the runtime config comes from the contract; the FP16 engine is built once, then loaded from the cache', async () => {
    const cacheDir = join(t.dir, 'cache');
    fakeAddon.configs.length = 0;
    const builds = fakeAddon.builds;
    const d = await TensorRtDetector.open(openDetectorModel(DETECTOR, CONTRACT), { cacheDir });
    expect(fakeAddon.builds).toBe(builds + 1);
    expect(d.precision).toBe('fp16'); // the fake is TensorRT 10: the kFP16 flag on the FP32 graph
    expect(d.note).toMatch(/kFP16 builder flag.*; built /);
    const c = fakeAddon.configs[0] as NativeTrtDetectorConfig;
    // UltraFace RFB-320 (models/contracts/ultraface-rfb-320.json): 320x240, 4420 priors, (x - 127) / 128, RGB.
    expect({ ...c, priors: c.priors.length }).toEqual({
      inputName: 'input', maxBatch: 1, width: 320, height: 240, bgr: false, scale: 1, mean: [127, 127, 127], std: [128, 128, 128],
      architecture: 'detector', scores: 'scores', boxes: 'boxes', priors: 4420 * 4, scoreIndex: 1,
      centerVariance: 0.1, sizeVariance: 0.2, candidates: 200, iouThreshold: 0.3,
    });
    // The first prior, by hand: stride 8 on 320x240 is a 40x30 map, cell (0, 0), size 10 -> (0.5/40, 0.5/30, 10/320, 10/240).
    expect(Array.from(c.priors.slice(0, 4))).toEqual([0.5 / 40, 0.5 / 30, 10 / 320, 10 / 240].map(Math.fround));
    await d.close();
    expect(engines(cacheDir)).toHaveLength(1);
    const again = await TensorRtDetector.open(openDetectorModel(DETECTOR, CONTRACT), { cacheDir });
    expect(fakeAddon.builds).toBe(builds + 1);
    expect(again.note).toMatch(/engine from cache/);
    await again.close();
  });

  test('detect: the stretch window is the whole image, the limits reach the runtime, the astronaut has one face', async () => {
    const d = await TensorRtDetector.open(openDetectorModel(DETECTOR, CONTRACT), { cacheDir: join(t.dir, 'cache') });
    fakeAddon.calls.length = 0;
    const { faces } = await d.detect(frame, { minScore: 0.7, maxFaces: 5, minFaceSize: 20 });
    expect(fakeAddon.calls).toEqual([
      { kind: 'detect', frames: [{ width: 512, height: 512 }], crops: [{ x: 0, y: 0, w: 512, h: 512 }], options: { minScore: 0.7, minSize: 20, maxDetections: 5 } },
    ]);
    expect(faces).toHaveLength(1);
    expectAstronautFaceBox(faces[0].box);
    expect(faces[0].score).toBeGreaterThan(0.9);
    await d.close(); // the facade owns dispose and in-flight work (test/e2e lifecycle tests)
  });

  test('concurrent detect() calls queue in TypeScript (none waits on the native mutex) and all complete', async () => {
    const d = await TensorRtDetector.open(openDetectorModel(DETECTOR, CONTRACT), { cacheDir: join(t.dir, 'cache') });
    fakeAddon.concurrency.max = 0;
    const o = { minScore: 0.7, maxFaces: 5, minFaceSize: 0 };
    const results = await Promise.all([1, 2, 3].map(() => d.detect(frame, o)));
    expect(fakeAddon.concurrency.max).toBe(1);
    for (const r of results) expect(r.faces).toEqual(results[0].faces);
    await d.close();
  });

  test('letterbox: the window keeps the aspect ratio (hand-computed for 512x512 into 320x240)', async () => {
    const contract = { ...readDetectorContract(CONTRACT), resize: 'letterbox' as const };
    const d = await TensorRtDetector.open(openDetectorModel(DETECTOR, contract), { cacheDir: join(t.dir, 'cache') });
    fakeAddon.calls.length = 0;
    await d.detect(frame, { minScore: 0.7, maxFaces: 1, minFaceSize: 0 });
    // s = max(512 / 320, 512 / 240) = 32 / 15; window 320 s x 240 s = 682.67 x 512, centred: x = (512 - 682.67) / 2.
    const win = fakeAddon.calls[0].crops[0];
    expect(win.x).toBeCloseTo(-256 / 3, 10);
    expect(win.y).toBeCloseTo(0, 10);
    expect(win.w).toBeCloseTo(2048 / 3, 10);
    expect(win.h).toBeCloseTo(512, 10);
    await d.close();
  });

  test('coded errors: a runtime that cannot be created, a failed run, no TensorRT', async () => {
    const cacheDir = join(t.dir, 'errors');
    fakeAddon.createError = coded('ERR_CUDA', 'cudaMalloc(4 MiB) failed: out of memory');
    // The engine cache retries a failed open once by rebuilding (a stale engine); the error surfaces coded.
    await expect(TensorRtDetector.open(openDetectorModel(DETECTOR, CONTRACT), { cacheDir })).rejects.toMatchObject({ name: 'LandmarkerError', code: 'ERR_CUDA' });
    const d = await TensorRtDetector.open(openDetectorModel(DETECTOR, CONTRACT), { cacheDir });
    fakeAddon.runError = coded('ERR_CUDA', 'cudaMemcpyAsync(detector outputs) failed: an illegal memory access was encountered');
    await expect(d.detect(frame, { minScore: 0.7, maxFaces: 1, minFaceSize: 0 })).rejects.toMatchObject({ name: 'LandmarkerError', code: 'ERR_CUDA' });
    fakeAddon.runError = new Error('enqueueV3 failed'); // uncoded: the runner's fallback code
    await expect(d.detect(frame, { minScore: 0.7, maxFaces: 1, minFaceSize: 0 })).rejects.toMatchObject({ name: 'LandmarkerError', code: 'ERR_INFERENCE' });
    await d.close();
    const status = fakeAddon.gpuStatus;
    fakeAddon.gpuStatus = () => ({ ...status(), cuda: false, tensorrt: false, reason: 'no NVIDIA driver found' });
    try {
      await expect(TensorRtDetector.open(openDetectorModel(DETECTOR, CONTRACT), { cacheDir })).rejects.toMatchObject({
        code: 'ERR_BACKEND_UNAVAILABLE',
        message: 'TensorRT face detector unavailable: no NVIDIA driver found',
      });
    } finally {
      fakeAddon.gpuStatus = status;
    }
  });
});

describe("the landmarker's detector follows its backend", () => {
  test("backend 'tensorrt': the detector runs on TensorRT and finds what the ONNX Runtime landmarker finds", async () => {
    const cacheDir = join(t.dir, 'facade');
    const ref = await TrtLandmarker.create({ backend: 'onnxruntime' });
    const expected = await ref.detectFaces(ASTRONAUT);
    expect(ref.info.detector?.backend).toBe('onnxruntime');
    await ref.dispose();
    fakeAddon.configs.length = 0;
    const lm = await TrtLandmarker.create({ backend: 'tensorrt', cacheDir });
    try {
      expect(lm.info.detector?.backend).toBe('tensorrt');
      // The shipped detector opens on first use: only the landmark model's runtime so far.
      expect(fakeAddon.configs.map((c) => c.architecture)).toEqual(['regression']);
      const faces = await lm.detectFaces(ASTRONAUT);
      expect(fakeAddon.configs.map((c) => c.architecture)).toEqual(['regression', 'detector']);
      expect(engines(cacheDir)).toHaveLength(2);
      expect(faces).toHaveLength(expected.length);
      faces.forEach((f, k) => {
        f.box.forEach((v, i) => expect(v).toBeCloseTo(expected[k].box[i], 3));
        expect(f.score).toBeCloseTo(expected[k].score, 5);
        f.points.forEach((v, i) => expect(v).toBeCloseTo(expected[k].points[i], 2));
      });
    } finally {
      await lm.dispose();
    }
  }, 60_000);
});
