/** The optimisation profile and the precision parts of the engine key (src/tensorrt/engine.ts), without a GPU. */
import type { ModelContract } from '../../src/contract/types';
import type { NativeBuildInfo, NativeGpuStatus } from '../../src/native/addon';
import { keyParts, optimalBatch, profileBatches } from '../../src/tensorrt/engine';

const contract = { input: { name: 'input', width: 256, height: 256 } } as unknown as ModelContract;
const status = { cuda: true, tensorrt: true, reason: '', cudaRuntime: '13.0', tensorrtVersion: '10.16.0', device: { name: 'GPU', computeCapability: '8.9', totalMemory: 1 } } as NativeGpuStatus;
const build = { version: '0.1.0', variant: 'cuda13', cuda: true, tensorrtMajor: 10 } as NativeBuildInfo;
const source = { path: '/m.onnx', precision: 'fp32' as const, typing: 'strongly-typed' as const, note: '' };

describe('engine profile', () => {
  test('the optimal batch is maxBatch unless asked, and stays within 1..maxBatch', () => {
    expect([optimalBatch(8), optimalBatch(1), optimalBatch(8, 2), optimalBatch(8, 64), optimalBatch(8, 0)]).toEqual([8, 1, 2, 8, 1]);
  });

  test('a dynamic batch gets 1..maxBatch around the optimal batch', () => {
    expect(profileBatches(8, undefined)).toEqual({ minBatch: 1, optBatch: 8, maxBatch: 8 });
    expect(profileBatches(8, undefined, 3)).toEqual({ minBatch: 1, optBatch: 3, maxBatch: 8 });
  });

  test('a fixed batch N gets min = opt = max = N, as TensorRT requires for a static dimension', () => {
    expect(profileBatches(4, 4)).toEqual({ minBatch: 4, optBatch: 4, maxBatch: 4 });
  });

  test('key parts: profile with opt = maxBatch, TF32 off', () => {
    const p = keyParts(source, new Uint8Array([1, 2, 3]), { contract, maxBatch: 8 }, status, build);
    expect(p.profile).toEqual({ input: 'input', minBatch: 1, optBatch: 8, maxBatch: 8, chw: [3, 256, 256] });
    expect(p.tf32).toBe(false);
    const fixed = keyParts(source, new Uint8Array([1, 2, 3]), { contract, maxBatch: 4, fixedBatch: 4 }, status, build);
    expect(fixed.profile).toMatchObject({ minBatch: 4, optBatch: 4, maxBatch: 4 });
  });
});
