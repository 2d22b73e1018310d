/**
 * Draws landmark overlays: one or more point sets (e.g. prediction vs ground truth, each its own colour) and
 * optional rectangles (face box, crop window) over an image, rendered as an SVG composited with sharp, written
 * as PNG. The public drawOverlay(), used by `trt-landmarker detect --overlay` and `detect-faces --overlay`. Its
 * pieces come from ./draw, which the evaluation sheets (eval/overlays.ts) and the live preview and recording
 * (capture/annotate.ts) draw with too.
 */
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { frameToRgb } from './draw/rgb';
import { dotsSvg, rectSvg, svgDocument, textSvg } from './draw/svg';
import { invalidType } from './errors';
import { decodeInput } from './input/decode';
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

function rectOf(r: OverlayRect['rect'], color: string, stroke: number): string {
  const [x, y, w, h] = Array.isArray(r) ? r : [r.x, r.y, r.w, r.h];
  return rectSvg(x, y, w, h, color, stroke);
}

export function overlaySvg(width: number, height: number, sets: PointSet[], options: OverlayOptions = {}): string {
  const radius = options.radius ?? Math.max(1, Math.round(Math.min(width, height) / 200));
  const stroke = Math.max(1, Math.round(radius / 2));
  const parts: string[] = [];
  if (options.box) parts.push(rectOf(options.box, 'yellow', stroke));
  for (const r of options.rects ?? []) parts.push(rectOf(r.rect, r.color ?? 'cyan', stroke));
  sets.forEach((s, k) => {
    const color = s.color ?? (sets.length === 1 && options.color ? options.color : PALETTE[k % PALETTE.length]);
    parts.push(dotsSvg(s.points, { color, radius: s.radius ?? radius }));
  });
  const labelled = sets.filter((s) => s.label);
  const font = Math.max(10, Math.round(Math.min(width, height) / 30));
  labelled.forEach((s, k) => {
    const fill = s.color ?? PALETTE[sets.indexOf(s) % PALETTE.length];
    parts.push(textSvg(4, (k + 1) * (font + 2), s.label!, { family: 'sans-serif', size: font, fill }));
  });
  return svgDocument(width, height, parts.join(''));
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
  const png = await sharp(frameToRgb(frame), { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
  if (options.out) {
    mkdirSync(dirname(options.out), { recursive: true });
    await writeFile(options.out, png);
  }
  return png;
}
