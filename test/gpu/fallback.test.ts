/**
 * Without a usable GPU + TensorRT (this machine and CI): backend 'auto' falls back to ONNX Runtime with the
 * TensorRT reason in info().reason, and backend 'tensorrt' fails with ERR_BACKEND_UNAVAILABLE and that reason.
 * On a machine where TensorRT is usable these cases skip (see tensorrt-run.test.ts for that side).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { probeAddon, probeTensorRt } from '../../src/backends/tensorrt';
import type { NativeAddon, NativeGpuStatus } from '../../src/native/addon';
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
    // Whatever keeps TensorRT away here is named too (this machine: no driver, and an addon built without TensorRT).
    if (status.tensorrtReason && !status.tensorrt) expect(probe.reason).toContain(status.tensorrtReason);
  });

  test('the probe hands no GPU down: the pipeline cannot be created without one', () => {
    expect(probe.gpu).toBeUndefined();
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

describe('probeAddon: the reason for each machine state (fake addons, hand-written expectations)', () => {
  const fake = (status: NativeGpuStatus | Error, withBindings = true): NativeAddon =>
    ({
      buildInfo: () => ({ version: '9.9.9', variant: 'cuda13', cuda: true, cudaVersion: '13.0', tensorrtMajor: 10, compiler: 'gcc 12.2.0' }),
      gpuStatus: () => {
        if (status instanceof Error) throw status;
        return status;
      },
      ...(withBindings ? { trtBuildEngine: () => Promise.reject(new Error('unused')), trtCreateRuntime: () => Promise.reject(new Error('unused')) } : {}),
    }) as unknown as NativeAddon;
  const noDriver = 'no NVIDIA driver found (libcuda.so.1 could not be loaded): no GPU or no driver on this machine';

  test('no driver and no TensorRT library: both named, so nobody fixes one only to meet the other', () => {
    const p = probeAddon(fake({ cuda: false, tensorrt: false, reason: noDriver, tensorrtReason: 'libnvinfer.so.10 not found' }));
    expect(p).toEqual({ available: false, reason: `${noDriver}; TensorRT: libnvinfer.so.10 not found`, versions: { addon: '9.9.9', addonVariant: 'cuda13' } });
  });

  test("no driver, and TensorRT's own message already says TensorRT: not repeated", () => {
    const p = probeAddon(fake({ cuda: false, tensorrt: false, reason: noDriver, tensorrtReason: 'TensorRT 10.3 is older than 10.8' }));
    expect(p.reason).toBe(noDriver);
  });

  test('a working GPU without TensorRT: the addon\'s reason alone, and the versions it found', () => {
    const p = probeAddon(
      fake({
        cuda: true,
        tensorrt: false,
        reason: 'libnvinfer.so.10 not found',
        tensorrtReason: 'libnvinfer.so.10 not found',
        cudaRuntime: '13.0',
        cudaDriver: '13.1',
        device: { name: 'RTX 4090', computeCapability: '8.9', totalMemory: 1 },
      }),
    );
    expect(p).toEqual({
      available: false,
      reason: 'libnvinfer.so.10 not found',
      versions: { addon: '9.9.9', addonVariant: 'cuda13', cuda: '13.0', cudaDriver: '13.1', gpu: 'RTX 4090 (sm 8.9)' },
    });
  });

  test('GPU and TensorRT usable: available; without the TensorRT bindings: a stale build', () => {
    const ok: NativeGpuStatus = { cuda: true, tensorrt: true, reason: '', tensorrtVersion: '10.16.0', tensorrtHeaders: '10.16.0' };
    expect(probeAddon(fake(ok))).toMatchObject({ available: true, reason: '', versions: { tensorrt: '10.16.0', tensorrtHeaders: '10.16.0' } });
    expect(probeAddon(fake(ok, false))).toMatchObject({ available: false, reason: 'addon exports no TensorRT bindings (stale build?)' });
  });

  test('gpuStatus() throwing is a reason, not a crash', () => {
    expect(probeAddon(fake(new Error('cuInit failed')))).toEqual({
      available: false,
      reason: 'GPU status check failed: cuInit failed',
      versions: { addon: '9.9.9', addonVariant: 'cuda13' },
    });
  });
});
