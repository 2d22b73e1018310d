/** Shared helpers for the TensorRT/GPU tests (most of which run without a GPU). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EngineKeyParts } from '../../src/tensorrt/cache-key';

export function tempDir(prefix = 'trtl-gpu-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function sampleParts(over: Partial<EngineKeyParts> = {}): EngineKeyParts {
  return {
    onnxSha256: 'a'.repeat(64),
    precision: 'fp16',
    typing: 'strongly-typed',
    profile: { input: 'input', minBatch: 1, optBatch: 1, maxBatch: 8, chw: [3, 256, 256] },
    tensorrtVersion: '10.16.0',
    gpuName: 'NVIDIA GeForce RTX 4090',
    computeCapability: '8.9',
    addonVersion: '0.1.0-cuda13',
    ...over,
  };
}

/** An error shaped like the addon's coded errors. */
export function coded(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}
