/** Shared helpers for the TensorRT/GPU tests (most of which run without a GPU). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NativeTrtBuildEvent } from '../../src/native/addon';
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

/**
 * An addon whose "GPU" (CUDA 13, TensorRT 10.16, sm 8.9) builds `engine` as the serialized engine, reporting two
 * build steps; `buildError`, when set, is thrown by the build instead. For CLI and facade tests of the TensorRT
 * path on machines without a GPU (jest.mock the loader to return it).
 */
export function fakeGpuAddon(engine = Buffer.from('fake serialized engine')) {
  const addon = {
    buildError: null as Error | null,
    buildInfo: () => ({ version: '0.1.0', variant: 'cuda13', cuda: true, cudaVersion: '13.0', tensorrtMajor: 10, compiler: 'gcc 12.2.0' }),
    gpuStatus: () => ({
      cuda: true,
      tensorrt: true,
      reason: '',
      tensorrtVersion: '10.16.0',
      tensorrtHeaders: '10.16.0',
      device: { name: 'Fake GPU', computeCapability: '8.9', totalMemory: 2 ** 34 },
    }),
    trtBuildEngine: async (_onnx: Uint8Array, _o: unknown, onEvent?: (e: NativeTrtBuildEvent) => void) => {
      if (addon.buildError) throw addon.buildError;
      onEvent?.({ kind: 'start', phase: 'Building engine', steps: 2 });
      onEvent?.({ kind: 'step', phase: 'Building engine', step: 0 }); // 0-based: the first of two steps
      onEvent?.({ kind: 'finish', phase: 'Building engine' });
      return { engine, timingCache: Buffer.alloc(0), log: [] as string[] };
    },
    trtCreateRuntime: async () => ({ close: async () => undefined }),
  };
  return addon;
}
