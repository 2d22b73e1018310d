/**
 * Without a usable GPU + TensorRT (this machine and CI): backend 'auto' falls back to ONNX Runtime with the
 * TensorRT reason in info().reason, and backend 'tensorrt' fails with ERR_BACKEND_UNAVAILABLE and that reason.
 * On a machine where TensorRT is usable these cases skip (see tensorrt-run.test.ts for that side).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createTensorRtPipeline, probeTensorRt } from '../../src/backends/tensorrt';
import { TrtLandmarker } from '../../src/landmarker';
import { loadAddon } from '../../src/native/loader';
import { tempDir } from './helpers';

const ROOT = join(__dirname, '..', '..');
const MODEL = join(ROOT, '..', 'shared', 'models', 'peppa-slim160', 'slim_160_latest.onnx');
const CONTRACT = join(ROOT, 'models', 'contracts', 'peppa-slim160.json');
const probe = probeTensorRt();
if (probe.available) console.log(`test/gpu/fallback: skipped, TensorRT is usable here (${probe.reason})`);
const noTrt = probe.available ? describe.skip : describe;
if (!existsSync(MODEL)) console.log(`test/gpu/fallback: facade cases skipped, ${MODEL} is absent`);
const withModel = !probe.available && existsSync(MODEL) ? describe : describe.skip;

noTrt('TensorRT unavailable: probe and pipeline', () => {
  test('the probe reports the addon\'s own reason and the versions it knows', () => {
    const status = loadAddon().gpuStatus();
    expect(probe.available).toBe(false);
    expect(probe.reason.startsWith(status.reason)).toBe(true);
    expect(probe.reason.length).toBeGreaterThan(10);
    expect(probe.versions.addon).toBe(loadAddon().buildInfo().version);
    if (status.tensorrtReason && !status.cuda && !status.tensorrt && !status.tensorrtReason.startsWith('TensorRT ')) {
      expect(probe.reason).toBe(`${status.reason}; TensorRT: ${status.tensorrtReason}`);
    }
  });

  test('createTensorRtPipeline rejects with ERR_BACKEND_UNAVAILABLE and the reason', async () => {
    const t = tempDir();
    try {
      await expect(
        createTensorRtPipeline({
          modelPath: MODEL,
          contract: { version: 1, architecture: 'regression', landmarks: 68 } as never,
          precision: 'fp16',
          maxBatch: 1,
          cacheDir: t.dir,
        }),
      ).rejects.toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE', message: `TensorRT backend unavailable: ${probe.reason}` });
    } finally {
      t.cleanup();
    }
  });
});

withModel('TensorRT unavailable: the facade', () => {
  let t: ReturnType<typeof tempDir>;
  beforeAll(() => (t = tempDir()));
  afterAll(() => t.cleanup());

  test("backend 'auto' falls back to ONNX Runtime with the TensorRT reason in info", async () => {
    const lm = await TrtLandmarker.create({ model: MODEL, config: CONTRACT, backend: 'auto', maxBatch: 1, cacheDir: t.dir });
    try {
      const info = lm.info;
      expect(info.backend).toBe('onnxruntime');
      expect(info.reason).toContain(probe.reason);
      expect(info.reason).toMatch(/TensorRT unavailable/);
    } finally {
      await lm.dispose();
    }
  });

  test("backend 'tensorrt' fails with ERR_BACKEND_UNAVAILABLE naming the reason", async () => {
    await expect(
      TrtLandmarker.create({ model: MODEL, config: CONTRACT, backend: 'tensorrt', maxBatch: 1, cacheDir: t.dir }),
    ).rejects.toMatchObject({
      code: 'ERR_BACKEND_UNAVAILABLE',
      message: `TensorRT backend requested but unavailable: ${probe.reason}`,
    });
  });
});
