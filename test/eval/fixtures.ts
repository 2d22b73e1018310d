/** Shared fixtures for the evaluation tests: a synthetic 68-point face with hand-checkable geometry, temp folders. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * 68 points on a 10-px grid (x 50..140, y 40..100) with explicit eyes:
 *   36..41 = (60,50) (64,46) (68,46) (72,50) (68,54) (64,54)   centroid (66, 50)
 *   42..47 = (84,50) (88,46) (92,46) (96,50) (92,54) (88,54)   centroid (90, 50)
 * so inter-ocular (36 -> 45) = 36, inter-pupil (centroids) = 24, box = sqrt(90 * 60) = 73.4847...
 */
export function face(): Float32Array {
  const p = new Float32Array(136);
  for (let i = 0; i < 68; i++) {
    p[2 * i] = 50 + 10 * (i % 10);
    p[2 * i + 1] = 40 + 10 * Math.floor(i / 10);
  }
  const eyes = [
    [60, 50], [64, 46], [68, 46], [72, 50], [68, 54], [64, 54],
    [84, 50], [88, 46], [92, 46], [96, 50], [92, 54], [88, 54],
  ];
  eyes.forEach(([x, y], k) => {
    p[2 * (36 + k)] = x;
    p[2 * (36 + k) + 1] = y;
  });
  return p;
}

/** face() plus two pupils at (66, 50) and (90, 50) -> 70 points, inter-pupil 24. */
export function face70(pupils: [number, number, number, number] = [66, 50, 90, 50]): Float32Array {
  const p = new Float32Array(140);
  p.set(face());
  p.set(pupils, 136);
  return p;
}

/** 300W .pts text for 0-indexed points (written 1-indexed, as 300W does). */
export function ptsText(points: Float32Array): string {
  const lines = ['version: 1', `n_points: ${points.length / 2}`, '{'];
  for (let i = 0; i < points.length; i += 2) lines.push(`${(points[i] + 1).toFixed(3)} ${(points[i + 1] + 1).toFixed(3)}`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

export function ldmksText(points: Float32Array): string {
  const lines: string[] = [];
  for (let i = 0; i < points.length; i += 2) lines.push(`${points[i].toFixed(3)} ${points[i + 1].toFixed(3)}`);
  return lines.join('\n') + '\n';
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `trtl-${prefix}-`));
}

/** Writes files (path relative to root -> content); folders are created. */
export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
  }
}
