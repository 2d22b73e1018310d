/**
 * The graph inputs/outputs read by walking the ONNX protobuf (src/contract/onnx-proto.ts: the contract check of
 * both backends uses them). Expected values come from what the test builder wrote into the file
 * (helpers/onnx-builder.ts) and, for the shipped peppa model, the inputs/outputs ONNX Runtime 1.30 reports for
 * the same file (sha256 in models/default/peppa-slim160/PROVENANCE.md).
 * test/models/architectures.slow.test.ts compares the reader with the python onnx package on PyTorch exports.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readOnnxSummary, readOnnxSummaryFromBytes } from '../../src/model/onnx-proto';
import { Msg, model, node, tensor, tinyPipnet, tinyRegression, valueInfo } from './helpers/onnx-builder';

const PEPPA = join(__dirname, '..', '..', 'models', 'default', 'peppa-slim160', 'slim_160_latest.onnx');

function fileOf(bytes: Buffer): string {
  const file = join(mkdtempSync(join(tmpdir(), 'trtl-onnx-io-')), 'm.onnx');
  writeFileSync(file, bytes);
  return file;
}

describe('ONNX graph inputs and outputs from the protobuf walk', () => {
  test('peppa-slim160 (shipped): initializers listed as graph inputs are left out', () => {
    const s = readOnnxSummary(PEPPA);
    expect(s.inputs).toEqual([{ name: 'input1', shape: [1, 3, 160, 160], type: 'float32' }]);
    expect(s.outputs).toEqual([{ name: 'output1', shape: [1, 143], type: 'float32' }]);
  });

  test('tiny regression model: the names, symbolic and fixed dims the builder wrote, from the file and the bytes', () => {
    const bytes = tinyRegression({ size: 48, outputs: 140, batch: 'B', inputName: 'img', outputName: 'pts' });
    const want = { inputs: [{ name: 'img', shape: ['B', 3, 48, 48], type: 'float32' }], outputs: [{ name: 'pts', shape: ['B', 140], type: 'float32' }] };
    const s = readOnnxSummary(fileOf(bytes));
    expect({ inputs: s.inputs, outputs: s.outputs }).toEqual(want);
    const b = readOnnxSummaryFromBytes(bytes);
    expect({ inputs: b.inputs, outputs: b.outputs }).toEqual(want);
  });

  test('tiny pipnet model: five heads in the order written', () => {
    const s = readOnnxSummary(fileOf(tinyPipnet({ size: 64, stride: 32, landmarks: 68, neighbors: 10 })));
    expect(s.inputs).toEqual([{ name: 'input', shape: ['N', 3, 64, 64], type: 'float32' }]);
    expect(s.outputs).toEqual([
      { name: 'cls', shape: ['N', 68, 2, 2], type: 'float32' },
      { name: 'x', shape: ['N', 68, 2, 2], type: 'float32' },
      { name: 'y', shape: ['N', 68, 2, 2], type: 'float32' },
      { name: 'nb_x', shape: ['N', 680, 2, 2], type: 'float32' },
      { name: 'nb_y', shape: ['N', 680, 2, 2], type: 'float32' },
    ]);
  });

  test('element types by name, an unknown dim as "?", a non-tensor value, an initializer-backed input left out', () => {
    const unknownDim = new Msg().str(1, 'u').bytes(2, new Msg().bytes(1, new Msg().int(1, 1).bytes(2, new Msg().bytes(1, new Msg()).bytes(1, new Msg().int(1, 4)))));
    // TypeProto field 4 is sequence_type: a sequence of float tensors.
    const sequence = new Msg().str(1, 'seq').bytes(2, new Msg().bytes(4, new Msg().bytes(1, new Msg().bytes(1, new Msg().int(1, 1)))));
    const bytes = model({
      nodes: [node('Identity', ['a'], ['o16'])],
      initializers: [tensor('w', [2], [1, 2])],
      inputs: [valueInfo('a', [1, 2], 10), valueInfo('w', [2]), valueInfo('i64', [3], 7), unknownDim],
      outputs: [valueInfo('o16', [1, 2], 10), valueInfo('o8', [5], 2), sequence],
    });
    const s = readOnnxSummaryFromBytes(bytes);
    expect(s.inputs).toEqual([
      { name: 'a', shape: [1, 2], type: 'float16' },
      { name: 'i64', shape: [3], type: 'int64' },
      { name: 'u', shape: ['?', 4], type: 'float32' },
    ]);
    expect(s.outputs).toEqual([
      { name: 'o16', shape: [1, 2], type: 'float16' },
      { name: 'o8', shape: [5], type: 'uint8' },
      { name: 'seq', shape: [], type: 'non-tensor' },
    ]);
  });

  test('garbage bytes are ERR_MODEL_LOAD naming what was read', () => {
    expect(() => readOnnxSummaryFromBytes(Buffer.from([0x3a, 0xff, 0xff, 0xff]), 'x.onnx')).toThrow(
      expect.objectContaining({ code: 'ERR_MODEL_LOAD', message: expect.stringMatching(/^x\.onnx is not an ONNX model: /) }),
    );
  });
});
