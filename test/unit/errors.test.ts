import { runInNewContext } from 'node:vm';
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
