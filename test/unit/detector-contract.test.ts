/** The face-detector contract: the shipped one, defaults, messages naming the field, and the check against the graph. */
import { readFileSync } from 'node:fs';
import { checkDetectorAgainstModel, priorCount, validateDetectorContract } from '../../src/contract/detector';
import { validateContract } from '../../src/contract/validate';
import { landmarkBox, validateFaceOptions } from '../../src/detector/faces';
import { defaultDetectorFiles, defaultLandmarkFiles } from '../../src/bundled-models';

type Json = Record<string, any>;
const shipped = (): Json => JSON.parse(readFileSync(defaultDetectorFiles().config, 'utf8'));

function invalid(c: unknown, message: string): void {
  expect(() => validateDetectorContract(c, 'test')).toThrow(
    expect.objectContaining({ code: 'ERR_CONTRACT_INVALID', message: `Invalid detector contract (test): ${message}` }),
  );
}

describe('validateDetectorContract', () => {
  test('the shipped UltraFace contract: 320x240 RGB (p - 127) / 128, 4420 priors', () => {
    const c = validateDetectorContract(shipped(), 'shipped');
    expect(c.input).toEqual({ name: 'input', width: 320, height: 240, colorOrder: 'rgb', scale: 1, mean: [127, 127, 127], std: [128, 128, 128] });
    expect(c.resize).toBe('stretch');
    // 40x30x3 + 20x15x2 + 10x8x2 + 5x4x3
    expect(priorCount(c)).toBe(3600 + 600 + 160 + 60);
    expect(c.nms).toEqual({ iouThreshold: 0.3, candidates: 200 });
    expect(c.minScore).toBe(0.7);
  });

  test('defaults: resize stretch, variances 0.1/0.2, NMS 0.3/200, minScore 0.7, clip true', () => {
    const c = shipped();
    for (const k of ['resize', 'variances', 'nms', 'minScore']) delete c[k];
    delete c.priors.clip;
    const v = validateDetectorContract(c, 'test');
    expect([v.resize, v.variances, v.nms, v.minScore, v.priors.clip]).toEqual(['stretch', [0.1, 0.2], { iouThreshold: 0.3, candidates: 200 }, 0.7, true]);
  });

  test('errors name the field', () => {
    invalid({ ...shipped(), kind: 'landmarks' }, 'contract.kind: expected "face-detector" but received "landmarks"');
    invalid({ ...shipped(), resize: 'crop' }, 'contract.resize: expected "stretch" or "letterbox" but received "crop"');
    invalid({ ...shipped(), minScore: 2 }, 'contract.minScore: expected a number from 0 to 1 but received 2');
    invalid({ ...shipped(), variances: [0.1] }, 'contract.variances: expected two numbers (centre, size) but received array of length 1');
    invalid({ ...shipped(), prior: {} }, 'contract.prior: unknown field (expected one of: version, kind, architecture, description, input, resize, outputs, priors, variances, nms, minScore)');
    const c = shipped();
    c.priors.minSizes = [[10], [32]];
    invalid(c, 'contract.priors.minSizes: expected an array of 4 arrays (one per stride) but received array of length 2');
    const d = shipped();
    d.priors.strides[1] = 1.5;
    invalid(d, 'contract.priors.strides[1]: expected a positive integer but received 1.5');
    invalid({ ...shipped(), outputs: { scores: 'scores' } }, 'contract.outputs.boxes: expected a non-empty string but received undefined');
  });

  test('a landmark contract and a detector contract are not mistaken for each other', () => {
    expect(() => validateContract(shipped(), 'test')).toThrow(/contract\.kind: unknown field/);
    const landmark = JSON.parse(readFileSync(defaultLandmarkFiles().config, 'utf8'));
    expect(() => validateDetectorContract(landmark, 'test')).toThrow(/unknown field/);
  });
});

describe('checkDetectorAgainstModel', () => {
  const c = validateDetectorContract(shipped(), 'test');
  const inputs = [{ name: 'input', shape: [1, 3, 240, 320], type: 'float32' }];
  const outputs = [
    { name: 'scores', shape: [1, 4420, 2], type: 'float32' },
    { name: 'boxes', shape: [1, 4420, 4], type: 'float32' },
  ];

  test('passes the UltraFace graph (shapes as ONNX Runtime reports them) and reports the fixed batch', () => {
    expect(checkDetectorAgainstModel(c, 'm.onnx', inputs, outputs)).toEqual({ fixedBatch: 1 });
  });

  test('a prior count the graph does not have, a wrong input size, a missing output: ERR_CONTRACT_MISMATCH naming the field', () => {
    const other = { ...c, priors: { ...c.priors, minSizes: [[10, 16], [32, 48], [64, 96], [128, 192, 256]] } };
    expect(() => checkDetectorAgainstModel(other, 'm.onnx', inputs, outputs)).toThrow(
      expect.objectContaining({ code: 'ERR_CONTRACT_MISMATCH', message: expect.stringMatching(/^contract\.priors: contract says 3220 priors .* but "scores" of m\.onnx has 4420/) }),
    );
    expect(() => checkDetectorAgainstModel({ ...c, input: { ...c.input, width: 640 } }, 'm.onnx', inputs, outputs)).toThrow(/contract\.input\.width: contract says 640 columns/);
    expect(() => checkDetectorAgainstModel(c, 'm.onnx', inputs, outputs.slice(0, 1))).toThrow(/contract\.outputs\.boxes: contract says "boxes" but m\.onnx has no output of that name/);
  });
});

describe('detectFaces options and the box map', () => {
  test('defaults and validation in the user\'s words', () => {
    expect(validateFaceOptions(undefined, 0.7)).toEqual({ maxFaces: 10, minScore: 0.7, minFaceSize: 0 });
    expect(validateFaceOptions({ maxFaces: 3, minScore: 0.2, minFaceSize: 40 }, 0.7)).toEqual({ maxFaces: 3, minScore: 0.2, minFaceSize: 40 });
    expect(() => validateFaceOptions({ maxFaces: 0 }, 0.7)).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: 'Expected a positive integer <= 1000 for `maxFaces` but received 0' }));
    expect(() => validateFaceOptions({ minScore: '0.5' }, 0.7)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => validateFaceOptions({ maxfaces: 2 }, 0.7)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('option maxfaces') }));
  });

  test('landmarkBox: centre shifted by shift x size, sides scaled; identity without a map', () => {
    expect(landmarkBox([100, 200, 50, 80], undefined)).toEqual([100, 200, 50, 80]);
    // centre (125, 240) -> (125 + 0.1 * 50, 240 + 0.25 * 80) = (130, 260); sides 40 x 64.
    expect(landmarkBox([100, 200, 50, 80], { shiftX: 0.1, shiftY: 0.25, scale: 0.8 })).toEqual([110, 228, 40, 64]);
  });
});
