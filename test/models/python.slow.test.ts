/**
 * findPython / ensureModel / exportModel (tools/): argument validation, the ERR_PYTHON message when no usable
 * python exists, the cache lock (the package's flock: a held lock is waited for, a file left by a dead holder is
 * simply locked again, concurrent calls agree), and script failures surfacing their stderr.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { acquireLock } from '../../src/util/file-lock';
import { cachePaths, ensureModel, exportModel } from '../../tools/onnx-export';
import { PYTHON_INSTALL_HINT, firstWorkingPython } from '../../tools/torch-python';
import { pythonOrReason } from './helpers';

const { python, reason } = pythonOrReason();
const withPython = python ? describe : describe.skip;
if (!python) console.log(`test/models/python (export part): skipped, ${reason}`);

describe('python discovery', () => {
  test('no candidate works: ERR_PYTHON listing each attempt and how to install', async () => {
    const missing = path.join(tmpdir(), 'no-such-dir', 'python3');
    const attempt = firstWorkingPython([missing, '/bin/false']);
    await expect(attempt).rejects.toMatchObject({ name: 'LandmarkerError', code: 'ERR_PYTHON' });
    const message = ((await attempt.catch((e: Error) => e)) as Error).message;
    expect(message).toBe(
      `No python with torch, torchvision and onnx found (tried ${missing}: not found; /bin/false: import failed). ` +
        PYTHON_INSTALL_HINT,
    );
    expect(message).toContain('sudo apt-get install python3-torch python3-onnx python3-torchvision');
    expect(message).toContain('pip install torch torchvision onnx');
  });
});

describe('ensureModel argument validation', () => {
  test.each([
    [{ arch: 'vgg16' }, TypeError, 'ERR_INVALID_ARG_VALUE', 'Expected one of resnet50, mobilenetv3, pipnet for `arch` but received "vgg16"'],
    [{ arch: 7 }, TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected one of resnet50, mobilenetv3, pipnet for `arch` but received 7'],
    [{ arch: 'pipnet', landmarks: 69 }, RangeError, 'ERR_OUT_OF_RANGE', 'Expected 68 or 70 for `landmarks` but received 69'],
    [{ arch: 'pipnet', inputSize: 250 }, RangeError, 'ERR_OUT_OF_RANGE', 'Expected integer in 32..1024 and a multiple of 32 for `inputSize` but received 250'],
    [{ arch: 'resnet50', inputSize: 16 }, RangeError, 'ERR_OUT_OF_RANGE', 'Expected integer in 32..1024 for `inputSize` but received 16'],
    [{ arch: 'resnet50', inputSize: 224.5 }, TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected integer for `inputSize` but received 224.5'],
    [{ arch: 'resnet50', seed: -1 }, RangeError, 'ERR_OUT_OF_RANGE', 'Expected non-negative integer for `seed` but received -1'],
    [{ arch: 'resnet50', cacheDir: 3 }, TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected string for `cacheDir` but received 3'],
  ])('%j', async (options, type, code, message) => {
    const attempt = ensureModel(options as never);
    await expect(attempt).rejects.toBeInstanceOf(type);
    await expect(attempt).rejects.toMatchObject({ code, message });
  });

  test('exportModel: out must end in .onnx', async () => {
    await expect(exportModel({ arch: 'resnet50', out: '/tmp/m.pt' })).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
      message: 'Expected a path ending in .onnx for `out` but received "/tmp/m.pt"',
    });
  });

  test('waits for a live lock held by another exporter and takes its files without exporting', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'trt-landmarker-lock-'));
    try {
      const options = { arch: 'pipnet' as const, cacheDir: dir };
      const paths = cachePaths(options);
      // The other exporter: a second open file description holding the flock, as another process would.
      const lock = await acquireLock(paths.fp32.replace(/\.onnx$/, '.lock'));
      let settled = false;
      const pending = ensureModel(options).finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 700));
      expect(settled).toBe(false);
      writeFileSync(paths.fp16, 'from the other exporter');
      writeFileSync(paths.fp32, 'from the other exporter');
      lock.release();
      await expect(pending).resolves.toEqual(paths);
      expect(readFileSync(paths.fp32, 'utf8')).toBe('from the other exporter');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('cache names depend on every argument', () => {
    const dir = '/cache';
    const base = cachePaths({ arch: 'pipnet' }, dir).fp32;
    expect(base).toMatch(/^\/cache\/pipnet-68-256-s0-[0-9a-f]{12}\.onnx$/);
    expect(cachePaths({ arch: 'pipnet', landmarks: 68, inputSize: 256, seed: 0 }, dir).fp32).toBe(base);
    for (const other of [{ landmarks: 70 as const }, { inputSize: 288 }, { seed: 1 }]) {
      expect(cachePaths({ arch: 'pipnet', ...other }, dir).fp32).not.toBe(base);
    }
    expect(cachePaths({ arch: 'pipnet' }, dir).fp16).toBe(base.replace(/\.onnx$/, '.fp16.onnx'));
  });
});

withPython('export through python', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'trt-landmarker-models-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a lock file left by a dead holder is locked again; concurrent calls agree; leaves the two models, no lock or temp folder', async () => {
    const options = { arch: 'mobilenetv3' as const, inputSize: 96, seed: 3, cacheDir: dir };
    // What a killed exporter leaves: the file, its words, no flock (the kernel dropped it with the process).
    writeFileSync(cachePaths(options).fp32.replace(/\.onnx$/, '.lock'), JSON.stringify({ pid: 999999, host: 'gone', created: 0 }));
    // Exports by an older models/*.py (other hash) are pruned; other arguments (seed 30) are kept.
    const older = ['mobilenetv3-68-96-s3-000000000000.onnx', 'mobilenetv3-68-96-s3-000000000000.fp16.onnx'];
    const unrelated = 'mobilenetv3-68-96-s30-000000000000.onnx';
    for (const f of [...older, unrelated]) writeFileSync(path.join(dir, f), 'x');
    const results = await Promise.all([ensureModel(options), ensureModel(options), ensureModel(options)]);
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    expect(statSync(results[0].fp32).size).toBeGreaterThan(1e6);
    expect(statSync(results[0].fp16).size).toBeGreaterThan(5e5);
    expect(readdirSync(dir).sort()).toEqual(
      [path.basename(results[0].fp32), path.basename(results[0].fp16), unrelated].sort(),
    );
    const mtime = statSync(results[0].fp32).mtimeMs;
    await ensureModel(options); // cached: not rewritten
    expect(statSync(results[0].fp32).mtimeMs).toBe(mtime);
  });

  test('a failing export rejects with ERR_PYTHON carrying the script stderr', async () => {
    const missing = path.join(dir, 'missing.pth');
    const attempt = exportModel({ arch: 'mobilenetv3', out: path.join(dir, 'x.onnx'), checkpoint: missing });
    await expect(attempt).rejects.toMatchObject({
      code: 'ERR_PYTHON',
      message: expect.stringMatching(/models\/export\.py failed with exit code 1 \([\s\S]*No such file or directory/),
    });
    expect(existsSync(path.join(dir, 'x.onnx'))).toBe(false);
  });
});
