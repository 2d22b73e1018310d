import { expandBox, landmarkBox, lossReason, trackingOptions } from '../../src/capture/tracker';
import type { Box } from '../../src/types';

const frame = { width: 640, height: 480 };
const opts = trackingOptions();

describe('tracker geometry and loss', () => {
  test('landmarkBox is the tight box of the points', () => {
    expect(landmarkBox(new Float32Array([10, 20, 30, 5, 15, 40]))).toEqual([10, 5, 20, 35]);
  });

  test('expandBox scales about the centre', () => {
    expect(expandBox([100, 100, 50, 20], 2)).toEqual([75, 90, 100, 40]);
    expect(expandBox([100, 100, 50, 20], 1)).toEqual([100, 100, 50, 20]);
  });

  test('a steady face is not lost', () => {
    const prev: Box = [200, 150, 100, 120];
    expect(lossReason([210, 155, 102, 118], prev, undefined, frame, opts)).toBeNull();
    expect(lossReason([210, 155, 102, 118], prev, new Float32Array([0.9, 0.8]), frame, opts)).toBeNull();
  });

  test('low mean score, jump, scale change and degenerate boxes are losses', () => {
    const prev: Box = [200, 150, 100, 100];
    expect(lossReason([200, 150, 100, 100], prev, new Float32Array([0.1, 0.2]), frame, opts)).toBe('score');
    expect(lossReason([200 + 61, 150, 100, 100], prev, undefined, frame, opts)).toBe('jump');
    expect(lossReason([200 + 49, 150, 100, 100], prev, undefined, frame, opts)).toBeNull();
    expect(lossReason([200, 150, 160, 160], prev, undefined, frame, opts)).toBe('scale');
    expect(lossReason([200, 150, 60, 60], prev, undefined, frame, opts)).toBe('scale');
    expect(lossReason([200, 150, 2, 100], null, undefined, frame, opts)).toBe('degenerate');
    expect(lossReason([700, 150, 100, 100], null, undefined, frame, opts)).toBe('degenerate');
    expect(lossReason([NaN, 150, 100, 100], null, undefined, frame, opts)).toBe('degenerate');
  });

  test('without a previous box there is no jump test', () => {
    expect(lossReason([500, 300, 100, 100], null, undefined, frame, opts)).toBeNull();
  });

  test('options: defaults, overrides and validation', () => {
    // The defaults docs/capture.md promises (expand 1, minScore 0.2, maxJump 0.5, maxScaleChange 1.5).
    expect(trackingOptions()).toEqual({ expand: 1, minScore: 0.2, maxJump: 0.5, maxScaleChange: 1.5 });
    expect(trackingOptions({ maxJump: 1 }).maxJump).toBe(1);
    expect(() => trackingOptions({ expand: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: 'Expected number in (0, 10] for `tracking.expand` but received 0' }),
    );
    expect(() => trackingOptions({ minScore: 'x' as unknown as number })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: 'Expected number in [0, 1] for `tracking.minScore` but received "x"' }),
    );
    expect(() => trackingOptions({ maxScaleChange: 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: 'Expected number greater than 1 for `tracking.maxScaleChange` but received 1' }),
    );
  });
});
