/** Locations the bench needs, valid both from dist/bench (npm run bench) and from bench/ (ts-jest). */
import { join } from 'node:path';
import { packageRoot } from '../src/util/package-root';

export function pytorchScript(): string {
  return join(packageRoot(), 'bench', 'pytorch_baseline.py');
}
