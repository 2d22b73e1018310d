/** The CLI argument parser, --box parsing, and TrtLandmarker.create option validation (no model needed). */
import { flag, flagAll, has, parseArgs } from '../../src/cli/args';
import { parseBox } from '../../src/cli/commands/detect';
import { validateOptions } from '../../src/landmarker';
import { defaultDetectorFiles, defaultLandmarkFiles } from '../../src/bundled-models';

describe('parseArgs', () => {
  const spec = { booleans: ['json'], values: ['model', 'box', 'overlay'] };
  test('positionals, --flag value, --flag=value, booleans, repeats, --', () => {
    const a = parseArgs(['img.jpg', '--model', 'm.onnx', '--box=1,2,3,4', '--json', '--overlay', 'a.png', '--overlay', 'b.png', '--', '--weird'], spec);
    expect(a.positional).toEqual(['img.jpg', '--weird']);
    expect(flag(a, 'model')).toBe('m.onnx');
    expect(flag(a, 'box')).toBe('1,2,3,4');
    expect(has(a, 'json')).toBe(true);
    expect(flag(a, 'overlay')).toBe('b.png');
    expect(flagAll(a, 'overlay')).toEqual(['a.png', 'b.png']);
    expect(has(a, 'box')).toBe(true);
    expect(flag(a, 'nothing')).toBeUndefined();
  });
  test.each<[string[], string]>([
    [['--nope'], 'Unknown flag --nope'],
    [['--model'], 'Flag --model needs a value'],
    [['--json=1'], 'Flag --json takes no value but received "1"'],
  ])('%j -> %s', (argv, message) => {
    try {
      parseArgs(argv, spec);
      throw new Error('no throw');
    } catch (e) {
      expect((e as { code?: string }).code).toBe('ERR_INVALID_ARG_VALUE');
      expect((e as Error).message).toBe(message);
    }
  });
});

describe('parseBox', () => {
  test('4 comma-separated numbers', () => {
    expect(parseBox('10,20.5, 30,-4')).toEqual([10, 20.5, 30, -4]);
  });
  test.each(['1,2,3', '1,2,3,4,5', 'a,b,c,d', '1,,3,4', ''])('rejects %j', (text) => {
    expect(() => parseBox(text)).toThrow(`Expected --box x,y,w,h (4 numbers) but received "${text}"`);
  });
});

describe('validateOptions', () => {
  test('defaults', () => {
    const o = validateOptions({ model: 'm.onnx' });
    expect(o).toMatchObject({ model: 'm.onnx', backend: 'auto', precision: 'fp16', explicitPrecision: false, maxBatch: 8 });
    expect(o.cacheDir.length).toBeGreaterThan(0);
    expect(validateOptions({ model: 'm.onnx', precision: 'fp32', maxBatch: 256, threads: 2, cacheDir: '/tmp/c' })).toMatchObject({
      precision: 'fp32',
      explicitPrecision: true,
      maxBatch: 256,
      threads: 2,
      cacheDir: '/tmp/c',
    });
  });
  test('no model: the shipped model and contract, and the shipped detector; detector false or a user one', () => {
    const lf = defaultLandmarkFiles();
    expect(validateOptions({})).toMatchObject({ model: lf.model, config: lf.config, detector: defaultDetectorFiles() });
    expect(validateOptions()).toMatchObject({ model: lf.model });
    expect(validateOptions({ model: 'm.onnx', detector: false }).detector).toBeNull();
    expect(validateOptions({ model: 'm.onnx', detector: { model: 'd.onnx' } }).detector).toEqual({ model: 'd.onnx', config: 'd.json', explicit: true });
  });
  test.each<[string, unknown, string, string, string]>([
    ['options not an object', 'm.onnx', 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected an object for `options` but received "m.onnx"'],
    ['model not a string', { model: 3 }, 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected a path to an ONNX file for `model` but received 3'],
    ['config without model', { config: 'c.json' }, 'TypeError', 'ERR_INVALID_ARG_VALUE', 'Expected no config without a model (the default model brings its own contract) for `config` but received "c.json"'],
    ['detector', { model: 'm', detector: 'ultraface.onnx' }, 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected false or { model: path of an ONNX face detector, config?: its contract object or JSON path } for `detector` but received "ultraface.onnx"'],
    ['detector key', { model: 'm', detector: { model: 'd.onnx', modle: 1 } }, 'TypeError', 'ERR_INVALID_ARG_VALUE', 'Expected only the keys model, config for `detector` but received "key modle"'],
    ['model empty', { model: '' }, 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected a path to an ONNX file for `model` but received ""'],
    ['unknown option', { model: 'm', modle: 1 }, 'TypeError', 'ERR_INVALID_ARG_VALUE', 'Expected only the options model, backend, precision, maxBatch, cacheDir, config, threads, onProgress, detector for `options` but received "option modle"'],
    ['backend', { model: 'm', backend: 'cuda' }, 'TypeError', 'ERR_INVALID_ARG_VALUE', 'Expected one of "auto", "tensorrt", "onnxruntime" for `backend` but received "cuda"'],
    ['backend type', { model: 'm', backend: 1 }, 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected one of "auto", "tensorrt", "onnxruntime" for `backend` but received 1'],
    ['precision', { model: 'm', precision: 'int8' }, 'TypeError', 'ERR_INVALID_ARG_VALUE', 'Expected one of "fp16", "fp32" for `precision` but received "int8"'],
    ['maxBatch -1', { model: 'm', maxBatch: -1 }, 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected a positive integer <= 256 for `maxBatch` but received -1'],
    ['maxBatch 257', { model: 'm', maxBatch: 257 }, 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected a positive integer <= 256 for `maxBatch` but received 257'],
    ['maxBatch 1.5', { model: 'm', maxBatch: 1.5 }, 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected a positive integer <= 256 for `maxBatch` but received 1.5'],
    ['maxBatch string', { model: 'm', maxBatch: '8' }, 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected a positive integer <= 256 for `maxBatch` but received "8"'],
    ['threads 0', { model: 'm', threads: 0 }, 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected a positive integer <= 1024 for `threads` but received 0'],
    ['cacheDir', { model: 'm', cacheDir: 5 }, 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected a directory path string for `cacheDir` but received 5'],
    ['config', { model: 'm', config: 5 }, 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected a contract object or the path of a contract JSON file for `config` but received 5'],
    ['config array', { model: 'm', config: [] }, 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected a contract object or the path of a contract JSON file for `config` but received array of length 0'],
    ['onProgress', { model: 'm', onProgress: 'x' }, 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected a function for `onProgress` but received "x"'],
  ])('%s', (_n, options, name, code, message) => {
    let err: unknown;
    try {
      validateOptions(options);
    } catch (e) {
      err = e;
    }
    expect(err).toBeDefined();
    expect((err as Error).constructor.name).toBe(name);
    expect((err as { code?: string }).code).toBe(code);
    expect((err as Error).message).toBe(message);
  });
});
