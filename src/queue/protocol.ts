/**
 * What travels through Redis between producers and workers: queue and job names, job data, results, and errors
 * as text. Plain data only (JSON), so any producer version can read any worker's results.
 */
import { LandmarkerError, type ErrorCode } from '../errors';
import type { Box, DetectFacesOptions } from '../types';
import type { FaceJson, ResultJson } from '../util/result-json';
import { isModelId } from './identity';

/** BullMQ key prefix of every queue of this package. */
export const QUEUE_PREFIX = 'trtl';
export const DEFAULT_QUEUE = 'landmarks';
/** Largest image sent as bytes inside a job (encoded file size); bigger ones go as paths on shared storage. */
export const MAX_IMAGE_BYTES = 4 * 1024 * 1024;
/** How long finished jobs (their results) and failed jobs stay in Redis: 24 h. */
export const DEFAULT_KEEP_SECONDS = 24 * 3600;
export const DEFAULT_ATTEMPTS = 3;
/** First retry delay; later ones double (BullMQ exponential backoff: delay * 2^(attempt-1)). */
export const DEFAULT_BACKOFF_MS = 1000;
/** Jobs a producer has in Redis and not yet written out, at most. */
export const DEFAULT_MAX_PENDING = 64;

/** One image of an images job. `key` is its index in the producer's list: the result key. */
export interface ImageItem {
  key: number;
  /** A path every worker can read (shared storage) ... */
  path?: string;
  /** ... or the encoded file, base64 (at most MAX_IMAGE_BYTES before encoding). */
  bytes?: string;
  box?: Box;
}

export interface ImagesJob {
  kind: 'images';
  model: string;
  items: ImageItem[];
  /** Present: an item without a box gets every face (detectFaces with these options); absent: the whole image. */
  faces?: DetectFacesOptions;
}

/** Frames [firstFrame, firstFrame + frameCount) of a constant-frame-rate video, decoded by ffmpeg on the worker. */
export interface VideoSegmentJob {
  kind: 'video';
  model: string;
  path: string;
  segment: number;
  firstFrame: number;
  frameCount: number;
  fps: number;
  box?: Box;
}

export type JobData = ImagesJob | VideoSegmentJob;

/** One result line: an image (`key`) or a frame (`key` = frame index, `time` in seconds). */
export interface ItemResult extends Partial<ResultJson> {
  key: number;
  source?: string;
  time?: number;
  /** The model id that made it, and the worker. */
  model?: string;
  worker?: string;
  /** Every face of an image of a faces job that had no box (best score first; empty: no face). */
  faces?: FaceJson[];
  error?: { code: string; message: string };
}

export interface JobResult {
  model: string;
  worker: string;
  items: ItemResult[];
}

/** Queue of one model: `<name>.<model id>`. Workers of another model listen on another queue. */
export function queueName(name: string, modelId: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw new LandmarkerError('ERR_INVALID_ARG_VALUE', `Expected a queue name of letters, digits, - and _ (at most 64) but received ${JSON.stringify(name)}`);
  }
  if (!isModelId(modelId)) throw new LandmarkerError('ERR_INVALID_ARG_VALUE', `Expected a model id of 16 hex digits but received ${JSON.stringify(modelId)}`);
  return `${name}.${modelId}`;
}

/** Job ids are fixed by the producer (run id + job index): adding the same job twice is a no-op in BullMQ. */
export function jobId(runId: string, index: number): string {
  return `${runId}.${index}`;
}

export function isRunId(text: string): boolean {
  return /^[A-Za-z0-9_-]{1,64}$/.test(text);
}

/** Errors cross Redis as text (BullMQ keeps `failedReason` = the message): "[CODE] message". */
export function errorText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' && e.code.startsWith('ERR_') ? e.code : 'ERR_INTERNAL';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return `[${code}] ${message}`;
}

export function parseErrorText(text: string | undefined): { code: ErrorCode; message: string } {
  const m = /^\[(ERR_[A-Z_]+)\] ([\s\S]*)$/.exec(text ?? '');
  if (m) return { code: m[1] as ErrorCode, message: m[2] };
  // BullMQ's own failures (stalled too often, lock lost) carry no code of ours.
  return { code: 'ERR_QUEUE', message: text || 'job failed without a reason' };
}
