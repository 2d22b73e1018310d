/**
 * LandmarkQueue: the producer side. Sends images (paths on storage every worker sees, or bytes), folders, videos
 * (cut into segments of whole frames) and evaluation sets to the workers of one model, and gives the results
 * back in order (see job-run.ts for the delivery rules).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ModelContract } from '../contract/types';
import { LandmarkerError, outOfRange } from '../errors';
import { runEvaluation, type EvaluationResult, type RunEvaluationOptions } from '../eval/evaluate';
import { listImages } from '../input/list-images';
import { validateFaceOptions } from '../detector/faces';
import type { Box, DetectFacesOptions } from '../types';
import { redisClient } from './connection';
import { isModelId, modelIdentity } from './identity';
import { JobRun, type FailedJob, type PlannedJob } from './job-run';
import {
  DEFAULT_ATTEMPTS, DEFAULT_BACKOFF_MS, DEFAULT_KEEP_SECONDS, DEFAULT_MAX_PENDING, DEFAULT_QUEUE, isRunId, MAX_IMAGE_BYTES,
  parseErrorText, QUEUE_PREFIX, queueName, type ImageItem, type JobData,
} from './protocol';
import type { RunProgress } from './progress';
import { QueueDetector } from './queue-detector';
import { listWorkers, type WorkerEntry } from './registry';
import { planSegments, probeVideo } from './video';

export interface LandmarkQueueOptions {
  /** redis://HOST:PORT[/DB] */
  redis: string;
  /** Queue name (default 'landmarks'), as the workers were given it. */
  queue?: string;
  /** The model (and contract) the results must come from: its identity picks the workers. */
  model?: string;
  config?: string | ModelContract;
  /** Or the model id (16 hex digits, printed by `trt-landmarker worker`). Neither: the one model the live workers serve. */
  modelId?: string;
  /** Jobs in Redis and not yet written out, at most (default 64). */
  maxPending?: number;
  /** Tries per job (default 3), with exponential backoff from `backoffMs` (default 1000 ms). */
  attempts?: number;
  backoffMs?: number;
  /** How long results and failed jobs stay in Redis after they finish (default 86400 s). */
  keepSeconds?: number;
  /** Images per job (default 1). More saves Redis round trips, but one bad image fails its job-mates too. */
  imagesPerJob?: number;
}

export interface SubmitOptions {
  /** Face box for every image or frame (default: the whole image, or every face with `faces`). */
  box?: Box;
  /**
   * Images only: an image without a box gets every face the workers' detector finds (`faces` in its result),
   * with these detectFaces options (`true`: the defaults). Default: the whole image.
   */
  faces?: DetectFacesOptions | true;
  /** Run id (letters, digits, - and _): submit again with the same id to pick up a run whose producer died. */
  runId?: string;
  onProgress?: (p: RunProgress) => void;
}

export type QueueImage = string | Buffer | { input: string | Buffer; box?: Box };

function positiveInt(name: string, v: number | undefined, def: number): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < 1) throw outOfRange(name, 'a positive integer', v);
  return v;
}

export class LandmarkQueue {
  private readonly queues = new Map<string, { queue: Queue; events: QueueEvents; clients: Redis[] }>();
  private readonly maxPending: number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly keepSeconds: number;
  private readonly imagesPerJob: number;

  private constructor(
    private readonly o: LandmarkQueueOptions,
    private readonly redis: Redis,
    readonly modelId: string,
  ) {
    this.maxPending = positiveInt('maxPending', o.maxPending, DEFAULT_MAX_PENDING);
    this.attempts = positiveInt('attempts', o.attempts, DEFAULT_ATTEMPTS);
    this.backoffMs = positiveInt('backoffMs', o.backoffMs, DEFAULT_BACKOFF_MS);
    this.keepSeconds = positiveInt('keepSeconds', o.keepSeconds, DEFAULT_KEEP_SECONDS);
    this.imagesPerJob = positiveInt('imagesPerJob', o.imagesPerJob, 1);
  }

  static async connect(o: LandmarkQueueOptions): Promise<LandmarkQueue> {
    const base = o.queue ?? DEFAULT_QUEUE;
    queueName(base, '0'.repeat(16)); // validates the name before connecting
    if (o.modelId !== undefined && !isModelId(o.modelId)) {
      throw new LandmarkerError('ERR_INVALID_ARG_VALUE', `Expected 16 hex digits for \`modelId\` but received ${JSON.stringify(o.modelId)}`);
    }
    const redis = redisClient(o.redis, 'trtl-producer');
    try {
      let id: string;
      if (o.model) id = modelIdentity(o.model, o.config).id;
      else if (o.modelId !== undefined) id = o.modelId;
      else {
        const ids = [...new Set((await listWorkers(redis, base)).map((w) => w.model.id))];
        if (ids.length !== 1) {
          throw new LandmarkerError('ERR_QUEUE', ids.length === 0
            ? `No live worker on queue "${base}" to learn the model from: give the model (or its id), or start a worker first`
            : `Workers on queue "${base}" serve ${ids.length} models (${ids.join(', ')}): give the model or its id`);
        }
        id = ids[0];
      }
      return new LandmarkQueue(o, redis, id);
    } catch (e) {
      redis.disconnect();
      throw e;
    }
  }

  get queueName(): string {
    return queueName(this.o.queue ?? DEFAULT_QUEUE, this.modelId);
  }

  /** The BullMQ queue and its events for a model (created once; they reconnect by themselves). */
  private channel(modelId: string): { queue: Queue; events: QueueEvents } {
    let c = this.queues.get(modelId);
    if (!c) {
      const name = queueName(this.o.queue ?? DEFAULT_QUEUE, modelId);
      const clients = [redisClient(this.o.redis, 'trtl-producer-queue'), redisClient(this.o.redis, 'trtl-producer-events')];
      const queue = new Queue(name, { connection: clients[0], prefix: QUEUE_PREFIX });
      const events = new QueueEvents(name, { connection: clients[1], prefix: QUEUE_PREFIX });
      // Connection errors during a Redis restart: the clients reconnect and the sweep catches up.
      queue.on('error', () => undefined);
      events.on('error', () => undefined);
      this.queues.set(modelId, (c = { queue, events, clients }));
    }
    return c;
  }

  private run(jobs: PlannedJob[], sourceOf: (key: number) => string | undefined, o: SubmitOptions, modelId = this.modelId): JobRun {
    const runId = o.runId ?? randomBytes(6).toString('hex');
    if (!isRunId(runId)) throw new LandmarkerError('ERR_INVALID_ARG_VALUE', `Expected a run id of letters, digits, - and _ but received ${JSON.stringify(runId)}`);
    const { queue, events } = this.channel(modelId);
    return new JobRun(queue, events, jobs, modelId, {
      runId,
      maxPending: this.maxPending,
      attempts: this.attempts,
      backoffMs: this.backoffMs,
      keepSeconds: this.keepSeconds,
      sourceOf,
      onProgress: o.onProgress,
    });
  }

  /** Images as paths every worker can read, or encoded bytes (at most MAX_IMAGE_BYTES each). */
  images(images: QueueImage[], o: SubmitOptions = {}, modelId = this.modelId): JobRun {
    // Checked here, in the caller's words, rather than failing every job on the workers (their detector's own
    // minScore is the default, so only the options given travel).
    if (o.faces !== undefined && o.faces !== true) validateFaceOptions(o.faces, 0.5);
    const items: ImageItem[] = images.map((img, key) => {
      const { input, box } = typeof img === 'object' && !Buffer.isBuffer(img) ? img : { input: img, box: undefined };
      const b = box ?? o.box;
      if (typeof input === 'string') return { key, path: resolve(input), ...(b ? { box: b } : {}) };
      if (!Buffer.isBuffer(input)) throw new LandmarkerError('ERR_INVALID_ARG_TYPE', `Expected a path or a Buffer for image ${key}`);
      if (input.length > MAX_IMAGE_BYTES) {
        throw outOfRange(`images[${key}]`, `an encoded image of at most ${MAX_IMAGE_BYTES} bytes (larger ones as paths on shared storage)`, input);
      }
      return { key, bytes: input.toString('base64'), ...(b ? { box: b } : {}) };
    });
    const jobs: PlannedJob[] = [];
    for (let i = 0; i < items.length; i += this.imagesPerJob) {
      const chunk = items.slice(i, i + this.imagesPerJob);
      const faces = o.faces === true ? {} : o.faces;
      jobs.push({ data: { kind: 'images', model: modelId, items: chunk, ...(faces ? { faces: { ...faces } } : {}) }, keys: chunk.map((it) => it.key) });
    }
    return this.run(jobs, (key) => items[key]?.path ?? `bytes:${key}`, o, modelId);
  }

  /** Every .jpg/.jpeg/.png/.webp of a folder (by name), as paths: the folder must be on storage the workers see. */
  folder(dir: string, o: SubmitOptions = {}): JobRun {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new LandmarkerError('ERR_FILE_NOT_FOUND', `Folder not found: ${dir}`);
    return this.images(listImages(dir), o);
  }

  /** A constant-frame-rate video on shared storage, cut into segments of about `segmentSeconds` (default 10). */
  async video(path: string, o: SubmitOptions & { segmentSeconds?: number } = {}): Promise<JobRun> {
    const seconds = o.segmentSeconds ?? 10;
    if (!(seconds > 0)) throw outOfRange('segmentSeconds', 'a positive number', seconds);
    const file = resolve(path);
    const probe = await probeVideo(file);
    const perSegment = Math.max(1, Math.round(seconds * probe.fps));
    const jobs: PlannedJob[] = planSegments(probe.frames, perSegment).map((s) => ({
      data: { kind: 'video', model: this.modelId, path: file, segment: s.segment, firstFrame: s.firstFrame, frameCount: s.frameCount, fps: probe.fps, ...(o.box ? { box: o.box } : {}) } satisfies JobData,
      keys: Array.from({ length: s.frameCount }, (_, k) => s.firstFrame + k),
    }));
    return this.run(jobs, () => file, o);
  }

  /**
   * An evaluation (src/eval) whose images are sharded over the workers: every model of `runs` must be served by
   * live workers of this queue; the report is assembled here once all results are in.
   */
  evaluate(o: Omit<RunEvaluationOptions, 'createDetector' | 'backend' | 'threads'> & { waitForWorkerMs?: number }): Promise<EvaluationResult> {
    return runEvaluation({
      ...o,
      createDetector: async (spec) => QueueDetector.create(this, modelIdentity(spec.model, spec.config).id, o.waitForWorkerMs ?? 60000),
    });
  }

  /** Live workers of this queue name (every model). */
  workers(): Promise<WorkerEntry[]> {
    return listWorkers(this.redis, this.o.queue ?? DEFAULT_QUEUE);
  }

  /** Jobs of this model that failed for good (kept `keepSeconds`), with their coded errors. */
  async failedJobs(limit = 100): Promise<Array<FailedJob & { data: JobData }>> {
    const jobs = await this.channel(this.modelId).queue.getFailed(0, limit - 1);
    return jobs.map((j) => {
      const e = parseErrorText(j.failedReason);
      const data = j.data as JobData;
      const keys = data.kind === 'images' ? data.items.map((it) => it.key) : Array.from({ length: data.frameCount }, (_, k) => data.firstFrame + k);
      return { jobId: String(j.id), keys, code: e.code, message: e.message, attempts: j.attemptsMade, data };
    });
  }

  async close(): Promise<void> {
    for (const { queue, events, clients } of this.queues.values()) {
      await events.close();
      await queue.close();
      for (const c of clients) c.disconnect();
    }
    this.queues.clear();
    this.redis.disconnect();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
