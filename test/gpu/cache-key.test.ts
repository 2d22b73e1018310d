import { canonicalKey, engineFileStem, engineKey, timingCacheName } from '../../src/tensorrt/cache-key';
import { sampleParts } from './helpers';

describe('engine cache key', () => {
  test('equal parts give equal keys; the key is 32 hex digits', () => {
    expect(engineKey(sampleParts())).toBe(engineKey(sampleParts()));
    expect(engineKey(sampleParts())).toMatch(/^[0-9a-f]{32}$/);
  });

  const changes: [string, Parameters<typeof sampleParts>[0]][] = [
    ['ONNX bytes', { onnxSha256: 'b'.repeat(64) }],
    ['precision', { precision: 'fp32' }],
    ['typing', { typing: 'fp16-flag' }],
    ['TF32 permission', { tf32: true }],
    ['min batch (a fixed batch)', { profile: { input: 'input', minBatch: 8, optBatch: 8, maxBatch: 8, chw: [3, 256, 256] } }],
    ['max batch', { profile: { input: 'input', minBatch: 1, optBatch: 1, maxBatch: 16, chw: [3, 256, 256] } }],
    ['opt batch', { profile: { input: 'input', minBatch: 1, optBatch: 4, maxBatch: 8, chw: [3, 256, 256] } }],
    ['input name', { profile: { input: 'x', minBatch: 1, optBatch: 1, maxBatch: 8, chw: [3, 256, 256] } }],
    ['input size', { profile: { input: 'input', minBatch: 1, optBatch: 1, maxBatch: 8, chw: [3, 224, 224] } }],
    ['TensorRT version', { tensorrtVersion: '10.16.1' }],
    ['GPU name', { gpuName: 'Tesla T4' }],
    ['compute capability', { computeCapability: '7.5' }],
    ['addon version', { addonVersion: '0.1.1-cuda13' }],
  ];
  test.each(changes)('a different %s gives a different key', (_name, over) => {
    expect(engineKey(sampleParts(over))).not.toBe(engineKey(sampleParts()));
    expect(canonicalKey(sampleParts(over))).not.toBe(canonicalKey(sampleParts()));
  });

  test('file stem is readable and filesystem-safe', () => {
    const stem = engineFileStem('my model/v2', sampleParts());
    expect(stem).toBe(`my_model_v2-fp16-b8-trt10.16.0-sm89-${engineKey(sampleParts())}`);
    expect(timingCacheName('10.16.0', 'NVIDIA GeForce RTX 4090', '8.9')).toBe(
      'timing-trt10.16.0-NVIDIA_GeForce_RTX_4090-sm89.cache',
    );
  });
});
