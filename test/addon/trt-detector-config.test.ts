/**
 * trtCreateRuntime's detector config (native/gpu/trt_runtime_binding.cc, ReadDetectorConfig) is read and checked
 * before TensorRT is loaded, so its argument errors are testable on any machine with a TensorRT build of the addon
 * (configs (c) and (d) of .ci/native-configs.sh); a CPU-only addon has no trtCreateRuntime and this file skips.
 */
import type { NativeTrtDetectorConfig } from '../../src/native/addon';
import { addon } from './helpers';

const create = addon.trtCreateRuntime;
const good = (): NativeTrtDetectorConfig => ({
  inputName: 'input', maxBatch: 1, width: 320, height: 240, bgr: false, scale: 1, mean: [127, 127, 127], std: [128, 128, 128],
  architecture: 'detector', scores: 'scores', boxes: 'boxes', priors: new Float32Array(8), scoreIndex: 1,
  centerVariance: 0.1, sizeVariance: 0.2, candidates: 200, iouThreshold: 0.3,
});
const plan = new Uint8Array(16);

// Guard() throws synchronously; a valid config gets as far as loading TensorRT (unavailable here: no GPU, or on a
// GPU machine a promise for the plan's deserialisation).
function attempt(config: unknown): unknown {
  try {
    const p = create!.call(addon, plan, config as NativeTrtDetectorConfig);
    p.catch(() => undefined);
    return 'reached TensorRT';
  } catch (err) {
    return (err as { code?: string }).code === 'ERR_BACKEND_UNAVAILABLE' ? 'reached TensorRT' : err;
  }
}

(create ? describe : describe.skip)('trtCreateRuntime: the detector config (no TensorRT library needed)', () => {
  if (!create) console.log('trt-detector-config: skipped, the addon was built without TensorRT (no trtCreateRuntime)');

  test('a valid detector config passes the reader (then TensorRT is looked for)', () => {
    expect(attempt(good())).toBe('reached TensorRT');
  });

  test.each([
    [{ scores: '' }, 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected a non-empty string for `config.scores` but received'],
    [{ boxes: 7 }, 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected a non-empty string for `config.boxes` but received'],
    [{ priors: new Float32Array(6) }, 'RangeError', 'ERR_OUT_OF_RANGE', 'config.priors'],
    [{ priors: new Float32Array(0) }, 'RangeError', 'ERR_OUT_OF_RANGE', 'config.priors'],
    [{ priors: [0, 0, 1, 1] }, 'TypeError', 'ERR_INVALID_ARG_TYPE', 'config.priors'],
    [{ sizeVariance: 0 }, 'RangeError', 'ERR_OUT_OF_RANGE', 'config.sizeVariance'],
    [{ iouThreshold: 1.5 }, 'RangeError', 'ERR_OUT_OF_RANGE', 'config.iouThreshold'],
    [{ candidates: 0 }, 'RangeError', 'ERR_OUT_OF_RANGE', 'config.candidates'],
    [{ architecture: 'ssd', landmarks: 68 }, 'TypeError', 'ERR_INVALID_ARG_VALUE', "Expected 'pipnet', 'regression' or 'detector' for `config.architecture`"],
  ])('%p is rejected', (patch, type, code, message) => {
    const err = attempt({ ...good(), ...patch }) as Error & { code?: string };
    expect(err.name).toBe(type); // names, not instanceof: the addon's errors come from another realm under jest
    expect(err.code).toBe(code);
    expect(err.message).toContain(message);
  });

  test('a detector config needs no `landmarks` (a landmark config still does)', () => {
    expect(attempt(good())).toBe('reached TensorRT');
    const { scores, boxes, priors, scoreIndex, centerVariance, sizeVariance, candidates, iouThreshold, ...input } = good();
    void [scores, boxes, priors, scoreIndex, centerVariance, sizeVariance, candidates, iouThreshold];
    const err = attempt({ ...input, architecture: 'regression', output: 'out', pixel: false }) as Error & { code?: string };
    expect(err.message).toContain('config.landmarks');
  });
});
