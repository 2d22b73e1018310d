/** decodeRegression: normalised and pixel layouts, row strides wider than 2L (peppa-slim's 143), crops. */
import { addon, rng } from './helpers';

describe('decodeRegression', () => {
  test('normalised output maps through the crop: x = crop.x + n * crop.w', () => {
    const out = new Float32Array([0, 0, 1, 1, 0.5, 0.25]);
    const r = addon.decodeRegression(out, 1, 6, [{ x: 10, y: -20, w: 200, h: 100 }], {
      landmarks: 3,
      pixel: false,
      inputWidth: 224,
      inputHeight: 224,
    });
    expect(r.points).toBeInstanceOf(Float32Array);
    expect(Array.from(r.points)).toEqual([10, -20, 210, 80, 110, 5]);
    expect(r.scores).toBeUndefined();
  });

  test('pixel output is divided by the model input size (non-square input)', () => {
    const out = new Float32Array([160, 80, 40, 20]);
    const r = addon.decodeRegression(out, 1, 4, [{ x: 0, y: 0, w: 320, h: 160 }], {
      landmarks: 2,
      pixel: true,
      inputWidth: 160,
      inputHeight: 80,
    });
    expect(Array.from(r.points)).toEqual([320, 160, 80, 40]);
  });

  test('rowStride 143 with 68 points and a batch of 3: only the first 136 values of each row are read', () => {
    const rand = rng(9);
    const B = 3;
    const L = 68;
    const stride = 143;
    const out = Float32Array.from({ length: B * stride }, () => rand());
    // Poison the 7 trailing values of each row: reading them would show up as huge coordinates.
    for (let b = 0; b < B; b++) out.fill(1e6, b * stride + 2 * L, (b + 1) * stride);
    const crops = [
      { x: 5, y: 6, w: 100, h: 120 },
      { x: -30, y: 0, w: 50, h: 50 },
      { x: 0.5, y: 0.25, w: 7, h: 9 },
    ];
    for (const pixel of [false, true]) {
      const size = pixel ? 160 : 1;
      const r = addon.decodeRegression(out, B, stride, crops, { landmarks: L, pixel, inputWidth: 160, inputHeight: 160 });
      expect(r.points.length).toBe(B * L * 2);
      for (let b = 0; b < B; b++) {
        const c = crops[b]!;
        for (let i = 0; i < L; i++) {
          const nx = out[b * stride + 2 * i]! / size;
          const ny = out[b * stride + 2 * i + 1]! / size;
          expect(r.points[(b * L + i) * 2]).toBeCloseTo(c.x + nx * c.w, 4);
          expect(r.points[(b * L + i) * 2 + 1]).toBeCloseTo(c.y + ny * c.h, 4);
        }
      }
    }
  });
});
