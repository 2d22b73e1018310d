/** bench/args.ts and bench/stats.ts: flag parsing, coded errors with exact messages, percentiles. */
import { parseBenchArgs } from '../../bench/args';
import { quantile, summarize } from '../../bench/stats';

describe('parseBenchArgs', () => {
  test('defaults: three architectures, batches 1 and 8, both baselines, results/', () => {
    const c = parseBenchArgs([]);
    expect(c.archs).toEqual(['resnet50', 'mobilenetv3', 'pipnet']);
    expect(c.batches).toEqual([1, 8]);
    expect(c.baselines).toEqual(['handwritten', 'pytorch']);
    expect(c.backends).toBeUndefined();
    expect(c.precisions).toEqual(['fp16', 'fp32']);
    expect(c.outDir).toBe('results');
    expect(c.json).toBe(false);
  });

  test('lists accept commas and repeats; batches are sorted and unique', () => {
    const c = parseBenchArgs(['--batch', '8,1', '--batch=4', '--batch', '1', '--arch', 'pipnet', '--baselines', 'none', '--json']);
    expect(c.batches).toEqual([1, 4, 8]);
    expect(c.archs).toEqual(['pipnet']);
    expect(c.baselines).toEqual([]);
    expect(c.json).toBe(true);
  });

  test('--model with --config; --backend and --precision subsets', () => {
    const c = parseBenchArgs(['--model', 'm.onnx', '--config', 'm.json', '--backend', 'onnxruntime', '--precision', 'fp32']);
    expect(c.model).toBe('m.onnx');
    expect(c.config).toBe('m.json');
    expect(c.backends).toEqual(['onnxruntime']);
    expect(c.precisions).toEqual(['fp32']);
  });

  test.each([
    [['--batch', '0'], 'ERR_OUT_OF_RANGE', 'Expected positive integer up to 256 for `--batch` but received "0"'],
    [['--iterations', '2.5'], 'ERR_OUT_OF_RANGE', 'Expected positive integer for `--iterations` but received "2.5"'],
    [['--arch', 'vgg'], 'ERR_INVALID_ARG_VALUE', 'Unknown value "vgg" for --arch (expected resnet50, mobilenetv3, pipnet)'],
    [['--backend', 'cuda'], 'ERR_INVALID_ARG_VALUE', 'Unknown value "cuda" for --backend (expected onnxruntime, tensorrt)'],
    [['--model', 'm.onnx', '--arch', 'pipnet'], 'ERR_INVALID_ARG_VALUE', 'Use either --model or --arch, not both'],
    [['--config', 'c.json'], 'ERR_INVALID_ARG_VALUE', '--config needs --model'],
    [['--frobnicate'], 'ERR_INVALID_ARG_VALUE', 'Unknown flag --frobnicate'],
    [['extra'], 'ERR_INVALID_ARG_VALUE', 'Unexpected argument "extra" (flags start with --)'],
  ])('%j -> %s', (argv, code, message) => {
    let err: (Error & { code?: string }) | undefined;
    try {
      parseBenchArgs(argv as string[]);
    } catch (e) {
      err = e as Error & { code?: string };
    }
    expect(err?.code).toBe(code);
    expect(err?.message).toBe(message);
  });
});

describe('stats', () => {
  test('quantile interpolates linearly between order statistics (numpy "linear")', () => {
    const s = [1, 2, 3, 4, 10];
    expect(quantile(s, 0.5)).toBe(3);
    expect(quantile(s, 0.9)).toBeCloseTo(7.6, 10); // 4 + 0.6 * (10 - 4)
    expect(quantile(s, 0.99)).toBeCloseTo(9.76, 10);
    expect(quantile([5], 0.99)).toBe(5);
    expect(quantile([], 0.5)).toBeNaN();
  });

  test('summarize sorts its own copy', () => {
    const input = [3, 1, 2];
    const s = summarize(input);
    expect(s).toMatchObject({ n: 3, mean: 2, p50: 2, min: 1, max: 3 });
    expect(input).toEqual([3, 1, 2]);
  });
});
