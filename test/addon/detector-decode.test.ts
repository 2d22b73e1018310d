/**
 * The native detector decoding (native/core/detector_decode.cc) against hand-computed cases and against the plain JS
 * port of the UltraFace repository's Python (bench/ultraface-js.ts) on random outputs.
 */
import { jsDecodeFaces, jsPriors } from '../../bench/ultraface-js';
import type { NativeDetectParams } from '../../src/native/addon';
import { addon, rng } from './helpers';

const ULTRAFACE = {
  inputWidth: 320,
  inputHeight: 240,
  clip: true,
  levels: [
    { stride: 8, minSizes: [10, 16, 24] },
    { stride: 16, minSizes: [32, 48] },
    { stride: 32, minSizes: [64, 96] },
    { stride: 64, minSizes: [128, 192, 256] },
  ],
};

const PARAMS: NativeDetectParams = {
  centerVariance: 0.1,
  sizeVariance: 0.2,
  scoreStride: 2,
  scoreIndex: 1,
  minScore: 0.5,
  minSize: 0,
  candidates: 200,
  iouThreshold: 0.3,
  maxDetections: 100,
};

const UNIT = { x: 0, y: 0, w: 1, h: 1 };

describe('generatePriors', () => {
  test('UltraFace 320x240: 40x30x3 + 20x15x2 + 10x8x2 + 5x4x3 = 4420 priors; first and ragged-level values by hand', () => {
    const p = addon.generatePriors(ULTRAFACE);
    expect(p.length).toBe(4420 * 4);
    // First prior: cell (0, 0) of stride 8 (40x30 cells), size 10 px.
    expect(Array.from(p.subarray(0, 4))).toEqual([0.5 / 40, 0.5 / 30, 10 / 320, 10 / 240].map(Math.fround));
    // Level 3 (stride 32): 240 / 32 = 7.5 -> 8 rows; its first prior sits after 3600 + 600 priors, centre (0.5/10, 0.5/8).
    expect(Array.from(p.subarray(4200 * 4, 4200 * 4 + 4))).toEqual([0.05, 0.0625, 64 / 320, 64 / 240].map(Math.fround));
    // Last prior: cell (4, 3) of the 5x4 map, size 256 px -> height 256/240 clamped to 1.
    expect(Array.from(p.subarray(4419 * 4))).toEqual([4.5 / 5, 3.5 / 4, 256 / 320, 1].map(Math.fround));
  });

  test('equals the JS port of generate_priors everywhere', () => {
    const js = jsPriors({ width: 320, height: 240, strides: [8, 16, 32, 64], minSizes: ULTRAFACE.levels.map((l) => l.minSizes), clip: true });
    expect(Array.from(addon.generatePriors(ULTRAFACE))).toEqual(js.flat().map(Math.fround));
  });

  test('bad parameters are coded errors naming the field', () => {
    expect(() => addon.generatePriors({ ...ULTRAFACE, levels: [] })).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: expect.stringContaining('params.levels') }));
    expect(() => addon.generatePriors({ ...ULTRAFACE, levels: [{ stride: 8, minSizes: [] }] })).toThrow(/params\.levels\[0\]\.minSizes/);
    expect(() => addon.generatePriors({ ...ULTRAFACE, levels: [{ stride: 8, minSizes: [-1] }] })).toThrow(/minSizes/);
  });
});

describe('decodeDetections', () => {
  // One prior at the centre, 0.2 x 0.4 of the input.
  const prior = new Float32Array([0.5, 0.5, 0.2, 0.4]);

  test('zero offsets give the prior itself, mapped through the crop', () => {
    const r = addon.decodeDetections(new Float32Array([0.1, 0.9]), new Float32Array(4), prior, { x: 100, y: 50, w: 200, h: 100 }, PARAMS);
    // x = 100 + (0.5 - 0.1) * 200 = 180, y = 50 + (0.5 - 0.2) * 100 = 80, w = 0.2 * 200 = 40, h = 0.4 * 100 = 40.
    expect(Array.from(r.boxes)).toEqual([180, 80, 40, 40]);
    expect(Array.from(r.scores)).toEqual([Math.fround(0.9)]);
  });

  test('offsets: centre moves by offset x 0.1 x prior size, size scales by exp(offset x 0.2)', () => {
    // dx = 1 -> cx = 0.5 + 0.1 * 0.2 = 0.52; dw = 5 -> w = 0.2 * e; dy = -2 -> cy = 0.5 - 0.2 * 0.4 = 0.42; dh = 0 -> h = 0.4.
    const r = addon.decodeDetections(new Float32Array([0, 1]), new Float32Array([1, -2, 5, 0]), prior, UNIT, PARAMS);
    const w = 0.2 * Math.E;
    expect(r.boxes[0]).toBeCloseTo(0.52 - w / 2, 6);
    expect(r.boxes[1]).toBeCloseTo(0.42 - 0.2, 6);
    expect(r.boxes[2]).toBeCloseTo(w, 6);
    expect(r.boxes[3]).toBeCloseTo(0.4, 6);
  });

  test('score threshold, min size (larger side, image pixels) and NaN scores', () => {
    const two = new Float32Array([0.5, 0.5, 0.2, 0.4, 0.5, 0.5, 0.02, 0.04]);
    const scores = new Float32Array([0, 0.6, 0, 0.6]);
    const crop = { x: 0, y: 0, w: 1000, h: 1000 };
    expect(addon.decodeDetections(scores, new Float32Array(8), two, crop, PARAMS).scores.length).toBe(2);
    // The second box is 20 x 40 px: minSize 41 drops it, 40 keeps it.
    expect(addon.decodeDetections(scores, new Float32Array(8), two, crop, { ...PARAMS, minSize: 41 }).scores.length).toBe(1);
    expect(addon.decodeDetections(scores, new Float32Array(8), two, crop, { ...PARAMS, minSize: 40 }).scores.length).toBe(2);
    expect(addon.decodeDetections(scores, new Float32Array(8), two, crop, { ...PARAMS, minScore: 0.61 }).scores.length).toBe(0);
    expect(addon.decodeDetections(new Float32Array([0, NaN, 0, 0.7]), new Float32Array(8), two, crop, PARAMS).scores.length).toBe(1);
  });

  test('NMS: IoU 1/3 is kept at threshold 0.3 only if <= threshold; the best box wins; maxDetections caps', () => {
    // Three priors of width 0.2, height 0.2 at x centres 0.3, 0.4 and 0.8 (same y): A-B overlap 0.1 of 0.2 -> IoU 1/3,
    // A-C and B-C do not overlap.
    const priors = new Float32Array([0.3, 0.5, 0.2, 0.2, 0.4, 0.5, 0.2, 0.2, 0.8, 0.5, 0.2, 0.2]);
    const scores = new Float32Array([0, 0.8, 0, 0.9, 0, 0.7]);
    const off = new Float32Array(12);
    const keepAll = addon.decodeDetections(scores, off, priors, UNIT, { ...PARAMS, iouThreshold: 0.34 });
    expect(Array.from(keepAll.scores)).toEqual([0.9, 0.8, 0.7].map(Math.fround));
    const nms = addon.decodeDetections(scores, off, priors, UNIT, PARAMS);
    expect(Array.from(nms.scores)).toEqual([0.9, 0.7].map(Math.fround)); // B suppresses A
    expect(nms.boxes[0]).toBeCloseTo(0.3, 6); // B's left edge: 0.4 - 0.1
    const one = addon.decodeDetections(scores, off, priors, UNIT, { ...PARAMS, maxDetections: 1 });
    expect(Array.from(one.scores)).toEqual([Math.fround(0.9)]);
    // candidates = 1: only the best candidate enters NMS.
    expect(addon.decodeDetections(scores, off, priors, UNIT, { ...PARAMS, candidates: 1 }).scores.length).toBe(1);
  });

  test('thousands of candidates are bounded by candidates, NMS and maxDetections', () => {
    const priors = addon.generatePriors(ULTRAFACE);
    const n = priors.length / 4;
    const scores = new Float32Array(2 * n).map((_, i) => (i % 2 ? 0.99 : 0.01));
    const r = addon.decodeDetections(scores, new Float32Array(4 * n), priors, { x: 0, y: 0, w: 640, h: 480 }, { ...PARAMS, maxDetections: 5 });
    expect(r.scores.length).toBe(5);
    expect(r.boxes.length).toBe(20);
  });

  test('equals the JS port (threshold, decoding, stable order, hard NMS) on random UltraFace outputs', () => {
    const priors = addon.generatePriors(ULTRAFACE);
    const jsP = jsPriors({ width: 320, height: 240, strides: [8, 16, 32, 64], minSizes: ULTRAFACE.levels.map((l) => l.minSizes), clip: true });
    const n = priors.length / 4;
    for (let seed = 1; seed <= 5; seed++) {
      const rand = rng(seed);
      const scores = new Float32Array(2 * n);
      for (let k = 0; k < n; k++) {
        const s = rand() < 0.05 ? 0.5 + rand() / 2 : rand() * 0.5;
        scores[2 * k + 1] = s;
        scores[2 * k] = 1 - s;
      }
      const off = new Float32Array(4 * n).map(() => (rand() - 0.5) * 4);
      const crop = { x: -20, y: 10, w: 800, h: 600 };
      const params = { ...PARAMS, minScore: 0.6, minSize: 12, maxDetections: 50 };
      const nat = addon.decodeDetections(scores, off, priors, crop, params);
      const js = jsDecodeFaces(scores, off, jsP, {
        minScore: 0.6, iouThreshold: 0.3, candidates: 200, maxFaces: 50, minSize: 12, variances: [0.1, 0.2], crop,
      });
      expect(nat.scores.length).toBe(js.length);
      expect(nat.scores.length).toBeGreaterThan(5);
      js.forEach((f, i) => {
        expect(nat.scores[i]).toBe(f.score);
        for (let c = 0; c < 4; c++) expect(Math.abs(nat.boxes[4 * i + c] - f.box[c])).toBeLessThan(1e-3);
      });
    }
  });

  test('sizes that disagree are coded errors naming the output', () => {
    const p = new Float32Array([0.5, 0.5, 0.2, 0.4]);
    expect(() => addon.decodeDetections(new Float32Array(3), new Float32Array(4), p, UNIT, PARAMS)).toThrow(
      expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: expect.stringContaining('`scores`') }),
    );
    expect(() => addon.decodeDetections(new Float32Array(2), new Float32Array(8), p, UNIT, PARAMS)).toThrow(/`boxes`/);
    expect(() => addon.decodeDetections(new Float32Array(2), new Float32Array(4), p, UNIT, { ...PARAMS, scoreIndex: 2 })).toThrow(/scoreIndex/);
    expect(() => addon.decodeDetections(new Float32Array(2), new Float32Array(4), p, { x: 0, y: 0, w: 0, h: 1 }, PARAMS)).toThrow(/crop\.w/);
  });
});
