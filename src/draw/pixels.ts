/**
 * Landmark dots and face boxes drawn straight into a packed RGB buffer (see ./rgb). Plain loops over the pixels: a
 * few hundred dots cost microseconds, far less than rendering an SVG, which is why the live preview and the
 * recording draw this way.
 */
import type { Box } from '../types';

export type Rgb = readonly [number, number, number];

/** Fills the pixels of columns x0..x1 and rows y0..y1 (inclusive, clipped to the image). */
export function fillRect(rgb: Buffer, w: number, h: number, x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
  const xa = Math.max(0, Math.floor(x0));
  const ya = Math.max(0, Math.floor(y0));
  const xb = Math.min(w - 1, Math.floor(x1));
  const yb = Math.min(h - 1, Math.floor(y1));
  for (let y = ya; y <= yb; y++) {
    for (let x = xa; x <= xb; x++) {
      const o = (y * w + x) * 3;
      rgb[o] = c[0];
      rgb[o + 1] = c[1];
      rgb[o + 2] = c[2];
    }
  }
}

/** The outline of `box` ([x, y, w, h]), `thickness` pixels wide, inside the box. */
export function strokeBox(rgb: Buffer, width: number, height: number, box: Box, thickness: number, c: Rgb): void {
  const [x, y, w, h] = box;
  const t = thickness;
  fillRect(rgb, width, height, x, y, x + w, y + t - 1, c);
  fillRect(rgb, width, height, x, y + h - t + 1, x + w, y + h, c);
  fillRect(rgb, width, height, x, y, x + t - 1, y + h, c);
  fillRect(rgb, width, height, x + w - t + 1, y, x + w, y + h, c);
}

/**
 * A filled disc of `radius` pixels at each x,y pair (a point is the centre of pixel (round(x), round(y))).
 * Non-finite pairs are skipped; discs are clipped to the image.
 */
export function fillDots(rgb: Buffer, width: number, height: number, points: ArrayLike<number>, radius: number, c: Rgb): void {
  const r = radius;
  const r2 = r * r + r;
  for (let i = 0; i + 1 < points.length; i += 2) {
    const px = Math.round(points[i]);
    const py = Math.round(points[i + 1]);
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    for (let dy = -r; dy <= r; dy++) {
      for (let dx = -r; dx <= r; dx++) {
        if (dx * dx + dy * dy > r2) continue;
        const x = px + dx;
        const y = py + dy;
        if (x < 0 || y < 0 || x >= width || y >= height) continue;
        const off = (y * width + x) * 3;
        rgb[off] = c[0];
        rgb[off + 1] = c[1];
        rgb[off + 2] = c[2];
      }
    }
  }
}
