/** buildInfo / gpuStatus shape, and the loader's candidates and its aggregated ERR_NATIVE_LOAD. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addon } from './helpers';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };

test('buildInfo says what was compiled', () => {
  const b = addon.buildInfo();
  expect(b.version).toBe(pkg.version);
  expect(typeof b.variant).toBe('string');
  expect(b.variant.length).toBeGreaterThan(0);
  expect(typeof b.cuda).toBe('boolean');
  expect(b.compiler).toMatch(/^(gcc|clang|msvc) /);
  if (b.cuda) expect(b.cudaVersion).toMatch(/^\d+\.\d+/);
  if (b.tensorrtMajor !== undefined) expect(Number.isInteger(b.tensorrtMajor)).toBe(true);
});

test('gpuStatus has booleans and a reason whenever the GPU path is unavailable', () => {
  const g = addon.gpuStatus();
  expect(typeof g.cuda).toBe('boolean');
  expect(typeof g.tensorrt).toBe('boolean');
  expect(typeof g.reason).toBe('string');
  if (!addon.buildInfo().cuda) {
    expect(g.cuda).toBe(false);
    expect(g.tensorrt).toBe(false);
  }
  if (!(g.cuda && g.tensorrt)) expect(g.reason.length).toBeGreaterThan(0);
});

describe('loader', () => {
  const saved = process.env.TRT_LANDMARKER_ADDON;
  afterEach(() => {
    if (saved === undefined) delete process.env.TRT_LANDMARKER_ADDON;
    else process.env.TRT_LANDMARKER_ADDON = saved;
  });

  test('candidates: $TRT_LANDMARKER_ADDON first, prebuilds (cpu last among them), then build/Release', () => {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const v = require('../../src/native/variants') as typeof import('../../src/native/variants');
      const list = v.listCandidates({ TRT_LANDMARKER_ADDON: '/x/y.node' });
      const root = v.packageRoot();
      expect(list[0]).toEqual({ path: '/x/y.node', source: 'env' });
      expect(list[list.length - 1]).toEqual({ path: join(root, 'build', 'Release', 'trt_landmarker.node'), source: 'build' });
      const prebuilds = list.filter((c) => c.source.startsWith('prebuild:'));
      expect(prebuilds[prebuilds.length - 1]!.path).toBe(
        join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'cpu', 'trt_landmarker.node'),
      );
      expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name).toBe('trt-landmarker');
    });
  });

  test('an explicit TRT_LANDMARKER_ADDON that does not load is one ERR_NATIVE_LOAD naming the path and the fix', () => {
    process.env.TRT_LANDMARKER_ADDON = '/nonexistent/trt_landmarker.node';
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { loadAddon } = require('../../src/native/loader') as typeof import('../../src/native/loader');
      let err: { name?: string; code?: string; message?: string } = {};
      try {
        loadAddon();
      } catch (e) {
        err = e as typeof err;
      }
      expect(err.name).toBe('LandmarkerError');
      expect(err.code).toBe('ERR_NATIVE_LOAD');
      expect(err.message).toBe(
        'Could not load the trt-landmarker native addon. Tried:\n' +
          '  /nonexistent/trt_landmarker.node [env]: not found\n' +
          'Build it with `npm run build:native` (needs cmake >= 3.19 and a C++17 compiler; CUDA/TensorRT optional), ' +
          'or set TRT_LANDMARKER_ADDON to the path of a trt_landmarker.node. As a dependency: `npm rebuild trt-landmarker` ' +
          "(npm 11 skips dependencies' install scripts until `npm install-scripts approve trt-landmarker`). See docs/native.md.",
      );
    });
  });

  test('a file that is not an addon is reported with the loader error', () => {
    process.env.TRT_LANDMARKER_ADDON = join(__dirname, '..', '..', 'package.json');
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { loadAddon } = require('../../src/native/loader') as typeof import('../../src/native/loader');
      expect(() => loadAddon()).toThrow(/package\.json \[env\]: (failed to load|loaded but does not export)/);
    });
  });
});
