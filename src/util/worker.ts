/** Starting a worker thread on one of this package's own modules. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { LandmarkerError } from '../errors';

/**
 * A Worker running `<dir>/<name>.js` with `data` as its workerData. A missing file is a broken installation: it
 * throws ERR_INTERNAL naming the module (`what`) here, where a bare Worker would fail later, in an 'error' event.
 */
export function startWorker(dir: string, name: string, what: string, data: Record<string, unknown>, options: Omit<WorkerOptions, 'eval' | 'workerData'> = {}): Worker {
  const file = join(dir, `${name}.js`);
  if (!existsSync(file)) throw new LandmarkerError('ERR_INTERNAL', `The ${what} ${file} is missing`);
  return new Worker(file, { ...options, workerData: data });
}
