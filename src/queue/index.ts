/** Many GPU workers through a Redis job queue (BullMQ): see docs/scale.md. */
export { LandmarkQueue, type LandmarkQueueOptions, type SubmitOptions, type QueueImage } from './producer';
export { LandmarkWorker, type LandmarkWorkerOptions } from './worker';
export { JobRun, type FailedJob } from './job-run';
export { modelIdentity, type ModelIdentity } from './identity';
export { runProgress, progressText, type RunProgress } from './progress';
export { MAX_IMAGE_BYTES, DEFAULT_KEEP_SECONDS, type ItemResult } from './protocol';
export type { WorkerEntry } from './registry';
