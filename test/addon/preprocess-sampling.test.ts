/**
 * preprocess: the sampling tables (per output column and row) against the per-pixel formula of docs/native.md.
 * The TS reference (helpers.ts) evaluates that formula in float64 in the same order as the C++, so on x64 (no FMA
 * contraction in the default build) the float32 output must equal the reference rounded to float32 exactly; on
 * other architectures the compiler may fuse multiply-adds, so there the check is a 1e-6 relative tolerance.
 */
import type { NativeCrop, NativeFrame, NativePreprocessParams } from '../../src/native/addon';
import { addon, maxRelDiff, randomFrame, referencePreprocess, rng } from './helpers';

const exact = process.arch === 'x64';

function expectMatchesFormula(got: Float32Array, frames: NativeFrame[], crops: NativeCrop[], p: NativePreprocessParams): void {
  const want = referencePreprocess(frames, crops, p);
  expect(got.length).toBe(want.length);
  if (exact) {
    let mismatches = 0;
    for (let i = 0; i < want.length; i++) if (!Object.is(got[i], Math.fround(want[i]!))) mismatches++;
    expect(mismatches).toBe(0);
  } else {
    expect(maxRelDiff(got, want)).toBeLessThan(1e-6);
  }
}

const params = (width: number, height: number, rand: () => number): NativePreprocessParams => {
  const bgr = rand() < 0.5;
  return rand() < 0.5
    ? { width, height, bgr, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }
    : { width, height, bgr, scale: -0.75, mean: [0, 12.5, -40], std: [0.5, 3, 1e-3] };
};

describe(`preprocess sampling tables vs the per-pixel formula (${exact ? 'bit-exact on x64' : `within 1e-6 on ${process.arch}`})`, () => {
  const rand = rng(2024);
  const cases: [string, NativeFrame, NativeCrop, NativePreprocessParams][] = [];
  const frameSizes: [number, number][] = [
    [1, 1],
    [1, 5],
    [6, 1],
    [13, 11],
    [40, 24],
  ];
  for (const [w, h] of frameSizes) {
    for (let format = 0; format <= 4; format++) {
      const frame = randomFrame(rand, w, h, format);
      const crops: [string, NativeCrop][] = [
        // Rows inside, every column outside (and the reverse): whole rows / columns of black.
        ['columns outside', { x: w + 2, y: 0, w, h }],
        ['rows outside', { x: 0, y: -3 * h - 1, w, h }],
        // Integer crops put samples exactly on -0.5 and W - 0.5 (the inclusive edges).
        ['integer, 1 px margin', { x: -1, y: -1, w: w + 2, h: h + 2 }],
        // Strong upscaling: many output columns share the same source pair.
        ['tiny crop', { x: w * 0.3, y: h * 0.6, w: 0.37, h: 0.29 }],
        // Far away and enormous: coordinates far outside int range must not be converted.
        ['huge', { x: -3e9, y: 2e9, w: 7e9, h: 5e9 }],
        ['fractional, straddling', { x: -w * 0.37, y: h * 0.41, w: w * 1.13, h: h * 0.93 }],
      ];
      for (const [cname, crop] of crops) {
        const ow = 1 + Math.floor(rand() * 29);
        const oh = 1 + Math.floor(rand() * 29);
        cases.push([`${w}x${h} format ${format} ${cname} -> ${ow}x${oh}`, frame, crop, params(ow, oh, rand)]);
      }
    }
  }

  test.each(cases)('%s', (_name, frame, crop, p) => {
    expectMatchesFormula(addon.preprocessSync([frame], [crop], p), [frame], [crop], p);
  });

  test('a batch of frames of different sizes and formats: each frame gets its own tables', async () => {
    const frames = [randomFrame(rand, 31, 7, 2), randomFrame(rand, 3, 40, 4), randomFrame(rand, 64, 48, 1), randomFrame(rand, 1, 1, 0)];
    const crops: NativeCrop[] = [
      { x: -4.25, y: 1.5, w: 20, h: 20 },
      { x: 0, y: 0, w: 3, h: 40 },
      { x: 60, y: 40, w: 30, h: 30 },
      { x: -0.5, y: -0.5, w: 1, h: 1 },
    ];
    const p = params(23, 17, rand);
    const sync = addon.preprocessSync(frames, crops, p);
    expectMatchesFormula(sync, frames, crops, p);
    expect(await addon.preprocess(frames, crops, p)).toEqual(sync);
  });

  test('outside the frame is exactly the normalised black of each channel, including the sign of zero', () => {
    // scale < 0 with mean 0: black is (0 * -1 - 0) / 1 = -0 in C++ and JS alike; the output keeps the sign.
    const f = randomFrame(rand, 4, 4, 0);
    const p: NativePreprocessParams = { width: 6, height: 2, bgr: false, scale: -1, mean: [0, 5, -5], std: [1, 2, 4] };
    const out = addon.preprocessSync([f], [{ x: 100, y: 0, w: 4, h: 4 }], p);
    for (let c = 0; c < 3; c++) {
      const black = Math.fround((0 * p.scale - p.mean[c]!) / p.std[c]!);
      for (let i = 0; i < 12; i++) expect(Object.is(out[c * 12 + i], black)).toBe(true);
    }
  });
});
