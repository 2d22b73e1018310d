/** Coordinate maps of the scaled photo decode (src/detector/photo.ts), by hand. */
import { pointsToPhoto, shrinkFor, toScaled } from '../../src/detector/photo';
import type { NativeFrame } from '../../src/native/addon';

const frame = {} as NativeFrame;

test('shrinkFor: the largest of 8, 4, 2, 1 keeping the image at least the size asked', () => {
  expect(shrinkFor(4000, 3000, 320, 240)).toBe(8); // 500 x 375
  expect(shrinkFor(1280, 720, 320, 240)).toBe(2); // 640 x 360; 4 would give 320 x 180
  expect(shrinkFor(512, 512, 320, 240)).toBe(1);
  expect(shrinkFor(300, 300, 120, 120)).toBe(2);
});

test('crop windows scale by k and shift by the region origin; points map pixel centres', () => {
  const s = { frame, kx: 2, ky: 4, ox: 10, oy: 5 };
  expect(toScaled({ x: 100, y: 80, w: 40, h: 40 }, s)).toEqual({ x: 40, y: 15, w: 20, h: 10 });
  // x: (0 + 10 + 0.5) * 2 - 0.5 = 20.5, (1.5 + 10 + 0.5) * 2 - 0.5 = 23.5; y: (0 + 5 + 0.5) * 4 - 0.5 = 21.5, (2 + 5 + 0.5) * 4 - 0.5 = 29.5.
  expect(Array.from(pointsToPhoto(new Float32Array([0, 0, 1.5, 2]), s))).toEqual([20.5, 21.5, 23.5, 29.5]);
});
