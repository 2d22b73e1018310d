/**
 * Where ONNX Runtime comes from (src/backends/ort-module.ts): the vendored copy, else an installed onnxruntime-node,
 * else ERR_BACKEND_UNAVAILABLE saying what to install. Package roots are built in a temp directory; only the last
 * test loads a binding (the copy scripts/vendor-ort.js writes, in a child process).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LandmarkerError } from '../../src/errors';
import { locateOrt } from '../../src/backends/ort-module';
import { tempDir } from '../gpu/helpers';

const repo = resolve(__dirname, '..', '..');

function writePkg(dir: string, pkg: Record<string, unknown>, main?: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
  if (main) {
    mkdirSync(join(dir, main, '..'), { recursive: true });
    writeFileSync(join(dir, main), 'module.exports = {};\n');
  }
}

/** A package root named trt-landmarker with the parts a test asks for (empty binding files: nothing is loaded). */
function packageRootWith(root: string, o: { vendored?: { version: string; platforms: string[] }; common?: string; installed?: string }): string {
  writePkg(root, { name: 'trt-landmarker', version: '0.1.0' });
  if (o.vendored) {
    const v = join(root, 'vendor', 'onnxruntime-node');
    writePkg(v, { name: 'onnxruntime-node', version: o.vendored.version, main: 'dist/index.js' }, 'dist/index.js');
    for (const p of o.vendored.platforms) {
      const bin = join(v, 'bin', 'napi-v6', ...p.split('-'));
      mkdirSync(bin, { recursive: true });
      writeFileSync(join(bin, 'onnxruntime_binding.node'), '');
    }
  }
  // onnxruntime-common exports no package.json: the module finds it from its main entry, as here.
  if (o.common) writePkg(join(root, 'node_modules', 'onnxruntime-common'), { name: 'onnxruntime-common', version: o.common, exports: { require: './dist/cjs/index.js' } }, 'dist/cjs/index.js');
  if (o.installed) writePkg(join(root, 'node_modules', 'onnxruntime-node'), { name: 'onnxruntime-node', version: o.installed, main: 'dist/index.js' }, 'dist/index.js');
  return root;
}

function unavailable(fn: () => unknown): LandmarkerError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LandmarkerError);
    expect((err as LandmarkerError).code).toBe('ERR_BACKEND_UNAVAILABLE');
    return err as LandmarkerError;
  }
  throw new Error('expected ERR_BACKEND_UNAVAILABLE, nothing was thrown');
}

describe('locateOrt', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir('trtl-ort-')));
  afterEach(() => t.cleanup());

  test('the vendored copy comes first when it has this platform and matches onnxruntime-common', () => {
    const root = packageRootWith(t.dir, { vendored: { version: '1.30.0', platforms: ['linux-x64'] }, common: '1.30.0', installed: '1.30.0' });
    expect(locateOrt(root, 'linux', 'x64')).toEqual({ source: 'bundled', dir: join(root, 'vendor', 'onnxruntime-node'), version: '1.30.0' });
  });

  test('another platform uses an installed onnxruntime-node', () => {
    const root = packageRootWith(t.dir, { vendored: { version: '1.30.0', platforms: ['linux-x64'] }, common: '1.30.0', installed: '1.30.0' });
    expect(locateOrt(root, 'darwin', 'arm64')).toEqual({ source: 'installed', dir: join(root, 'node_modules', 'onnxruntime-node'), version: '1.30.0' });
  });

  test('another platform without onnxruntime-node: ERR_BACKEND_UNAVAILABLE naming what is bundled and what to install', () => {
    const root = packageRootWith(t.dir, { vendored: { version: '1.30.0', platforms: ['linux-x64'] }, common: '1.30.0' });
    expect(unavailable(() => locateOrt(root, 'darwin', 'arm64')).message).toBe(
      'ONNX Runtime backend unavailable: ONNX Runtime is bundled for linux-x64 only; on darwin-arm64 run `npm install onnxruntime-node@1.30.0` in your project',
    );
  });

  test('a vendored copy of another version than onnxruntime-common is passed over (a leftover of an older npm pack)', () => {
    const stale = { vendored: { version: '1.29.0', platforms: ['linux-x64'] }, common: '1.30.0' };
    const root = packageRootWith(t.dir, { ...stale, installed: '1.30.0' });
    expect(locateOrt(root, 'linux', 'x64')).toMatchObject({ source: 'installed', version: '1.30.0' });
    const other = tempDir('trtl-ort-'); // not below the first root: its node_modules would be found
    const bare = packageRootWith(other.dir, stale);
    const message = unavailable(() => locateOrt(bare, 'linux', 'x64')).message;
    other.cleanup();
    expect(message).toBe(
      'ONNX Runtime backend unavailable: ONNX Runtime is bundled for linux-x64 only; on linux-x64 run `npm install onnxruntime-node@1.30.0` in your project' +
        ' (the bundled ONNX Runtime 1.29.0 was passed over: onnxruntime-common is 1.30.0)',
    );
  });

  test('no vendored copy (a checkout before npm pack) and no onnxruntime-node', () => {
    const root = packageRootWith(t.dir, { common: '1.30.0' });
    expect(unavailable(() => locateOrt(root, 'linux', 'x64')).message).toBe(
      'ONNX Runtime backend unavailable: this trt-landmarker holds no bundled ONNX Runtime (it is added by `npm pack`) and onnxruntime-node is not installed:' +
        ' run `npm install onnxruntime-node@1.30.0` in your project',
    );
  });

  test('this checkout resolves an ONNX Runtime whose version is onnxruntime-common\'s', () => {
    const common = (require(join(repo, 'node_modules', 'onnxruntime-common', 'package.json')) as { version: string }).version;
    expect(locateOrt(repo).version).toBe(common);
  });

  test('the copy scripts/vendor-ort.js writes is found first and runs a model from its own binding', () => {
    const root = packageRootWith(t.dir, {});
    symlinkSync(join(repo, 'node_modules'), join(root, 'node_modules'));
    const vendor = spawnSync(process.execPath, [join(repo, 'scripts', 'vendor-ort.js'), '--out', join(root, 'vendor', 'onnxruntime-node')], { encoding: 'utf8' });
    expect(vendor.stderr + vendor.stdout).toMatch(/^\[vendor-ort\] onnxruntime-node \d+\.\d+\.\d+ -> /);
    const found = locateOrt(root, 'linux', 'x64');
    expect(found.source).toBe('bundled');
    const probe = `const ort = require(${JSON.stringify(found.dir)});
ort.InferenceSession.create(process.argv[1], { logSeverityLevel: 3 }).then((s) => {
  const bindings = Object.keys(require.cache).filter((k) => k.endsWith('onnxruntime_binding.node'));
  console.log(JSON.stringify({ inputs: s.inputNames, bindings }));
});`;
    const model = join(repo, 'models', 'default', 'peppa-slim160', 'slim_160_latest.onnx');
    const r = spawnSync(process.execPath, ['-e', probe, model], { encoding: 'utf8', timeout: 60000 });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ inputs: ['input1'], bindings: [join(found.dir, 'bin', 'napi-v6', 'linux', 'x64', 'onnxruntime_binding.node')] });
  });
});

describe('scripts/vendor-ort.js', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { checkVersions } = require(join(repo, 'scripts', 'vendor-ort.js')) as {
    checkVersions: (node: { version: string }, common: { version: string }, own: { dependencies?: Record<string, string> }) => string;
  };

  test('one version everywhere is the version vendored', () => {
    expect(checkVersions({ version: '1.30.0' }, { version: '1.30.0' }, { dependencies: { 'onnxruntime-common': '1.30.0' } })).toBe('1.30.0');
  });

  test('differing versions fail the pack and name each', () => {
    expect(() => checkVersions({ version: '1.30.0' }, { version: '1.29.0' }, { dependencies: { 'onnxruntime-common': '1.30.0' } })).toThrow(
      'ONNX Runtime versions differ (onnxruntime-node 1.30.0, onnxruntime-common 1.29.0, package.json dependency onnxruntime-common 1.30.0)',
    );
    // A range in package.json is not one release either.
    expect(() => checkVersions({ version: '1.30.0' }, { version: '1.30.0' }, { dependencies: { 'onnxruntime-common': '^1.30.0' } })).toThrow(/versions differ/);
  });
});
