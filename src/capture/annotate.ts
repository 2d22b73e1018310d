/**
 * Landmarks and the face box drawn into a copy of a frame, as packed RGB (what sharp's JPEG encoder and the
 * recording ffmpeg take), with the raw-pixel drawing of ../draw: cheap enough for every frame of the live loop.
 */
import { fillDots, strokeBox, type Rgb } from '../draw/pixels';
import { frameToRgb } from '../draw/rgb';
import type { Box, RawFrame } from '../types';

export type { Rgb };

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

/** Draws one face (box, then points) onto a packed RGB buffer in place. */
export function drawFace(rgb: Buffer, width: number, height: number, o: AnnotateOptions): void {
  const r = o.radius ?? Math.max(1, Math.round(Math.min(width, height) / 240));
  if (o.box) strokeBox(rgb, width, height, o.box, Math.max(1, Math.round(r / 1.5)), o.boxColor ?? TRACKED_COLOR);
  fillDots(rgb, width, height, o.points, r, POINT_COLOR);
}

/** An annotated packed-RGB copy of the frame: each face drawn in the order given. */
export function annotate(frame: RawFrame, ...faces: AnnotateOptions[]): Buffer {
  const rgb = frameToRgb(frame);
  for (const face of faces) drawFace(rgb, frame.width, frame.height, face);
  return rgb;
}
