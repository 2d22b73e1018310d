/**
 * Results are finite or the call fails with a coded error: huge boxes, models that output NaN, contracts whose
 * numbers would overflow the arithmetic, and a model with a fixed batch of 0. Tiny ONNX models built in the test.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrtLandmarker } from '../../src/landmarker';
import { pipnetContract, regressionContract, tinyPipnet, tinyRegression, writeModel } from '../unit/helpers/onnx-builder';
import { failure } from '../unit/helpers/failure';

const dir = mkdtempSync(join(tmpdir(), 'finite-'));
const meta = (c: unknown) => ({ trt_landmarker: JSON.stringify(c) });
const frame = { data: new Uint8Array(64 * 48 * 3).fill(90), width: 64, height: 48, format: 'rgb' as const };


describe('huge boxes', () => {
  let lm: TrtLandmarker;
  beforeAll(async () => {
    const m = writeModel(join(dir, 'reg.onnx'), tinyRegression({ metadata: meta(regressionContract(32)) }));
    lm = await TrtLandmarker.create({ model: m, backend: 'onnxruntime' });
  });
  afterAll(() => lm.dispose());

  test.each([
    ['width', [0, 0, 1e39, 10], 2],
    ['height', [0, 0, 10, 1e39], 3],
    ['width near the float32 limit', [0, 0, 3e38, 10], 2],
  ])('a box %s above what the arithmetic can carry is refused', async (_label, box, index) => {
    const f = await failure(lm.detect(frame, { box: box as [number, number, number, number] }));
    expect(f.name).toBe('RangeError');
    expect(f.code).toBe('ERR_OUT_OF_RANGE');
    expect(f.message).toBe(`Expected a box ${index === 2 ? 'width' : 'height'} > 0 and <= 1e7 pixels for \`box\` but received ${box[index]}`);
  });

  test('the largest allowed box gives finite points', async () => {
    const r = await lm.detect(frame, { box: [-5e6, -5e6, 1e7, 1e7] });
    expect(r.points.every(Number.isFinite)).toBe(true);
  });
});

describe('a model that outputs NaN', () => {
  test.each([
    ['regression: the call fails naming the output', 'nan-reg.onnx', () => tinyRegression({ bias: new Float32Array(136).fill(NaN), metadata: meta(regressionContract(32)) }), 'landmarks', 1],
    ['PIPNet: the call fails naming the head', 'nan-pip.onnx', () => tinyPipnet({ nanHeads: ['nb_y'], metadata: meta(pipnetContract(64)) }), 'nb_y', 2],
  ])('%s', async (_label, file, bytes, output, images) => {
    const m = writeModel(join(dir, file), bytes());
    const lm = await TrtLandmarker.create({ model: m, backend: 'onnxruntime' });
    try {
      const f = await failure(images === 1 ? lm.detect(frame) : lm.detectBatch([frame, frame]));
      expect(f).toEqual({
        name: 'LandmarkerError',
        code: 'ERR_INFERENCE',
        message: `Output "${output}" of ${m} is not finite (NaN at value 0 of image 0): the model produced no usable landmarks`,
      });
    } finally {
      await lm.dispose();
    }
  });
});

describe('contracts whose numbers would overflow are refused at load', () => {
  const reg = (input: Record<string, unknown>, crop?: Record<string, unknown>) => {
    const c = regressionContract(32) as { input: Record<string, unknown>; crop: Record<string, unknown> };
    return { ...c, input: { ...c.input, ...input }, crop: { ...c.crop, ...crop } };
  };
  test.each([
    ['scale 1e308', reg({ scale: 1e308 }), 'contract.input.scale: expected a number from 1e-6 to 1e6 but received 1e+308'],
    ['mean 1e300', reg({ mean: [1e300, 0, 0] }), 'contract.input.mean[0]: expected a number from -1e6 to 1e6 but received 1e+300'],
    ['std 1e-320', reg({ std: [1e-320, 1, 1] }), 'contract.input.std[0]: expected a number from 1e-6 to 1e6 but received 1e-320'],
    ['negative std', reg({ std: [-0.5, 1, 1] }), 'contract.input.std[0]: expected a number from 1e-6 to 1e6 but received -0.5'],
    ['boxScale 1e308', reg({}, { boxScale: 1e308 }), 'contract.crop.boxScale: expected a number from 0.01 to 100 but received 1e+308'],
  ])('%s', async (_label, contract, message) => {
    const m = writeModel(join(dir, 'c.onnx'), tinyRegression());
    const f = await failure(TrtLandmarker.create({ model: m, backend: 'onnxruntime', config: contract as never }));
    expect(f).toEqual({ name: 'LandmarkerError', code: 'ERR_CONTRACT_INVALID', message: `Invalid model contract (options.config): ${message}` });
  });
});

test('a model with a fixed batch of 0 is refused at load', async () => {
  const m = writeModel(join(dir, 'batch0.onnx'), tinyRegression({ batch: 0, metadata: meta(regressionContract(32)) }));
  const f = await failure(TrtLandmarker.create({ model: m, backend: 'onnxruntime' }));
  expect(f).toEqual({
    name: 'LandmarkerError',
    code: 'ERR_CONTRACT_MISMATCH',
    message: `contract.input: ${m} has a fixed batch of 0 in its input "input"; it cannot run any image`,
  });
});
