import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { pipnetParams } from '../../src/contract/pipnet';
import { validateContract } from '../../src/contract/validate';
import { runningFromSource, startWorker } from '../../src/util/worker';
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

  test('fromNative keeps codes of errors made in another realm (the addon creates errors in the main realm)', () => {
    const foreign = runInNewContext(`(() => { const e = new RangeError('size mismatch'); e.code = 'ERR_OUT_OF_RANGE'; return e; })()`);
    expect(foreign instanceof RangeError).toBe(false);
    const r = fromNative(foreign);
    expect(r).toBeInstanceOf(RangeError);
    expect((r as RangeError & { code: string }).code).toBe('ERR_OUT_OF_RANGE');
    expect(r.message).toBe('size mismatch');

    const plain = runInNewContext(`(() => { const e = new Error('cudaMalloc failed: out of memory'); e.code = 'ERR_CUDA'; return e; })()`);
    const l = fromNative(plain, 'ERR_TENSORRT');
    expect(l).toBeInstanceOf(LandmarkerError);
    expect((l as LandmarkerError).code).toBe('ERR_CUDA');
    expect(l.message).toBe('cudaMalloc failed: out of memory');
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
    const ext = runningFromSource() ? '.ts' : '.js';
    expect(() => startWorker(dir, 'frame-reader', 'capture reader thread', {})).toThrow(
      expect.objectContaining({ name: 'LandmarkerError', code: 'ERR_INTERNAL', message: `The capture reader thread ${join(dir, `frame-reader${ext}`)} is missing` }),
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
