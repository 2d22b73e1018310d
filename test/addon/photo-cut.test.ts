/**
 * detectFaces hands the addon one small frame per face (cutAround in src/detector/photo.ts) instead of the whole
 * decoded region: preprocessing must read exactly the pixels it read before, so the model input is bit-identical.
 */
import { cutAround, toScaled, type ScaledFrame } from '../../src/detector/photo';
import type { NativeCrop, NativePreprocessParams } from '../../src/native/addon';
import { addon, randomFrame, rng } from './helpers';

const params: NativePreprocessParams = { width: 16, height: 12, bgr: true, scale: 1 / 255, mean: [0.5, 0.4, 0.3], std: [0.2, 0.3, 0.25] };

describe('cutAround', () => {
  test('preprocessing a crop from the cut equals preprocessing it from the region, bit for bit', () => {
    const rand = rng(7);
    for (const format of [0, 1, 2, 3]) {
      const region: ScaledFrame = { frame: randomFrame(rand, 97, 61, format), kx: 2, ky: 2, ox: 13, oy: 5 };
      for (let i = 0; i < 40; i++) {
        // Photo-pixel crops, some reaching past the region's edges, fractional positions and sizes.
        const w = 4 + rand() * 120;
        const h = 4 + rand() * 90;
        const crop: NativeCrop = { x: (region.ox - 20 + rand() * 130) * 2, y: (region.oy - 15 + rand() * 80) * 2, w, h };
        const cut = cutAround(region, crop);
        const full = addon.preprocessSync([region.frame], [toScaled(crop, region)], params);
        const part = addon.preprocessSync([cut.frame], [toScaled(crop, cut)], params);
        expect(part).toEqual(full);
        if (cut !== region) expect(cut.frame.width * cut.frame.height).toBeLessThan(region.frame.width * region.frame.height);
      }
    }
  });

  test('a crop wholly outside the region gets the region itself (all black either way)', () => {
    const region: ScaledFrame = { frame: randomFrame(rng(1), 10, 10, 0), kx: 1, ky: 1, ox: 0, oy: 0 };
    expect(cutAround(region, { x: 50, y: 50, w: 5, h: 5 })).toBe(region);
  });
});
