/** Contract validation: defaults, and every error message naming its field. */
import { LandmarkerError } from '../../src/errors';
import { validateContract } from '../../src/contract/validate';
import { gridMeanFace, pipnetContract, regressionContract } from './helpers/onnx-builder';

type Json = Record<string, any>;
const clone = (o: Json): Json => JSON.parse(JSON.stringify(o));

function invalid(c: unknown, message: string): void {
  let err: unknown;
  try {
    validateContract(c, 'test');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(LandmarkerError);
  expect((err as LandmarkerError).code).toBe('ERR_CONTRACT_INVALID');
  expect((err as Error).message).toBe(`Invalid model contract (test): ${message}`);
}

describe('validateContract', () => {
  test('accepts a full regression contract and keeps its values', () => {
    const c = validateContract(regressionContract(), 'test');
    expect(c.input).toEqual({ name: 'input', width: 32, height: 32, colorOrder: 'rgb', scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
    expect(c.crop).toEqual({ boxScale: 1.2, square: true });
    expect(c.regression).toEqual({ output: 'landmarks', layout: 'normalized' });
    expect(c.pipnet).toBeUndefined();
  });

  test('fills defaults: colorOrder rgb, scale 1, mean 0, std 1, crop {1, false}, layout normalized, stride 32, neighbors 10', () => {
    const r = validateContract(
      { version: 1, architecture: 'regression', landmarks: 70, input: { name: 'x', width: 8, height: 4 }, regression: { output: 'y' } },
      'test',
    );
    expect(r.input).toEqual({ name: 'x', width: 8, height: 4, colorOrder: 'rgb', scale: 1, mean: [0, 0, 0], std: [1, 1, 1] });
    expect(r.crop).toEqual({ boxScale: 1, square: false });
    expect(r.regression!.layout).toBe('normalized');
    const p = clone(pipnetContract());
    delete p.pipnet.stride;
    delete p.pipnet.neighbors;
    const v = validateContract(p, 'test');
    expect(v.pipnet!.stride).toBe(32);
    expect(v.pipnet!.neighbors).toBe(10);
  });

  test('a single number for mean/std applies to all channels', () => {
    const c = clone(regressionContract());
    c.input.mean = 127;
    c.input.std = 127;
    const v = validateContract(c, 'test');
    expect(v.input.mean).toEqual([127, 127, 127]);
    expect(v.input.std).toEqual([127, 127, 127]);
  });

  const cases: Array<[string, (c: Json) => unknown, string]> = [
    ['not an object', () => [1], 'contract: expected an object but received array of length 1'],
    ['null', () => null, 'contract: expected an object but received null'],
    ['unknown top-level key', (c) => ({ ...c, colour: 1 }), 'contract.colour: unknown field (expected one of: version, architecture, landmarks, input, crop, regression, pipnet, description, detectorBox)'],
    ['version', (c) => ({ ...c, version: 2 }), 'contract.version: expected 1 but received 2'],
    ['architecture', (c) => ({ ...c, architecture: 'hrnet' }), 'contract.architecture: expected "pipnet" or "regression" but received "hrnet"'],
    ['69 landmarks', (c) => ({ ...c, landmarks: 69 }), 'contract.landmarks: expected 68 or 70 but received 69'],
    ['landmarks as string', (c) => ({ ...c, landmarks: '68' }), 'contract.landmarks: expected 68 or 70 but received "68"'],
    ['input missing', (c) => ({ ...c, input: undefined }), 'contract.input: expected an object but received undefined'],
    ['input.name', (c) => ({ ...c, input: { ...c.input, name: '' } }), 'contract.input.name: expected a non-empty string but received ""'],
    ['input.width 0', (c) => ({ ...c, input: { ...c.input, width: 0 } }), 'contract.input.width: expected an integer from 1 to 16384 but received 0'],
    ['input.height fractional', (c) => ({ ...c, input: { ...c.input, height: 31.5 } }), 'contract.input.height: expected an integer from 1 to 16384 but received 31.5'],
    ['input.colorOrder', (c) => ({ ...c, input: { ...c.input, colorOrder: 'rgba' } }), 'contract.input.colorOrder: expected "rgb" or "bgr" but received "rgba"'],
    ['input.scale 0', (c) => ({ ...c, input: { ...c.input, scale: 0 } }), 'contract.input.scale: expected a number from 1e-6 to 1e6 but received 0'],
    ['input.mean length', (c) => ({ ...c, input: { ...c.input, mean: [1, 2] } }), 'contract.input.mean: expected an array of 3 numbers (one per channel) but received array of length 2'],
    ['input.mean NaN', (c) => ({ ...c, input: { ...c.input, mean: [1, null, 2] } }), 'contract.input.mean[1]: expected a number from -1e6 to 1e6 but received null'],
    ['input.std zero', (c) => ({ ...c, input: { ...c.input, std: [1, 1, 0] } }), 'contract.input.std[2]: expected a number from 1e-6 to 1e6 but received 0'],
    ['input unknown key', (c) => ({ ...c, input: { ...c.input, colourOrder: 'bgr' } }), 'contract.input.colourOrder: unknown field (expected one of: name, width, height, colorOrder, scale, mean, std)'],
    ['crop not object', (c) => ({ ...c, crop: 1.4 }), 'contract.crop: expected an object but received 1.4'],
    ['crop.boxScale', (c) => ({ ...c, crop: { boxScale: -1 } }), 'contract.crop.boxScale: expected a number from 0.01 to 100 but received -1'],
    ['crop.square', (c) => ({ ...c, crop: { square: 'yes' } }), 'contract.crop.square: expected true or false but received "yes"'],
    ['regression missing', (c) => ({ ...c, regression: undefined }), 'contract.regression: expected an object but received undefined'],
    ['regression.output', (c) => ({ ...c, regression: { output: 3 } }), 'contract.regression.output: expected a non-empty string but received 3'],
    ['regression.layout', (c) => ({ ...c, regression: { output: 'o', layout: 'pixels' } }), 'contract.regression.layout: expected "normalized" or "pixel" but received "pixels"'],
    ['pipnet section on regression', (c) => ({ ...c, pipnet: {} }), 'contract.pipnet: expected no "pipnet" section for architecture "regression" but received object Object'],
    ['description', (c) => ({ ...c, description: 5 }), 'contract.description: expected a string but received 5'],
    // eslint-disable-next-line no-sparse-arrays
    ['sparse mean', (c) => ({ ...c, input: { ...c.input, mean: [0.5, , 0.5] } }), 'contract.input.mean[1]: expected a number from -1e6 to 1e6 but received undefined'],
    // eslint-disable-next-line no-sparse-arrays
    ['sparse std', (c) => ({ ...c, input: { ...c.input, std: [, 1, 1] } }), 'contract.input.std[0]: expected a number from 1e-6 to 1e6 but received undefined'],
    ['std as an object whose constructor name is not a string', (c) => ({ ...c, input: { ...c.input, std: { constructor: { name: { toString: 1 } } } } }), 'contract.input.std: expected an array of 3 numbers (one per channel) but received object Object'],
    ['input.scale 1e308', (c) => ({ ...c, input: { ...c.input, scale: 1e308 } }), 'contract.input.scale: expected a number from 1e-6 to 1e6 but received 1e+308'],
    ['input.mean 1e300 for all channels', (c) => ({ ...c, input: { ...c.input, mean: 1e300 } }), 'contract.input.mean: expected a number from -1e6 to 1e6 but received 1e+300'],
    ['input.std subnormal', (c) => ({ ...c, input: { ...c.input, std: [1, 1e-320, 1] } }), 'contract.input.std[1]: expected a number from 1e-6 to 1e6 but received 1e-320'],
    ['input.std negative', (c) => ({ ...c, input: { ...c.input, std: -1 } }), 'contract.input.std: expected a number from 1e-6 to 1e6 but received -1'],
    ['crop.boxScale 1e308', (c) => ({ ...c, crop: { boxScale: 1e308 } }), 'contract.crop.boxScale: expected a number from 0.01 to 100 but received 1e+308'],
  ];
  test.each(cases)('regression: %s', (_name, mutate, message) => invalid(mutate(clone(regressionContract())), message));

  const pipCases: Array<[string, (c: Json) => unknown, string]> = [
    ['meanFace 140 values', (c) => ({ ...c, pipnet: { ...c.pipnet, meanFace: gridMeanFace(70) } }), 'contract.pipnet.meanFace: expected 136 numbers (68 landmarks x 2) but received 140'],
    ['meanFace not array', (c) => ({ ...c, pipnet: { ...c.pipnet, meanFace: 'x' } }), 'contract.pipnet.meanFace: expected an array of 136 numbers (68 landmarks x 2) but received "x"'],
    ['meanFace NaN', (c) => { c.pipnet.meanFace[7] = 'a'; return c; }, 'contract.pipnet.meanFace[7]: expected a number from -100 to 100 but received "a"'],
    ['stride not dividing', (c) => ({ ...c, pipnet: { ...c.pipnet, stride: 24 } }), 'contract.pipnet.stride: expected a divisor of the input size 64x64 but received 24'],
    ['neighbors too many', (c) => ({ ...c, pipnet: { ...c.pipnet, neighbors: 68 } }), 'contract.pipnet.neighbors: expected an integer from 1 to 67 but received 68'],
    ['outputs missing', (c) => ({ ...c, pipnet: { ...c.pipnet, outputs: undefined } }), 'contract.pipnet.outputs: expected an object but received undefined'],
    ['outputs.nbY missing', (c) => { delete c.pipnet.outputs.nbY; return c; }, 'contract.pipnet.outputs.nbY: expected a non-empty string but received undefined'],
    ['pipnet missing', (c) => ({ ...c, pipnet: undefined }), 'contract.pipnet: expected an object but received undefined'],
    ['regression section on pipnet', (c) => ({ ...c, regression: { output: 'o' } }), 'contract.regression: expected no "regression" section for architecture "pipnet" but received object Object'],
    ['unknown pipnet key', (c) => ({ ...c, pipnet: { ...c.pipnet, numNb: 10 } }), 'contract.pipnet.numNb: unknown field (expected one of: stride, neighbors, meanFace, outputs)'],
    [
      'a landmark nobody has as neighbour',
      (c) => {
        // Points on a line with growing gaps (x = i^2): each point's nearest is its left neighbour (point 0's is
        // point 1), so with 1 neighbour nobody picks the last point.
        const mf: number[] = [];
        for (let i = 0; i < 68; i++) mf.push((i * i) / 5000, 0.5);
        return { ...c, pipnet: { ...c.pipnet, neighbors: 1, meanFace: mf } };
      },
      "contract.pipnet.meanFace: landmark 67 is not among the 1 nearest neighbours of any other landmark, so PIPNet's decoding has no neighbour predictions to average for it",
    ],
  ];
  test.each(pipCases)('pipnet: %s', (_name, mutate, message) => invalid(mutate(clone(pipnetContract())), message));

  test('the source is named in the message', () => {
    expect(() => validateContract({}, 'sidecar /m/x.json')).toThrow('Invalid model contract (sidecar /m/x.json): contract.version: expected 1 but received undefined');
  });
});
