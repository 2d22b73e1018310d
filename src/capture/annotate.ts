/**
 * Draws landmarks and the face box into a copy of a frame, as packed RGB (what sharp's JPEG encoder and the
 * recording ffmpeg take). Plain loops over the pixels: a few hundred dots cost microseconds, far less than
 * rendering an SVG overlay.
 */
import type { Box, RawFrame } from '../types';

export type Rgb = [number, number, number];

export interface AnnotateOptions {
  points: Float32Array;
  box?: Box | null;
  /** Colour of the box; the points are green. */
  boxColor?: Rgb;
  /** Dot radius in pixels. Default: about 1/240 of the shorter side, at least 1. */
  radius?: number;
}

export const POINT_COLOR: Rgb = [0, 255, 0];
export const TRACKED_COLOR: Rgb = [255, 210, 0];
export const SEARCH_COLOR: Rgb = [0, 160, 255];
export const LOST_COLOR: Rgb = [255, 40, 40];

/** A packed RGB copy of an rgb or bgr frame. */
export function toRgb(frame: RawFrame): Buffer {
  const { width, height, data } = frame;
  const n = width * height * 3;
  if (frame.format === 'rgb') return Buffer.from(data.subarray(0, n));
  if (frame.format !== 'bgr') throw new TypeError(`annotate: unsupported frame format ${frame.format}`);
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i += 3) {
    out[i] = data[i + 2];
    out[i + 1] = data[i + 1];
    out[i + 2] = data[i];
  }
  return out;
}

function fillRect(rgb: Buffer, w: number, h: number, x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
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

/** Draws onto a packed RGB buffer in place. */
export function drawOverlay(rgb: Buffer, width: number, height: number, o: AnnotateOptions): void {
  const r = o.radius ?? Math.max(1, Math.round(Math.min(width, height) / 240));
  if (o.box) {
    const [x, y, w, h] = o.box;
    const t = Math.max(1, Math.round(r / 1.5));
    const c = o.boxColor ?? TRACKED_COLOR;
    fillRect(rgb, width, height, x, y, x + w, y + t - 1, c);
    fillRect(rgb, width, height, x, y + h - t + 1, x + w, y + h, c);
    fillRect(rgb, width, height, x, y, x + t - 1, y + h, c);
    fillRect(rgb, width, height, x + w - t + 1, y, x + w, y + h, c);
  }
  const r2 = r * r + r;
  for (let i = 0; i + 1 < o.points.length; i += 2) {
    const px = Math.round(o.points[i]);
    const py = Math.round(o.points[i + 1]);
    if (!Number.isFinite(px) || !Number.isFinite(py)) continue;
    for (let dy = -r; dy <= r; dy++) {
      for (let dx = -r; dx <= r; dx++) {
        if (dx * dx + dy * dy > r2) continue;
        const x = px + dx;
        const y = py + dy;
        if (x < 0 || y < 0 || x >= width || y >= height) continue;
        const off = (y * width + x) * 3;
        rgb[off] = POINT_COLOR[0];
        rgb[off + 1] = POINT_COLOR[1];
        rgb[off + 2] = POINT_COLOR[2];
      }
    }
  }
}

/** An annotated packed-RGB copy of the frame. */
export function annotate(frame: RawFrame, o: AnnotateOptions): Buffer {
  const rgb = toRgb(frame);
  drawOverlay(rgb, frame.width, frame.height, o);
  return rgb;
}
