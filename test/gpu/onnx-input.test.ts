import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnxFixedBatch, onnxInputShape } from '../../src/tensorrt/onnx-input';

/** Hand-encoded protobuf: ModelProto{graph{input{name, type{tensor_type{shape{dims}}}}}}. */
function ld(no: number, payload: Buffer): Buffer {
  const len: number[] = [];
  let n = payload.length;
  do {
    len.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>= 7;
  } while (n > 0);
  return Buffer.concat([Buffer.from([(no << 3) | 2, ...len]), payload]);
}
const dimValue = (v: number) => ld(1, Buffer.from([0x08, v]));
const dimParam = (s: string) => ld(1, ld(2, Buffer.from(s)));
function model(name: string, dims: Buffer[]): Buffer {
  const shape = ld(2, Buffer.concat(dims));
  const tensor = ld(1, Buffer.concat([Buffer.from([0x08, 0x01]), shape]));
  const input = ld(11, Buffer.concat([ld(1, Buffer.from(name)), ld(2, tensor)]));
  return Buffer.concat([Buffer.from([0x08, 0x07]), ld(7, Buffer.concat([ld(1, Buffer.from('node')), input]))]);
}

describe('onnxInputShape', () => {
  test('fixed and dynamic batch', () => {
    const fixed = model('input', [dimValue(1), dimValue(3), dimValue(112), dimValue(112)]);
    expect(onnxInputShape(fixed, 'input')).toEqual([1, 3, 112, 112]);
    expect(onnxFixedBatch(fixed, 'input')).toBe(1);
    const dyn = model('x', [dimParam('batch'), dimValue(3), dimValue(64), dimValue(64)]);
    expect(onnxInputShape(dyn, 'x')).toEqual(['batch', 3, 64, 64]);
    expect(onnxFixedBatch(dyn, 'x')).toBeUndefined();
  });

  test('unknown input or garbage bytes give undefined, not a throw', () => {
    expect(onnxInputShape(model('input', [dimValue(1)]), 'other')).toBeUndefined();
    expect(onnxInputShape(Buffer.from([0x3a, 0xff, 0xff, 0xff]), 'x')).toBeUndefined();
  });

  const peppa = join(__dirname, '..', '..', '..', 'shared', 'models', 'peppa-slim160', 'slim_160_latest.onnx');
  (existsSync(peppa) ? test : test.skip)('peppa-slim160 declares a fixed batch of 1 (skipped when ../shared is absent)', () => {
    expect(onnxInputShape(readFileSync(peppa), 'input1')).toEqual([1, 3, 160, 160]);
  });
});
