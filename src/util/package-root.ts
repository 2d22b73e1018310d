/** The one place that finds the package's own folder (models, contracts, prebuilds, build/ live under it). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

let root: string | undefined;

/**
 * The package root: the nearest directory above this file whose package.json is named trt-landmarker.
 * Works from src/util and from dist/src/util (compiled), for the library, the bench and the dev tools.
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'trt-landmarker') {
          root = dir;
          return dir;
        }
      } catch {
        // unreadable package.json: keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  // Fallback: src/util -> two levels up (dist/src/util is handled above by the package.json walk).
  root = resolve(__dirname, '..', '..');
  return root;
}
