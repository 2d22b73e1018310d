/** Shared helpers for the TensorRT/GPU tests (most of which run without a GPU). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NativeAddon, NativeTrtBuildEvent, NativeTrtDetectorConfig, NativeTrtRuntimeConfig } from '../../src/native/addon';
import { fakeTrtRuntime, type FakeRuntimeCall } from './fake-trt-runtime';
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
    tf32: false,
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

/** TRT_LANDMARKER_REQUIRE_GPU=1 (set by `npm run verify:gpu`): a missing prerequisite fails instead of skipping. */
export const REQUIRE_GPU = process.env.TRT_LANDMARKER_REQUIRE_GPU === '1';

/**
 * `describe(title, body)` when nothing is missing. Otherwise the block skips with a one-line reason, or, with
 * TRT_LANDMARKER_REQUIRE_GPU=1, becomes one failing test that lists everything missing: on a GPU machine a missing
 * driver, TensorRT, compiler or model fails loudly instead of passing by skipping.
 */
export function gpuDescribe(title: string, missing: string[], body: () => void): void {
  if (missing.length === 0) {
    describe(title, body);
    return;
  }
  const list = missing.join('; ');
  if (REQUIRE_GPU) {
    describe(title, () => {
      test('has what it needs (TRT_LANDMARKER_REQUIRE_GPU=1)', () => {
        throw new Error(`${title}: missing ${list}`);
      });
    });
    return;
  }
  console.log(`${title}: skipped, ${list}`);
  describe.skip(title, body);
}

/** The first C++ / C compiler on PATH, or undefined. */
export function findCompiler(candidates: string[]): string | undefined {
  return candidates.find((c) => spawnSync(c, ['--version']).status === 0);
}

/** The host C++ compiler (no CUDA needed) for the native/test programs, and what to say when there is none. */
export const HOST_CXX = findCompiler(['c++', 'g++', 'clang++']);
export const HOST_CXX_MISSING = HOST_CXX ? [] : ['a C++ compiler (c++, g++ or clang++) on PATH'];

/**
 * Compiles `sources` (paths from the package root, -Inative) with the host compiler and runs the program once in
 * a temporary folder; the compiler's and the program's output for the test to judge.
 */
export function buildAndRun(sources: string[], opt = '-O0'): { build: { status: number | null; stderr: string }; run: { status: number | null; stdout: string } } {
  const root = join(__dirname, '..', '..');
  const t = tempDir('trtl-native-');
  try {
    const exe = join(t.dir, 'program');
    const build = spawnSync(HOST_CXX!, ['-std=c++17', opt, '-Wall', '-Wextra', '-Werror', `-I${join(root, 'native')}`, ...sources.map((s) => join(root, s)), '-o', exe], {
      encoding: 'utf8',
    });
    const run = build.status === 0 ? spawnSync(exe, { encoding: 'utf8' }) : { status: null, stdout: '' };
    return { build: { status: build.status, stderr: build.stderr }, run: { status: run.status, stdout: run.stdout } };
  } finally {
    t.cleanup();
  }
}

/** The real addon, even where a test has jest.mock-ed the loader to return a fake. */
function realAddon() {
  return jest.requireActual<typeof import('../../src/native/loader')>('../../src/native/loader').loadAddon();
}

/**
 * An addon whose "GPU" (CUDA 13, TensorRT 10.16, sm 8.9) builds `engine` as the serialized engine, reporting two
 * build steps; `buildError`, when set, is thrown by the build instead. For CLI and facade tests of the TensorRT
 * path on machines without a GPU (jest.mock the loader to return it).
 */
export function fakeGpuAddon(engine = Buffer.from('fake serialized engine'), opts: { engineFromOnnx?: boolean } = {}) {
  const addon = {
    buildError: null as Error | null,
    /** Set to fail the next trtCreateRuntime / the next run or detect (then cleared). */
    createError: null as Error | null,
    runError: null as Error | null,
    /** engineFromOnnx: every trtCreateRuntime config and every run/detect call, in order. */
    configs: [] as (NativeTrtRuntimeConfig | NativeTrtDetectorConfig)[],
    calls: [] as FakeRuntimeCall[],
    builds: 0,
    concurrency: { now: 0, max: 0 },
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
      addon.builds++;
      return { engine: opts.engineFromOnnx ? Buffer.from(_onnx) : engine, timingCache: Buffer.alloc(0), log: [] as string[] };
    },
    // engineFromOnnx: the "engine" is the ONNX, run with the CPU reference (fake-trt-runtime.ts); otherwise a
    // runtime that only closes.
    trtCreateRuntime: async (plan: Uint8Array, config: NativeTrtRuntimeConfig | NativeTrtDetectorConfig) => {
      const err = addon.createError;
      addon.createError = null;
      if (err) throw err;
      if (!opts.engineFromOnnx) return { close: async () => undefined };
      addon.configs.push(config);
      const failRun = () => {
        const e = addon.runError;
        addon.runError = null;
        if (e) throw e;
      };
      return fakeTrtRuntime(realAddon(), plan, config, addon.calls, { failRun, concurrency: addon.concurrency });
    },
    // The engine cache's lock is the real addon's flock (a fake GPU, not a fake file system).
    tryLockFile: (fd: number) => realAddon().tryLockFile(fd),
    unlockFile: (fd: number) => realAddon().unlockFile(fd),
  };
  if (!opts.engineFromOnnx) return addon;
  // The CPU side (preprocessing, decoders, priors) is the real addon's, as on a real GPU machine.
  return new Proxy(addon, { get: (target, key) => (key in target ? Reflect.get(target, key) : Reflect.get(realAddon(), key)) });
}

/** samples/astronaut.png (512x512): the face spans about x 175..275, y 60..180 (read off the image by eye; test/e2e/faces.test.ts). */
export function expectAstronautFaceBox([x, y, w, h]: readonly number[]): void {
  expect(x + w / 2).toBeGreaterThan(200);
  expect(x + w / 2).toBeLessThan(250);
  expect(y + h / 2).toBeGreaterThan(95);
  expect(y + h / 2).toBeLessThan(145);
}
