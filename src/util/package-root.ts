/** The one place that finds the package's own folder (models, contracts, prebuilds, build/ live under it). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

let root: string | undefined;

/**
 * The nearest directory at or above `start` whose package.json is named `name`, or undefined. Unreadable
 * package.json files are stepped over.
 */
export function findPackageDir(start: string, name: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === name) return dir;
      } catch {
        // unreadable package.json: keep walking up
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The package root: the nearest directory above this file whose package.json is named trt-landmarker.
 * Works from src/util and from dist/src/util (compiled), for the library, the bench and the dev tools.
 */
export function packageRoot(): string {
  // Fallback: src/util -> two levels up (dist/src/util is found by the package.json walk).
  root ??= findPackageDir(__dirname, 'trt-landmarker') ?? resolve(__dirname, '..', '..');
  return root;
}
