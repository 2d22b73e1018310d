import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOnnxSummaryFromBytes } from '../../src/model/onnx-proto';
import { openLandmarkModel } from '../../src/model/open';

/** The fixed batch is worked out once, by the contract check when the model is opened (src/model/open.ts). */
const inputShape = (onnx: Buffer, name: string) => readOnnxSummaryFromBytes(onnx).inputs.find((i) => i.name === name)?.shape;

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

describe('input shapes and the fixed batch', () => {
  test('fixed and dynamic batch dimensions as declared', () => {
    expect(inputShape(model('input', [dimValue(1), dimValue(3), dimValue(112), dimValue(112)]), 'input')).toEqual([1, 3, 112, 112]);
    expect(inputShape(model('x', [dimParam('batch'), dimValue(3), dimValue(64), dimValue(64)]), 'x')).toEqual(['batch', 3, 64, 64]);
  });

  const peppa = join(__dirname, '..', '..', '..', 'shared', 'models', 'peppa-slim160', 'slim_160_latest.onnx');
  (existsSync(peppa) ? test : test.skip)('peppa-slim160 declares a fixed batch of 1 (skipped when ../shared is absent)', () => {
    expect(inputShape(readFileSync(peppa), 'input1')).toEqual([1, 3, 160, 160]);
    expect(openLandmarkModel(peppa, 'peppa-slim160').graph.io.fixedBatch).toBe(1);
  });
});
