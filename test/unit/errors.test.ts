import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipnetParams } from '../../src/contract/pipnet';
import { validateContract } from '../../src/contract/validate';
import { startWorker } from '../../src/util/worker';
import { regressionContract } from './helpers/onnx-builder';
import { fromNative, invalidType, LandmarkerError, outOfRange } from '../../src/errors';

describe('error helpers', () => {
  test('invalidType / outOfRange produce coded TypeError / RangeError with the house message', () => {
    const t = invalidType('maxBatch', 'positive integer', 'x');
    expect(t).toBeInstanceOf(TypeError);
    expect(t.code).toBe('ERR_INVALID_ARG_TYPE');
    expect(t.message).toBe('Expected positive integer for `maxBatch` but received "x"');
    const r = outOfRange('maxBatch', 'positive integer', -1);
    expect(r).toBeInstanceOf(RangeError);
    expect(r.code).toBe('ERR_OUT_OF_RANGE');
    expect(r.message).toBe('Expected positive integer for `maxBatch` but received -1');
  });

  test('fromNative keeps coded TypeError / RangeError as they are, codes bad arguments without one, wraps the rest', () => {
    const coded = Object.assign(new RangeError('size mismatch'), { code: 'ERR_OUT_OF_RANGE' });
    expect(fromNative(coded)).toBe(coded);
    const uncoded = new TypeError('not a frame');
    expect(fromNative(uncoded)).toBe(uncoded);
    expect(uncoded).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', message: 'not a frame' });
    expect(fromNative(new RangeError('too big'))).toMatchObject({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });

    const cuda = Object.assign(new Error('cudaMalloc failed: out of memory'), { code: 'ERR_CUDA' });
    const l = fromNative(cuda, 'ERR_TENSORRT');
    expect(l).toBeInstanceOf(LandmarkerError);
    expect(l).toMatchObject({ code: 'ERR_CUDA', message: 'cudaMalloc failed: out of memory', cause: cuda });
  });

  test('fromNative falls back to the given code when the error has none', () => {
    const l = fromNative(new Error('boom'), 'ERR_TENSORRT') as LandmarkerError;
    expect(l.code).toBe('ERR_TENSORRT');
    expect(fromNative('weird', 'ERR_INFERENCE')).toMatchObject({ code: 'ERR_INFERENCE', message: 'weird' });
  });
});

describe('ERR_INTERNAL: what only a broken installation or a bug inside the package raises', () => {
  test('a worker module missing from the installation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-worker-'));
    // A TypeScript source next to it is not a worker module: workers start from compiled .js files only.
    writeFileSync(join(dir, 'frame-reader.ts'), "require('node:worker_threads').parentPort?.postMessage('ran');\n");
    expect(() => startWorker(dir, 'frame-reader', 'capture reader thread', {})).toThrow(
      expect.objectContaining({ name: 'LandmarkerError', code: 'ERR_INTERNAL', message: `The capture reader thread ${join(dir, 'frame-reader.js')} is missing` }),
    );
  });

  test('a native error without a code, and a thrown non-error, become ERR_INTERNAL', () => {
    expect(fromNative(new Error('std::bad_alloc'))).toMatchObject({ name: 'LandmarkerError', code: 'ERR_INTERNAL', message: 'std::bad_alloc' });
    expect(fromNative('weird')).toMatchObject({ name: 'LandmarkerError', code: 'ERR_INTERNAL', message: 'weird' });
  });

  test('PIPNet decoding parameters asked of a regression contract', () => {
    const c = validateContract(regressionContract(64), 'test');
    expect(() => pipnetParams(c)).toThrow(expect.objectContaining({ code: 'ERR_INTERNAL', message: 'pipnetParams() called for a non-PIPNet contract' }));
  });
});
