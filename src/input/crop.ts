/**
 * The crop window fed to the model (docs/api.md "Geometry"). Without a box: the whole image {0, 0, W, H}.
 * With box [bx, by, bw, bh] and policy {boxScale, square}:
 *   square: side = boxScale * max(bw, bh), centred on the box centre;
 *   else:   w = boxScale * bw, h = boxScale * bh, centred.
 * The window may extend outside the image; the preprocessing samples black there.
 */
import type { CropPolicy } from '../contract/types';
import type { NativeCrop } from '../native/addon';
import type { Box } from '../types';

export function computeCrop(box: Box | undefined, policy: CropPolicy, imageWidth: number, imageHeight: number): NativeCrop {
  if (!box) return { x: 0, y: 0, w: imageWidth, h: imageHeight };
  const [bx, by, bw, bh] = box;
  const cx = bx + bw / 2;
  const cy = by + bh / 2;
  const w = policy.square ? policy.boxScale * Math.max(bw, bh) : policy.boxScale * bw;
  const h = policy.square ? policy.boxScale * Math.max(bw, bh) : policy.boxScale * bh;
  return { x: cx - w / 2, y: cy - h / 2, w, h };
}

/** Maps coordinates normalised to the crop (0..1) back to image pixels: x = crop.x + n * crop.w. */
export function fromCrop(nx: number, ny: number, crop: NativeCrop): [number, number] {
  return [crop.x + nx * crop.w, crop.y + ny * crop.h];
}
