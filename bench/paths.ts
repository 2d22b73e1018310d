/** Locations the bench needs, found from this file, wherever the bench runs from (dist/bench for `npm run bench`). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The package root: the nearest folder above this file whose package.json is trt-landmarker's. */
export function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'trt-landmarker') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`Cannot find trt-landmarker's package.json above ${__dirname}`);
    dir = up;
  }
}

export function pytorchScript(): string {
  return join(packageRoot(), 'bench', 'pytorch_baseline.py');
}
