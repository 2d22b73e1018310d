/**
 * Draws landmark overlays: one or more point sets (e.g. prediction vs ground truth, each its own colour) and
 * optional rectangles (face box, crop window) over an image, rendered as an SVG composited with sharp, written
 * as PNG. Used by `trt-landmarker detect --overlay` and by evaluation reports.
 */
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { invalidType } from './errors';
import { decodeInput } from './input/decode';
import { NativeFormat, type NativeFrame } from './native/addon';
import type { Box, ImageInput } from './types';

export interface PointSet {
  /** x,y pairs in image pixels (0-indexed). Non-finite pairs are skipped. */
  points: ArrayLike<number>;
  /** CSS colour. Default: green for the first set, then red, blue, orange, magenta. */
  color?: string;
  /** Dot radius in pixels. Default: options.radius. */
  radius?: number;
  /** Legend text (drawn top-left when any set has one). */
  label?: string;
}

export interface OverlayRect {
  /** [x, y, w, h] or a crop window {x, y, w, h}, in image pixels. */
  rect: Box | { x: number; y: number; w: number; h: number };
  color?: string;
}

export interface OverlayOptions {
  /** PNG path to write (folders are created). Without it only the PNG bytes are returned. */
  out?: string;
  /** Colour of a single point set given as a bare array. Default 'lime'. */
  color?: string;
  /** Default dot radius: about 1/200 of the smaller image side, at least 1. */
  radius?: number;
  /** A face box drawn in yellow. */
  box?: Box;
  /** Further rectangles (e.g. the crop window). */
  rects?: OverlayRect[];
}

const PALETTE = ['lime', 'red', 'deepskyblue', 'orange', 'magenta'];

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** RGB copy of a frame of any format (sharp's raw input is RGB / gray / RGBA ordered). */
function toRgb(f: NativeFrame): Buffer {
  const n = f.width * f.height;
  if (f.format === NativeFormat.RGB) return Buffer.from(f.data.buffer, f.data.byteOffset, f.data.length);
  const out = Buffer.alloc(n * 3);
  const src = f.data;
  for (let i = 0; i < n; i++) {
    let r: number, g: number, b: number;
    switch (f.format) {
      case NativeFormat.BGR: [b, g, r] = [src[3 * i], src[3 * i + 1], src[3 * i + 2]]; break;
      case NativeFormat.RGBA: [r, g, b] = [src[4 * i], src[4 * i + 1], src[4 * i + 2]]; break;
      case NativeFormat.BGRA: [b, g, r] = [src[4 * i], src[4 * i + 1], src[4 * i + 2]]; break;
      default: r = g = b = src[i];
    }
    out[3 * i] = r;
    out[3 * i + 1] = g;
    out[3 * i + 2] = b;
  }
  return out;
}

function rectSvg(r: OverlayRect['rect'], color: string, stroke: number): string {
  const [x, y, w, h] = Array.isArray(r) ? r : [r.x, r.y, r.w, r.h];
  return `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="${esc(color)}" stroke-width="${stroke}"/>`;
}

export function overlaySvg(width: number, height: number, sets: PointSet[], options: OverlayOptions = {}): string {
  const radius = options.radius ?? Math.max(1, Math.round(Math.min(width, height) / 200));
  const stroke = Math.max(1, Math.round(radius / 2));
  const parts: string[] = [];
  if (options.box) parts.push(rectSvg(options.box, 'yellow', stroke));
  for (const r of options.rects ?? []) parts.push(rectSvg(r.rect, r.color ?? 'cyan', stroke));
  sets.forEach((s, k) => {
    const color = esc(s.color ?? (sets.length === 1 && options.color ? options.color : PALETTE[k % PALETTE.length]));
    const rad = s.radius ?? radius;
    for (let i = 0; i + 1 < s.points.length; i += 2) {
      const x = s.points[i];
      const y = s.points[i + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      // Point (x, y) is the centre of pixel (x, y); in SVG that pixel spans [x, x + 1).
      parts.push(`<circle cx="${(x + 0.5).toFixed(2)}" cy="${(y + 0.5).toFixed(2)}" r="${rad}" fill="${color}"/>`);
    }
  });
  const labelled = sets.filter((s) => s.label);
  const font = Math.max(10, Math.round(Math.min(width, height) / 30));
  labelled.forEach((s, k) => {
    const color = esc(s.color ?? PALETTE[sets.indexOf(s) % PALETTE.length]);
    parts.push(`<text x="4" y="${(k + 1) * (font + 2)}" font-family="sans-serif" font-size="${font}" fill="${color}">${esc(s.label!)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/**
 * Draws `points` (one set as a flat x,y array, or several PointSets) over `image` and returns the PNG bytes
 * (also written to options.out when given). `image` is anything detect() accepts.
 */
export async function drawOverlay(image: ImageInput, points: ArrayLike<number> | PointSet[], options: OverlayOptions = {}): Promise<Buffer> {
  if (typeof options !== 'object' || options === null) throw invalidType('options', 'an object', options);
  const sets: PointSet[] = Array.isArray(points) && points.length > 0 && typeof points[0] === 'object'
    ? (points as PointSet[])
    : [{ points: points as ArrayLike<number>, color: options.color }];
  const { frame } = await decodeInput(image, 'image');
  const svg = overlaySvg(frame.width, frame.height, sets, options);
  const png = await sharp(toRgb(frame), { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
  if (options.out) {
    mkdirSync(dirname(options.out), { recursive: true });
    await writeFile(options.out, png);
  }
  return png;
}
