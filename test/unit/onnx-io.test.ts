/**
 * The graph inputs/outputs read by walking the ONNX protobuf (src/contract/onnx-proto.ts, used by the TensorRT
 * backend's contract check) agree with what ONNX Runtime reports for the same files.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { readOnnxSummary, readOnnxSummaryFromBytes } from '../../src/contract/onnx-proto';
import { tinyPipnet, tinyRegression } from './helpers/onnx-builder';

const PEPPA = join(__dirname, '..', '..', '..', 'shared', 'models', 'peppa-slim160', 'slim_160_latest.onnx');

async function ortIo(path: string) {
  const s = await ort.InferenceSession.create(path, { logSeverityLevel: 3 });
  const info = (m: ort.InferenceSession.ValueMetadata) => (m.isTensor ? { name: m.name, shape: m.shape, type: m.type } : { name: m.name });
  const io = { inputs: s.inputMetadata.map(info), outputs: s.outputMetadata.map(info) };
  await s.release();
  return io;
}

describe('ONNX graph inputs and outputs from the protobuf walk', () => {
  const peppa = existsSync(PEPPA) ? test : test.skip;
  if (!existsSync(PEPPA)) console.log(`test/unit/onnx-io: peppa case skipped, ${PEPPA} is absent`);

  peppa('peppa-slim160: initializers listed as graph inputs are left out, as ONNX Runtime does', async () => {
    const s = readOnnxSummary(PEPPA);
    expect(s.inputs).toEqual([{ name: 'input1', shape: [1, 3, 160, 160], type: 'float32' }]);
    expect(s.outputs).toEqual([{ name: 'output1', shape: [1, 143], type: 'float32' }]);
    const o = await ortIo(PEPPA);
    expect(s.inputs).toEqual(o.inputs);
    expect(s.outputs).toEqual(o.outputs);
  });

  test.each([
    ['regression', tinyRegression],
    ['pipnet', tinyPipnet],
  ])('tiny %s model: same inputs and outputs as ONNX Runtime, from the file and from the bytes', async (_name, make) => {
    const bytes = make();
    const file = join(mkdtempSync(join(tmpdir(), 'trtl-onnx-io-')), 'm.onnx');
    writeFileSync(file, bytes);
    const s = readOnnxSummary(file);
    const o = await ortIo(file);
    expect(s.inputs).toEqual(o.inputs);
    expect(s.outputs).toEqual(o.outputs);
    const b = readOnnxSummaryFromBytes(bytes);
    expect(b.inputs).toEqual(s.inputs);
    expect(b.outputs).toEqual(s.outputs);
  });

  test('garbage bytes are ERR_MODEL_LOAD naming what was read', () => {
    expect(() => readOnnxSummaryFromBytes(Buffer.from([0x3a, 0xff, 0xff, 0xff]), 'x.onnx')).toThrow(
      expect.objectContaining({ code: 'ERR_MODEL_LOAD', message: expect.stringMatching(/^x\.onnx is not an ONNX model: /) }),
    );
  });
});
