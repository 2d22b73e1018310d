/** Variant choice (src/native/variants.ts) from machine facts, without loading anything. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compareVersions,
  findLibnvinfer,
  judgeVariant,
  listCandidates,
  readDriverVersion,
  variantReport,
  type MachineFacts,
  type VariantMeta,
} from '../../src/native/variants';
import { tempDir } from './helpers';

const meta = (variant: string, cudaMajor: number, tensorrtMajor?: number): VariantMeta => ({
  variant, addonVersion: '0.1.0', cuda: `${cudaMajor}.0`, cudaMajor, tensorrtMajor, platform: 'linux', arch: 'x64', built: '',
});

describe('variant choice', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  test('compareVersions', () => {
    expect(compareVersions('580.65.06', '525.60.13')).toBe(1);
    expect(compareVersions('525.60.13', '580.65.06')).toBe(-1);
    expect(compareVersions('580.65', '580.65.0')).toBe(0);
  });

  test('driver version from /proc/driver/nvidia/version (proprietary and open kernel modules)', () => {
    const a = join(t.dir, 'a');
    writeFileSync(a, 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\nGCC version: gcc 12\n');
    expect(readDriverVersion(a)).toBe('550.54.15');
    const b = join(t.dir, 'b');
    writeFileSync(b, 'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.65.06  Release Build  (dvs-builder@U16)\n');
    expect(readDriverVersion(b)).toBe('580.65.06');
    expect(readDriverVersion(join(t.dir, 'missing'))).toBeUndefined();
  });

  test('libnvinfer found on LD_LIBRARY_PATH, in the ld.so cache, or not at all', () => {
    const lib = join(t.dir, 'lib');
    mkdirSync(lib);
    writeFileSync(join(lib, 'libnvinfer.so.10'), '');
    const noCache = join(t.dir, 'no-cache');
    expect(findLibnvinfer(10, { LD_LIBRARY_PATH: lib }, noCache)).toBe(join(lib, 'libnvinfer.so.10'));
    const cache = join(t.dir, 'ld.so.cache');
    writeFileSync(cache, Buffer.concat([Buffer.from('glibc-ld.so.cache1.1\0'), Buffer.from('libnvinfer.so.11\0/usr/lib/x/libnvinfer.so.11\0')]));
    expect(findLibnvinfer(11, {}, cache)).toBe('libnvinfer.so.11 (ld.so.cache)');
    expect(findLibnvinfer(12, {}, cache)).toBeNull();
  });

  test('judgeVariant says what is missing', () => {
    const none: MachineFacts = { libnvinfer: { 10: null, 11: null } };
    expect(judgeVariant('cuda13', meta('cuda13', 13, 11), none)).toEqual({
      runnable: false, note: 'CUDA 13.0, TensorRT 11: no NVIDIA driver loaded; libnvinfer.so.11 not found',
    });
    const oldDriver: MachineFacts = { driver: '550.54.15', libnvinfer: { 10: '/x/libnvinfer.so.10', 11: null } };
    expect(judgeVariant('cuda13', meta('cuda13', 13, 10), oldDriver)).toEqual({
      runnable: false, note: 'CUDA 13.0, TensorRT 10: driver 550.54.15 is older than 580.65.06 (CUDA 13)',
    });
    expect(judgeVariant('cuda12', meta('cuda12', 12, 10), oldDriver)).toEqual({ runnable: true, note: 'CUDA 12.0, TensorRT 10: requirements met' });
    expect(judgeVariant('cuda12', undefined, oldDriver)).toEqual({ runnable: false, note: 'CUDA 12: no trt_landmarker.json' });
    expect(judgeVariant('cpu', undefined, none).runnable).toBe(true);
  });

  test('candidates: runnable GPU variants first, then the others, cpu and build/Release last', () => {
    const dir = join(t.dir, 'prebuilds', `${process.platform}-${process.arch}`);
    for (const [v, m] of [['cuda13', meta('cuda13', 13, 11)], ['cuda12', meta('cuda12', 12, 10)], ['cpu', undefined]] as const) {
      mkdirSync(join(dir, v), { recursive: true });
      if (m) writeFileSync(join(dir, v, 'trt_landmarker.json'), JSON.stringify(m));
    }
    const facts: MachineFacts = { driver: '550.54.15', libnvinfer: { 10: '/x/libnvinfer.so.10', 11: null } };
    const list = listCandidates({ TRT_LANDMARKER_ADDON: '/x/y.node' }, facts, t.dir);
    expect(list.map((c) => [c.source, c.runnable])).toEqual([
      ['env', undefined],
      ['prebuild:cuda12', true],
      ['prebuild:cuda13', false],
      ['prebuild:cpu', true],
      ['build', undefined],
    ]);
    expect(list[2].note).toBe('CUDA 13.0, TensorRT 11: driver 550.54.15 is older than 580.65.06 (CUDA 13); libnvinfer.so.11 not found');
    // A machine that meets both: the newer CUDA wins.
    const both: MachineFacts = { driver: '580.65.06', libnvinfer: { 10: '/x/a', 11: '/x/b' } };
    expect(listCandidates({}, both, t.dir).map((c) => c.source)).toEqual(['prebuild:cuda13', 'prebuild:cuda12', 'prebuild:cpu', 'build']);
  });

  test('variantReport: facts for TensorRT 10 and 11 and every candidate with whether it exists', () => {
    // Known answers: a file this test writes exists, a path under a fresh empty directory does not, and this
    // repository's build/Release addon exists (the addon tests load it).
    const here = join(t.dir, 'here.node');
    writeFileSync(here, 'x');
    const present = variantReport({ TRT_LANDMARKER_ADDON: here });
    expect(Object.keys(present.facts.libnvinfer).sort()).toEqual(['10', '11']);
    expect(present.candidates[0]).toEqual({ path: here, source: 'env', exists: true });
    const build = present.candidates[present.candidates.length - 1];
    expect(build).toMatchObject({ source: 'build', path: join(__dirname, '..', '..', 'build', 'Release', 'trt_landmarker.node'), exists: true });
    const absent = variantReport({ TRT_LANDMARKER_ADDON: join(t.dir, 'missing', 'x.node') });
    expect(absent.candidates[0]).toEqual({ path: join(t.dir, 'missing', 'x.node'), source: 'env', exists: false });
  });
});
