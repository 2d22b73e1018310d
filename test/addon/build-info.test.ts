/** buildInfo / gpuStatus against the build tree, and the loader's candidates and its aggregated ERR_NATIVE_LOAD. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadedAddonPath } from '../../src/native/loader';
import { addon } from './helpers';

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };

/**
 * What this build must report, derived from the build tree rather than from the addon: the objects cmake compiled
 * (CUDA kernels, TensorRT sources), the nvcc that CMake recorded (its own --version) and whether the dynamic
 * loader can find libcuda.so.1 on this machine.
 */
interface BuildFacts {
  /** cmake-js build (CMakeCache.txt) or node-gyp build (CPU only). */
  kind: 'cmake' | 'gyp';
  /** "13.0" from `nvcc --version` when CUDA kernels were compiled. */
  nvccRelease?: string;
  tensorrtCompiled: boolean;
  /** Why there is no GPU code, as the build recorded it: CMake's generated header, or binding.gyp's define. */
  absentReason?: string;
}

/** The C string literal `name` is defined to in `text` (a header, or binding.gyp's escaped define). */
function definedString(text: string, name: string): string | undefined {
  const m = new RegExp(`${name}[ =]\\\\?"(.*?)\\\\?"\\s*$`, 'm').exec(text);
  return m?.[1];
}

function objectFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) visit(join(d, e.name));
      else if (e.name.endsWith('.o')) out.push(join(d, e.name));
    }
  };
  visit(dir);
  return out;
}

function buildFacts(addonPath: string): BuildFacts | string {
  const buildDir = dirname(dirname(addonPath));
  if (basename(dirname(addonPath)) !== 'Release' || basename(buildDir) !== 'build') return `the addon ${addonPath} is not a build/Release output`;
  const cache = join(buildDir, 'CMakeCache.txt');
  if (!existsSync(cache)) {
    if (existsSync(join(buildDir, 'config.gypi'))) {
      const gyp = readFileSync(join(dirname(buildDir), 'binding.gyp'), 'utf8');
      return { kind: 'gyp', tensorrtCompiled: false, absentReason: definedString(gyp, 'TRTL_GPU_ABSENT_REASON') };
    }
    return `${buildDir} has neither CMakeCache.txt nor config.gypi`;
  }
  const objects = objectFiles(join(buildDir, 'CMakeFiles')).map((f) => f.replace(/\\/g, '/')).filter((f) => f.includes('/native/'));
  const kernels = objects.filter((f) => /\/native\/gpu\/[^/]+\.cu\.o$/.test(f));
  const tensorrt = objects.filter((f) => /\/native\/gpu\/trt_[^/]+\.o$/.test(f));
  let nvccRelease: string | undefined;
  if (kernels.length > 0) {
    const nvcc = /^CMAKE_CUDA_COMPILER:[A-Z]+=(.+)$/m.exec(readFileSync(cache, 'utf8'))?.[1];
    if (!nvcc) return `${cache} records no CMAKE_CUDA_COMPILER although CUDA objects were compiled`;
    const v = spawnSync(nvcc, ['--version'], { encoding: 'utf8' });
    nvccRelease = /release (\d+\.\d+)/.exec(v.stdout ?? '')?.[1];
    if (!nvccRelease) return `${nvcc} --version did not run (${v.error?.message ?? v.stderr})`;
  }
  const header = join(buildDir, 'generated', 'trtl_build_info.h');
  const absentReason = existsSync(header) ? definedString(readFileSync(header, 'utf8'), 'TRTL_GPU_ABSENT_REASON') : undefined;
  return { kind: 'cmake', nvccRelease, tensorrtCompiled: tensorrt.length > 0, absentReason };
}

/** Whether the dynamic loader knows libcuda.so.1 (undefined: cannot tell, e.g. no ldconfig). */
function libcudaKnown(): boolean | undefined {
  if (process.platform !== 'linux') return undefined;
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    const r = spawnSync(ldconfig, ['-p'], { encoding: 'utf8' });
    if (r.status === 0) return /\blibcuda\.so\.1\b/.test(r.stdout) || existsSync('/dev/nvidiactl');
  }
  return undefined;
}

const facts = buildFacts(loadedAddonPath()!);
if (typeof facts === 'string') console.log(`build-info: the checks against the build tree skip: ${facts}`);
const withFacts = typeof facts === 'string' ? describe.skip : describe;

test('buildInfo: the package version and the compiler', () => {
  const b = addon.buildInfo();
  expect(b.version).toBe(pkg.version);
  expect(b.compiler).toMatch(/^(gcc|clang|msvc) \d+\.\d+/);
});

withFacts('buildInfo and gpuStatus agree with the build tree', () => {
  const f = facts as BuildFacts;

  test('CUDA: variant, flag and version follow the nvcc that compiled the kernels', () => {
    const b = addon.buildInfo();
    if (f.nvccRelease) {
      expect(b).toMatchObject({ cuda: true, cudaVersion: f.nvccRelease, variant: `cuda${f.nvccRelease.split('.')[0]}` });
    } else {
      expect(b).toMatchObject({ cuda: false, variant: 'cpu' });
      expect(b.cudaVersion).toBeUndefined();
      expect(f.absentReason).toBeDefined();
      expect(addon.gpuStatus()).toMatchObject({ cuda: false, tensorrt: false, reason: f.absentReason });
    }
  });

  test('TensorRT: tensorrtMajor exactly when the TensorRT sources were compiled, else the reason why not', () => {
    const b = addon.buildInfo();
    const g = addon.gpuStatus();
    if (f.tensorrtCompiled) {
      expect(Number.isInteger(b.tensorrtMajor)).toBe(true);
      expect(g.tensorrtHeaders).toMatch(new RegExp(`^${b.tensorrtMajor}\\.`));
    } else {
      expect(b.tensorrtMajor).toBeUndefined();
      if (f.nvccRelease) expect(g.tensorrtReason).toMatch(/^built without TensorRT: /);
    }
  });

  const cudaDriver = libcudaKnown();
  (cudaDriver === false ? test : test.skip)('without libcuda.so.1 on this machine the GPU path reports why', () => {
    const g = addon.gpuStatus();
    expect(g.cuda).toBe(false);
    expect(g.tensorrt).toBe(false);
    expect(g.reason).toBe(f.nvccRelease ? 'no NVIDIA driver found (libcuda.so.1 could not be loaded): no GPU or no driver on this machine' : f.absentReason);
  });
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
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const root = (require('../../src/util/package-root') as typeof import('../../src/util/package-root')).packageRoot();
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
