/** Bad sizes and types reach JS as coded errors (never a crash); messages say what was expected and received. */
import type { NativeCrop, NativeFrame, NativePipnetParams, NativePreprocessParams } from '../../src/native/addon';
import { addon, expectCoded, expectRejects } from './helpers';

const frame = (): NativeFrame => ({ data: new Uint8Array(4 * 3 * 3), width: 4, height: 3, format: 0 });
const crop = { x: 0, y: 0, w: 4, h: 3 };
const params = (): NativePreprocessParams => ({ width: 2, height: 2, bgr: false, scale: 1, mean: [0, 0, 0], std: [1, 1, 1] });

describe('preprocess errors', () => {
  const cases: [string, () => [NativeFrame[], { x: number; y: number; w: number; h: number }[], NativePreprocessParams], string, string, string][] = [
    [
      'short data',
      () => [[{ ...frame(), data: new Uint8Array(35) }], [crop], params()],
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected at least 36 bytes (width 4 x height 3 x 3 channels) for `frames[0].data` but received 35 bytes',
    ],
    [
      'RGBA data sized for RGB',
      () => [[{ ...frame(), format: 2 }], [crop], params()],
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected at least 48 bytes (width 4 x height 3 x 4 channels) for `frames[0].data` but received 36 bytes',
    ],
    [
      'unknown format',
      () => [[{ ...frame(), format: 5 as NativeFrame['format'] }], [crop], params()],
      'TypeError',
      'ERR_INVALID_ARG_VALUE',
      'Expected a format 0..4 (RGB, BGR, RGBA, BGRA, GRAY) for `frames[0].format` but received 5',
    ],
    [
      'zero width',
      () => [[{ ...frame(), width: 0 }], [crop], params()],
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected an integer in 1..1073741824 for `frames[0].width` but received 0',
    ],
    [
      'data not a Uint8Array',
      () => [[{ ...frame(), data: new Float32Array(36) as unknown as Uint8Array }], [crop], params()],
      'TypeError',
      'ERR_INVALID_ARG_TYPE',
      'Expected a Uint8Array for `frames[0].data` but received Float32Array of length 36',
    ],
    [
      'crop count',
      () => [[frame(), frame()], [crop], params()],
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected 2 crops (one per frame) for `crops` but received 1',
    ],
    [
      'no frames',
      () => [[], [], params()],
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected at least one frame for `frames` but received 0 frames',
    ],
    [
      'crop of zero width',
      () => [[frame()], [{ ...crop, w: 0 }], params()],
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected a positive finite number for `crops[0].w` but received 0',
    ],
    [
      'NaN crop origin',
      () => [[frame()], [{ ...crop, x: NaN }], params()],
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected a finite number for `crops[0].x` but received NaN',
    ],
    [
      'zero std',
      () => [[frame()], [crop], { ...params(), std: [1, 0, 1] }],
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected a positive finite number for `contract.input.std[1]` but received 0',
    ],
    [
      'mean of 2 values',
      () => [[frame()], [crop], { ...params(), mean: [0, 0] as unknown as [number, number, number] }],
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected 3 values for `contract.input.mean` but received 2 values',
    ],
    [
      'huge model input',
      () => [[frame()], [crop], { ...params(), width: 100000 }],
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected an integer from 1 to 16384 for `contract.input.width` but received 100000',
    ],
    [
      'missing bgr',
      () => [[frame()], [crop], { ...params(), bgr: undefined as unknown as boolean }],
      'TypeError',
      'ERR_INVALID_ARG_TYPE',
      'Expected a boolean (true for "bgr") for `contract.input.colorOrder` but received undefined',
    ],
  ];

  test.each(cases)('%s: sync throws, async rejects with the same error', async (_n, args, name, code, message) => {
    const [f, c, p] = args();
    expectCoded(() => addon.preprocessSync(f, c, p), name as 'RangeError', code, message);
    await expectRejects(addon.preprocess(f, c, p), name as 'RangeError', code, message);
  });

  test('an output too large to allocate is a RangeError, not a crash', async () => {
    const frames = Array.from({ length: 200 }, frame);
    const crops = frames.map(() => crop);
    const huge = { ...params(), width: 16384, height: 16384 };
    const message =
      'Could not allocate an output of 161061273600 floats (644245094400 bytes): Invalid typed array length: 161061273600';
    expectCoded(() => addon.preprocessSync(frames, crops, huge), 'RangeError', 'ERR_OUT_OF_RANGE', message);
    await expectRejects(addon.preprocess(frames, crops, huge), 'RangeError', 'ERR_OUT_OF_RANGE', message);
  });

  test('frames that is not an array', () => {
    expectCoded(
      () => addon.preprocessSync(undefined as unknown as NativeFrame[], [], params()),
      'TypeError',
      'ERR_INVALID_ARG_TYPE',
      'Expected an array for `frames` but received undefined',
    );
  });
});

/**
 * The model input (contract.input) reaches the addon through several bindings; one reader in native/addon/napi_util
 * reads it, so the same bad value gets the same coded error, naming the contract field, from each of them. (The
 * TensorRT runtime's trtCreateRuntime reads it through the same reader, after loading TensorRT: no machine here has
 * TensorRT, so that binding is not exercised by this test.)
 */
describe('the model input side is read by one reader', () => {
  const good = { width: 2, height: 2 };
  const viaPreprocess = (side: { width: number; height: number }): [NativeFrame[], NativeCrop[], NativePreprocessParams] => [[frame()], [crop], { ...params(), ...side }];
  const priors = (side: { width: number; height: number }) => ({ inputWidth: side.width, inputHeight: side.height, clip: true, levels: [{ stride: 8, minSizes: [10] }] });
  const regression = (side: { width: number; height: number }) => ({ landmarks: 2, pixel: true, inputWidth: side.width, inputHeight: side.height });
  const c = { x: 0, y: 0, w: 1, h: 1 };

  test('the valid side passes every binding (the baseline the cases modify)', () => {
    expect(addon.preprocessSync(...viaPreprocess(good)).length).toBe(12);
    expect(addon.generatePriors(priors(good)).length).toBe(4);
    expect(addon.decodeRegression(new Float32Array(4), 1, 4, [c], regression(good)).points.length).toBe(4);
  });

  test.each([
    ['width 0', { ...good, width: 0 }, 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected an integer from 1 to 16384 for `contract.input.width` but received 0'],
    ['width 2.5', { ...good, width: 2.5 }, 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected an integer from 1 to 16384 for `contract.input.width` but received 2.5'],
    ['width 16385', { ...good, width: 16385 }, 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected an integer from 1 to 16384 for `contract.input.width` but received 16385'],
    ['width NaN', { ...good, width: NaN }, 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected an integer from 1 to 16384 for `contract.input.width` but received NaN'],
    ['width a string', { ...good, width: '4' as unknown as number }, 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected an integer from 1 to 16384 for `contract.input.width` but received string'],
    ['height -1', { ...good, height: -1 }, 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected an integer from 1 to 16384 for `contract.input.height` but received -1'],
  ] as const)('%s: preprocess, preprocessSync, generatePriors and decodeRegression say the same', async (_n, side, name, code, message) => {
    expectCoded(() => addon.preprocessSync(...viaPreprocess(side)), name, code, message);
    await expectRejects(addon.preprocess(...viaPreprocess(side)), name, code, message);
    expectCoded(() => addon.generatePriors(priors(side)), name, code, message);
    expectCoded(() => addon.decodeRegression(new Float32Array(4), 1, 4, [c], regression(side)), name, code, message);
  });
});

describe('decodePipnet errors', () => {
  const [L, nb, h, w] = [2, 2, 2, 3];
  const heads = () => ({
    cls: new Float32Array(L * h * w),
    x: new Float32Array(L * h * w),
    y: new Float32Array(L * h * w),
    nbX: new Float32Array(L * nb * h * w),
    nbY: new Float32Array(L * nb * h * w),
  });
  const p = (): NativePipnetParams => ({
    landmarks: L,
    neighbors: nb,
    gridWidth: w,
    gridHeight: h,
    maxLen: 1,
    reverseIndex1: Int32Array.from([1, 0]),
    reverseIndex2: Int32Array.from([0, 1]),
  });
  const c = { x: 0, y: 0, w: 1, h: 1 };

  test('valid input decodes (the baseline the error cases modify)', () => {
    expect(addon.decodePipnet(heads(), 1, [c], p()).points.length).toBe(L * 2);
  });

  test.each([
    [
      'cls too short',
      () => addon.decodePipnet({ ...heads(), cls: new Float32Array(11) }, 1, [c], p()),
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected 12 floats ([1, 2, 2, 3]) for `heads.cls` but received 11 floats',
    ],
    [
      'every head sized for a batch of 1 with batch 2 (cls is checked first)',
      () => addon.decodePipnet(heads(), 2, [c, c], p()),
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected 24 floats ([2, 2, 2, 3]) for `heads.cls` but received 12 floats',
    ],
    [
      'x too short',
      () => addon.decodePipnet({ ...heads(), x: new Float32Array(11) }, 1, [c], p()),
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected 12 floats ([1, 2, 2, 3]) for `heads.x` but received 11 floats',
    ],
    [
      'y too long',
      () => addon.decodePipnet({ ...heads(), y: new Float32Array(13) }, 1, [c], p()),
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected 12 floats ([1, 2, 2, 3]) for `heads.y` but received 13 floats',
    ],
    [
      'nbY sized for one neighbour fewer',
      () => addon.decodePipnet({ ...heads(), nbY: new Float32Array(L * (nb - 1) * h * w) }, 1, [c], p()),
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected 24 floats ([1, 4, 2, 3]) for `heads.nbY` but received 12 floats',
    ],
    [
      'nbX with the wrong neighbour count',
      () => addon.decodePipnet({ ...heads(), nbX: new Float32Array(L * 3 * h * w) }, 1, [c], p()),
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected 24 floats ([1, 4, 2, 3]) for `heads.nbX` but received 36 floats',
    ],
    [
      'reverse index out of range',
      () => addon.decodePipnet(heads(), 1, [c], { ...p(), reverseIndex1: Int32Array.from([1, 2]) }),
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected a landmark index 0..1 for `params.reverseIndex1[1]` but received 2',
    ],
    [
      'neighbour slot out of range',
      () => addon.decodePipnet(heads(), 1, [c], { ...p(), reverseIndex2: Int32Array.from([-1, 0]) }),
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected a neighbour slot 0..1 for `params.reverseIndex2[0]` but received -1',
    ],
    [
      'reverse index length',
      () => addon.decodePipnet(heads(), 1, [c], { ...p(), maxLen: 2 }),
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected 4 entries (landmarks 2 x maxLen 2) for `params.reverseIndex1` but received 2',
    ],
    [
      'crops count',
      () => addon.decodePipnet(heads(), 1, [c, c], p()),
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected 1 crops (one per batch item) for `crops` but received 2',
    ],
    [
      'batch 0',
      () => addon.decodePipnet(heads(), 0, [], p()),
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected an integer in 1..1048576 for `batch` but received 0',
    ],
    [
      'dimensions whose product overflows 64 bits',
      () =>
        addon.decodePipnet(heads(), 1, [c], {
          ...p(),
          landmarks: 1 << 20,
          neighbors: 1 << 20,
          gridWidth: 1 << 20,
          gridHeight: 1 << 20,
        }),
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'The size of heads.nbX overflows: its dimensions are too large',
    ],
    [
      'Float64Array head',
      () => addon.decodePipnet({ ...heads(), y: new Float64Array(12) as unknown as Float32Array }, 1, [c], p()),
      'TypeError',
      'ERR_INVALID_ARG_TYPE',
      'Expected a Float32Array for `heads.y` but received Float64Array of length 12',
    ],
    [
      'reverse index as a plain array',
      () => addon.decodePipnet(heads(), 1, [c], { ...p(), reverseIndex2: [0, 1] as unknown as Int32Array }),
      'TypeError',
      'ERR_INVALID_ARG_TYPE',
      'Expected an Int32Array for `params.reverseIndex2` but received array of length 2',
    ],
  ] as const)('%s', (_n, fn, name, code, message) => {
    expectCoded(fn, name, code, message);
  });
});

describe('decodeRegression errors', () => {
  const rp = { landmarks: 2, pixel: false, inputWidth: 8, inputHeight: 8 };
  const c = { x: 0, y: 0, w: 1, h: 1 };
  test.each([
    [
      'output length',
      () => addon.decodeRegression(new Float32Array(9), 2, 5, [c, c], rp),
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected 10 floats (batch 2 x rowStride 5) for `output` but received 9 floats',
    ],
    [
      'rowStride below 2L',
      () => addon.decodeRegression(new Float32Array(3), 1, 3, [c], rp),
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected at least 4 (2 x landmarks) for `rowStride` but received 3',
    ],
    [
      'crop height negative',
      () => addon.decodeRegression(new Float32Array(4), 1, 4, [{ ...c, h: -1 }], rp),
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected a positive finite number for `crops[0].h` but received -1',
    ],
    [
      'non-integer batch',
      () => addon.decodeRegression(new Float32Array(4), 1.5, 4, [c], rp),
      'RangeError',
      'ERR_OUT_OF_RANGE',
      'Expected an integer in 1..1048576 for `batch` but received 1.5',
    ],
    [
      'params missing',
      () => addon.decodeRegression(new Float32Array(4), 1, 4, [c], undefined as unknown as typeof rp),
      'TypeError',
      'ERR_INVALID_ARG_TYPE',
      'Expected an object for `params` but received undefined',
    ],
  ] as const)('%s', (_n, fn, name, code, message) => {
    expectCoded(fn, name, code, message);
  });
});
