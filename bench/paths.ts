/** Locations the bench needs, found from this file, wherever the bench runs from (dist/bench for `npm run bench`). */
import { join } from 'node:path';
import { packageRoot } from '../src/util/package-root';

export function pytorchScript(): string {
  return join(packageRoot(), 'bench', 'pytorch_baseline.py');
}
