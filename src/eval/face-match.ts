/**
 * Which detected face is an annotated face (detection rate in `eval --crop detector`, box-map calibration in
 * scripts/calibrate-detector-box.js). A detection matches when the centre of the ground-truth landmark box lies
 * inside the detector box and their sizes agree within a factor of 2 (larger side vs larger side); of several, the
 * one whose centre is nearest wins. Detector boxes are not landmark boxes (UltraFace's include the forehead), so
 * IoU against the landmark box would judge the detector's box style rather than whether it found the face.
 */
import type { Box } from '../types';
import { boundingBox } from './metrics';

export function matchFace(boxes: readonly Box[], gt: ArrayLike<number>): number {
  const [gx, gy, gw, gh] = boundingBox(gt, 68);
  const cx = gx + gw / 2;
  const cy = gy + gh / 2;
  const gside = Math.max(gw, gh);
  let best = -1;
  let bestDist = Infinity;
  boxes.forEach(([x, y, w, h], i) => {
    if (cx < x || cx > x + w || cy < y || cy > y + h) return;
    const ratio = Math.max(w, h) / gside;
    if (!(ratio >= 0.5 && ratio <= 2)) return;
    const dist = Math.hypot(x + w / 2 - cx, y + h / 2 - cy);
    if (dist < bestDist) (best = i), (bestDist = dist);
  });
  return best;
}
