/**
 * The addon's run-time TensorRT loading (native/gpu/trt_loader.cc), exercised with fake libnvinfer/libnvonnxparser
 * libraries built here with the C compiler: wrong major, missing parser, and a complete fake that loads. Each case
 * runs in a child process because the addon loads TensorRT once per process. Also checks the binary links neither
 * TensorRT nor the CUDA runtime/driver dynamically (that is what lets it load where they are absent).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadAddon, loadedAddonPath } from '../../src/native/loader';
import { gpuDescribe, tempDir } from './helpers';

const addon = loadAddon();
const addonPath = loadedAddonPath()!;
const build = addon.buildInfo();
const status = addon.gpuStatus();
const cc = ['cc', 'gcc', 'clang'].find((c) => spawnSync(c, ['--version']).status === 0);
const major = build.tensorrtMajor;
const headers = status.tensorrtHeaders;
const hminor = Number(headers?.split('.')[1] ?? NaN);
// A real TensorRT on the machine does not matter: TRT_LANDMARKER_TENSORRT_LIB is searched first.
const missing = [
  ...(major === undefined ? [`an addon built with TensorRT (${addonPath}, variant ${build.variant}: ${status.tensorrtReason ?? status.reason})`] : []),
  ...(!cc ? ['a C compiler to build fake TensorRT libraries'] : []),
  ...(process.platform !== 'linux' ? ['Linux (fake libraries are built for Linux only)'] : []),
];

function fakeLib(dir: string, name: string, source: string): void {
  mkdirSync(dir, { recursive: true });
  const c = join(dir, `${name}.c`);
  writeFileSync(c, source);
  const r = spawnSync(cc!, ['-shared', '-fPIC', '-o', join(dir, name), c], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building ${name} failed: ${r.stderr}`);
}

const nvinfer = (version: number) => `
int getInferLibVersion(void) { return ${version}; }
void* createInferBuilder_INTERNAL(void* logger, int v) { (void)logger; (void)v; return 0; }
void* createInferRuntime_INTERNAL(void* logger, int v) { (void)logger; (void)v; return 0; }`;
const parser = `void* createNvOnnxParser_INTERNAL(void* n, void* l, int v) { (void)n; (void)l; (void)v; return 0; }`;

function statusWith(libDir: string): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['-e', `console.log(JSON.stringify(require(${JSON.stringify(addonPath)}).gpuStatus()))`], {
    encoding: 'utf8',
    env: { ...process.env, TRT_LANDMARKER_TENSORRT_LIB: libDir, LD_LIBRARY_PATH: '' },
  });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

gpuDescribe('TensorRT run-time loading with fake libraries', missing, () => {
  let t: ReturnType<typeof tempDir>;
  beforeAll(() => (t = tempDir('trtl-fake-trt-')));
  afterAll(() => t.cleanup());

  test('a libnvinfer of another major is refused with a message naming both versions', () => {
    const dir = join(t.dir, 'wrong-major');
    const other = major! === 10 ? 11 : 10;
    fakeLib(dir, `libnvinfer.so.${major}`, nvinfer(other * 10000 + 300 + 1));
    const s = statusWith(dir);
    expect(s.tensorrt).toBe(false);
    expect(s.tensorrtReason).toBe(
      `loaded TensorRT ${other}.3.1 (${dir}/libnvinfer.so.${major}) but this addon was compiled against TensorRT ${headers} headers; ` +
        `the majors must match (install TensorRT ${major}.x or use a build compiled against TensorRT ${other})`,
    );
  });

  test('a libnvinfer without its ONNX parser is reported as such', () => {
    const dir = join(t.dir, 'no-parser');
    fakeLib(dir, `libnvinfer.so.${major}`, nvinfer(major! * 10000 + hminor * 100));
    const s = statusWith(dir);
    expect(s.tensorrtReason).toMatch(
      new RegExp(`^TensorRT ${major}\\.${hminor}\\.0 found but its ONNX parser libnvonnxparser\\.so\\.${major} could not be loaded: .*No such file`),
    );
  });

  test('a complete TensorRT of the headers\' minor or newer loads: version and path reported; usable only where CUDA is', () => {
    for (const [name, minor] of [['same-minor', hminor], ['newer-minor', hminor + 3]] as const) {
      const dir = join(t.dir, name);
      fakeLib(dir, `libnvinfer.so.${major}`, nvinfer(major! * 10000 + minor * 100 + 7));
      fakeLib(dir, `libnvonnxparser.so.${major}`, parser);
      const s = statusWith(dir);
      expect(s.tensorrtVersion).toBe(`${major}.${minor}.7`);
      expect(s.tensorrtLibrary).toBe(`${dir}/libnvinfer.so.${major}`);
      expect(s.tensorrtReason).toBe(`TensorRT ${major}.${minor}.7 loaded from ${dir}/libnvinfer.so.${major}`);
      expect(s.tensorrt).toBe(s.cuda);
      if (!s.cuda) expect(s.reason).toBe(status.reason);
    }
  });

  test('a TensorRT of an older minor than the headers is refused (its interfaces lack methods the headers declare)', () => {
    const dir = join(t.dir, 'older-minor');
    // Headers x.0 cannot have an older minor; the case then checks that x.0 itself is accepted.
    const libMinor = hminor > 0 ? hminor - 1 : 0;
    fakeLib(dir, `libnvinfer.so.${major}`, nvinfer(major! * 10000 + libMinor * 100 + 2));
    fakeLib(dir, `libnvonnxparser.so.${major}`, parser);
    const s = statusWith(dir);
    if (hminor === 0) {
      expect(s.tensorrtVersion).toBe(`${major}.0.2`);
      return;
    }
    expect(s.tensorrt).toBe(false);
    expect(s.tensorrtReason).toBe(
      `loaded TensorRT ${major}.${libMinor}.2 (${dir}/libnvinfer.so.${major}) but this addon was compiled against TensorRT ${headers} headers, ` +
        `a newer minor: it needs TensorRT ${major}.${hminor} or newer within ${major}.x (or a build compiled against the headers of TensorRT ${major}.${libMinor} or older)`,
    );
  });
});

const tools = process.platform === 'linux' && spawnSync('readelf', ['--version']).status === 0 && spawnSync('nm', ['--version']).status === 0;
gpuDescribe('addon linkage', tools ? [] : ['readelf and nm (binutils) on Linux'], () => {
  test('the addon links neither TensorRT nor the CUDA runtime/driver (both are loaded at run time)', () => {
    const needed = spawnSync('readelf', ['-d', addonPath], { encoding: 'utf8' }).stdout;
    const libs = [...needed.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    expect(libs.length).toBeGreaterThan(0);
    expect(libs.filter((l) => /nvinfer|nvonnxparser|cudart|libcuda\./.test(l))).toEqual([]);
    const undef = spawnSync('nm', ['-D', '--undefined-only', addonPath], { encoding: 'utf8' }).stdout;
    expect(undef.split('\n').filter((l) => /nvinfer1|nvonnxparser|_INTERNAL|getInferLibVersion|\bcuda[A-Z]/.test(l))).toEqual([]);
  });
});
