/**
 * A broken or unsuitable toolchain gives one clear line and, where a C++17 compiler exists, still a CPU addon:
 * a broken nvcc (a fake that fails, first on PATH and as CUDACXX), TensorRT headers of an unsupported version,
 * and no C++ compiler at all. The CMake cases run the configure step only (cmake/gpu.cmake decides there); the
 * no-compiler case runs scripts/build-native.js as `npm install` would. A missing toolkit is .ci/native-configs.sh's
 * configuration (a), which hides the installed one.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const HAS_CMAKE = spawnSync('cmake', ['--version']).status === 0;
if (!HAS_CMAKE) console.log('test/toolchain/bad-toolchain: skipped, cmake is not installed');
const d = HAS_CMAKE ? describe : describe.skip;

/** A temp dir holding a fake `nvcc` that prints an error and fails. */
function fakeNvccDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trtl-fake-nvcc-'));
  writeFileSync(join(dir, 'nvcc'), '#!/bin/sh\necho "nvcc fatal: broken on purpose" >&2\nexit 1\n');
  chmodSync(join(dir, 'nvcc'), 0o755);
  return dir;
}

/** cmake's configure step of the addon in a temp build dir: { status, lines: the "trt-landmarker" status lines }. */
function configure(env: NodeJS.ProcessEnv, defines: string[] = []): { status: number | null; lines: string[]; out: string } {
  const build = mkdtempSync(join(tmpdir(), 'trtl-configure-'));
  const inc = require('node-addon-api').include.replace(/"/g, '');
  const r = spawnSync('cmake', ['-S', ROOT, '-B', build, `-DCMAKE_JS_INC=${inc}`, ...defines.map((x) => `-D${x}`)], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  const out = `${r.stdout}${r.stderr}`;
  return { status: r.status, out, lines: out.split('\n').filter((l) => l.startsWith('-- trt-landmarker')) };
}

d('a broken or unsuitable toolchain', () => {
  test('a fake nvcc that fails (CUDACXX): a CPU-only build and one line naming it', () => {
    const fake = join(fakeNvccDir(), 'nvcc');
    const r = configure({ CUDACXX: fake });
    expect(r.status).toBe(0);
    expect(r.lines).toContainEqual(
      `-- trt-landmarker GPU: NOT built (addon built without CUDA: nvcc at CUDACXX=${fake} does not work (CMake's CUDA compiler check failed; fix or unset CUDACXX)); the addon is CPU-only`,
    );
    expect(r.lines).toContainEqual(expect.stringMatching(/^-- trt-landmarker: building variant cpu /));
  });

  test('TensorRT 8 headers: the TensorRT backend is skipped with the version found and the versions needed', () => {
    const root = mkdtempSync(join(tmpdir(), 'trtl-trt8-'));
    mkdirSync(join(root, 'include'));
    for (const h of ['NvInfer.h', 'NvOnnxParser.h']) writeFileSync(join(root, 'include', h), '#pragma once\n');
    writeFileSync(join(root, 'include', 'NvInferVersion.h'), '#define NV_TENSORRT_MAJOR 8\n#define NV_TENSORRT_MINOR 6\n#define NV_TENSORRT_PATCH 1\n');
    const r = configure({ TENSORRT_ROOT: root }, ['TRTL_CUDA_ARCHITECTURES=75']);
    expect(r.status).toBe(0);
    const nvcc = spawnSync('nvcc', ['--version']).status === 0;
    if (!nvcc) {
      // Without CUDA, TensorRT is not looked at: the CPU build and its line are the whole story.
      expect(r.lines).toContainEqual(expect.stringMatching(/GPU: NOT built .*the addon is CPU-only$/));
      return;
    }
    expect(r.lines).toContainEqual(
      expect.stringContaining(`TensorRT backend NOT built: built without TensorRT: ${root}/include holds TensorRT '8' headers; 10.x or 11.x needed`),
    );
  });

  test('no C++ compiler: the install script fails with one line saying what is needed, the log path and its tail', () => {
    const copy = mkdtempSync(join(tmpdir(), 'trtl-nocxx-'));
    spawnSync('git', ['clone', '-q', ROOT, copy]);
    spawnSync('ln', ['-s', join(ROOT, 'node_modules'), join(copy, 'node_modules')]);
    const r = spawnSync(process.execPath, ['scripts/build-native.js'], {
      cwd: copy,
      env: { ...process.env, CXX: '/nonexistent/c++', TRTL_CMAKE_ARGS: '-DTRTL_WITH_CUDA=OFF' },
      encoding: 'utf8',
      timeout: 300000,
    });
    expect(r.status).not.toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('[trt-landmarker] building the native addon from source: requested (npm run build:native)');
    expect(lines[lines.length - 1]).toMatch(
      /^\[trt-landmarker\] native build failed \(exit \d+; full log: .*trt-landmarker-build\.log\)\. Needs cmake >= 3\.19 \(or node-gyp \+ python3\) and a C\+\+17 compiler; CUDA\/TensorRT are optional\./,
    );
    expect(r.stdout).toContain('/nonexistent/c++'); // the log's tail names the compiler that is missing
  });
});
