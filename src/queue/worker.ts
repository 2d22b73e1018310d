/**
 * A queue worker: one TrtLandmarker (one GPU) taking jobs of its model from Redis through BullMQ.
 *
 * Delivery is BullMQ's: a job is locked while a worker holds it and the lock is renewed as it runs; a worker that
 * dies stops renewing, another worker's stalled-job check puts the job back in the queue after `lockMs`, and it
 * runs again elsewhere (at-least-once). Results are the job's return value under its fixed job id, so a job that
 * runs twice still has one result. close() stops taking jobs and waits for the ones in hand (or, forced, leaves
 * them to be taken again after their lock expires), then frees the landmarker.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { LandmarkerError, outOfRange } from '../errors';
import { TrtLandmarker } from '../landmarker';
import type { BatchItem, CreateOptions, DetectFacesOptions, LandmarkResult } from '../types';
import { detectAll } from '../util/detect-all';
import { faceToJson, resultToJson } from '../util/result-json';
import { checkRedisUrl, redisClient } from './connection';
import { defaultLandmarkFiles } from '../bundled-models';
import { modelIdentity, type ModelIdentity } from './identity';
import { DEFAULT_QUEUE, errorText, QUEUE_PREFIX, queueName, type ImageItem, type ImagesJob, type ItemResult, type JobData, type JobResult, type VideoSegmentJob } from './protocol';
import { announce, REGISTRY_REFRESH_MS, withdraw } from './registry';
import { segmentFrames } from './video';

export interface LandmarkWorkerOptions {
  /** redis://HOST:PORT[/DB] */
  redis: string;
  /** Queue name (default 'landmarks'); the worker listens on `<name>.<model id>`. */
  queue?: string;
  /** The landmarker, with the same options as TrtLandmarker.create() / `detect`. */
  landmarker: CreateOptions;
  /**
   * GPU index: sets CUDA_VISIBLE_DEVICES for this process before the landmarker loads, so run one worker process
   * per GPU. Without it the process uses CUDA_VISIBLE_DEVICES as set, or GPU 0.
   */
  device?: number;
  /** Jobs run at once (default 1). */
  concurrency?: number;
  /** Job lock: how long a dead worker's job waits before another worker takes it (default 30000 ms). */
  lockMs?: number;
  /** Worker name in the registry and in results (default host-pid-random). */
  name?: string;
  /** Log lines (job failures, connection errors). */
  log?: (line: string) => void;
}

function positiveInt(name: string, v: number | undefined, def: number, max = 1e9): number {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < 1 || v > max) throw outOfRange(name, `a positive integer <= ${max}`, v);
  return v;
}

/** One image's error as its job's failure: the image named, the code kept (the failed-jobs list shows both). */
function itemFailure(item: ImageItem, e: Error & { code?: string }): Error {
  return Object.assign(new Error(`${item.path ?? `image ${item.key} (bytes)`}: ${e.message}`), { code: e.code });
}

export class LandmarkWorker {
  private readonly heartbeat: NodeJS.Timeout;
  private closing: Promise<void> | null = null;
  /** Settles when the worker has stopped (after close()). */
  readonly stopped: Promise<void>;
  private markStopped!: () => void;

  private constructor(
    readonly name: string,
    readonly identity: ModelIdentity,
    readonly queue: string,
    private readonly baseQueue: string,
    private readonly lm: TrtLandmarker,
    private readonly worker: Worker,
    private readonly redis: Redis,
    private readonly connection: Redis,
    private readonly entry: Parameters<typeof announce>[1],
    private readonly log: (line: string) => void,
  ) {
    this.stopped = new Promise((resolve) => (this.markStopped = resolve));
    const beat = () => announce(this.redis, this.entry).catch((e: Error) => this.log(`registry: ${e.message}`));
    void beat();
    this.heartbeat = setInterval(beat, REGISTRY_REFRESH_MS);
  }

  get info() {
    return this.lm.info;
  }

  static async start(options: LandmarkWorkerOptions): Promise<LandmarkWorker> {
    const log = options.log ?? (() => undefined);
    checkRedisUrl(options.redis);
    const concurrency = positiveInt('concurrency', options.concurrency, 1, 256);
    const lockMs = positiveInt('lockMs', options.lockMs, 30000);
    if (lockMs < 1000) throw outOfRange('lockMs', 'at least 1000 ms', lockMs);
    const base = options.queue ?? DEFAULT_QUEUE;
    if (options.device !== undefined) {
      if (!Number.isInteger(options.device) || options.device < 0) throw outOfRange('device', 'a GPU index (integer >= 0)', options.device);
      // CUDA reads this once, when the process first touches the GPU: before the landmarker exists.
      process.env.CUDA_VISIBLE_DEVICES = String(options.device);
    }
    // No model given: the package's default landmark model, whose identity the producer can name the same way.
    const model = options.landmarker.model ?? defaultLandmarkFiles();
    const identity = typeof model === 'string'
      ? modelIdentity(model, options.landmarker.config)
      : modelIdentity(model.model, model.config);
    const queue = queueName(base, identity.id);
    const name = options.name ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
    const lm = await TrtLandmarker.create(options.landmarker);
    const redis = redisClient(options.redis, `trtl-worker-registry-${name}`, (e) => log(`redis: ${e.message}`));
    const connection = redisClient(options.redis, `trtl-worker-${name}`, (e) => log(`redis: ${e.message}`));
    let self: LandmarkWorker | undefined;
    const worker = new Worker<JobData, JobResult>(queue, (job) => self!.process(job), {
      connection,
      prefix: QUEUE_PREFIX,
      concurrency,
      lockDuration: lockMs,
      // The stalled-job check runs in every worker; at lockMs a dead worker's jobs go back to the queue.
      stalledInterval: lockMs,
      // A job may lose its worker twice (two machines dying under it) before it counts as failed.
      maxStalledCount: 2,
      name,
      autorun: false,
    });
    worker.on('error', (e) => log(`worker: ${e.message}`));
    worker.on('failed', (job, e) => log(`job ${job?.id} attempt ${job?.attemptsMade}: ${e.message}`));
    const entry = {
      worker: name,
      host: hostname(),
      pid: process.pid,
      queue: base,
      model: identity,
      info: lm.info,
      concurrency,
      ...(process.env.CUDA_VISIBLE_DEVICES !== undefined ? { device: process.env.CUDA_VISIBLE_DEVICES } : {}),
      startedAt: new Date().toISOString(),
    };
    self = new LandmarkWorker(name, identity, queue, base, lm, worker, redis, connection, entry, log);
    void worker.run().catch((e: Error) => log(`worker stopped: ${e.message}`));
    return self;
  }

  private async process(job: Job<JobData, JobResult>): Promise<JobResult> {
    const data = job.data;
    if (data?.model !== this.identity.id) {
      // Never run a job made for another model: its results would be silently mixed with this model's.
      throw new UnrecoverableError(errorText(new LandmarkerError('ERR_MODEL_MISMATCH', `Job ${job.id} was made for model ${data?.model} but this worker runs ${this.identity.id}`)));
    }
    let items: ItemResult[];
    try {
      if (data.kind === 'images') items = await this.runImages(data);
      else if (data.kind === 'video') items = await this.runVideo(data);
      else throw new LandmarkerError('ERR_QUEUE', `Job ${job.id} has an unknown kind ${JSON.stringify((data as { kind?: unknown }).kind)}`);
    } catch (err) {
      // BullMQ keeps only the message: it carries the code ("[ERR_IMAGE_DECODE] ...") for the failed-jobs list.
      throw new Error(errorText(err));
    }
    return { model: this.identity.id, worker: this.name, items };
  }

  private async runImages(job: ImagesJob): Promise<ItemResult[]> {
    if (job.faces) return this.runFaces(job, job.faces);
    const batch: BatchItem[] = job.items.map((it) => ({ input: it.path ?? Buffer.from(it.bytes ?? '', 'base64'), ...(it.box ? { box: it.box } : {}) }));
    const results = await detectAll(this.lm, batch);
    // One image that fails fails its job (retried, then listed with its code); see docs/scale.md.
    const bad = results.findIndex((r) => r instanceof Error);
    if (bad >= 0) {
      throw itemFailure(job.items[bad], results[bad] as Error);
    }
    return results.map((r, i) => ({ key: job.items[i].key, ...resultToJson(r as LandmarkResult) }));
  }

  /** A faces job: every face of each image without a box (detectFaces), the one face of an image with one. */
  private async runFaces(job: ImagesJob, options: DetectFacesOptions): Promise<ItemResult[]> {
    const out: ItemResult[] = [];
    for (const it of job.items) {
      const input = it.path ?? Buffer.from(it.bytes ?? '', 'base64');
      try {
        if (it.box) out.push({ key: it.key, ...resultToJson(await this.lm.detect(input, { box: it.box })) });
        else out.push({ key: it.key, faces: (await this.lm.detectFaces(input, options)).map(faceToJson) });
      } catch (err) {
        throw itemFailure(it, err as Error); // as in runImages
      }
    }
    return out;
  }

  private async runVideo(job: VideoSegmentJob): Promise<ItemResult[]> {
    const out: ItemResult[] = [];
    const step = Math.max(1, this.lm.info.maxBatch);
    let pending: Array<{ index: number; item: BatchItem }> = [];
    const flush = async () => {
      const results = await this.lm.detectBatch(pending.map((p) => p.item));
      results.forEach((r, k) => out.push({ key: pending[k].index, time: pending[k].index / job.fps, ...resultToJson(r) }));
      pending = [];
    };
    for await (const { index, frame } of segmentFrames(job.path, job.firstFrame, job.frameCount, job.fps)) {
      pending.push({ index, item: { input: frame, ...(job.box ? { box: job.box } : {}) } });
      if (pending.length === step) await flush();
    }
    if (pending.length) await flush();
    return out;
  }

  /**
   * Stops taking jobs. Graceful (default): waits for the jobs in hand to finish and report. force: returns at
   * once; the jobs in hand go back to the queue when their lock expires. Then frees the landmarker. Idempotent.
   */
  close(force = false): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.heartbeat);
      try {
        await this.worker.close(force);
        await withdraw(this.redis, this.baseQueue, this.name).catch(() => undefined);
      } finally {
        await this.lm.dispose();
        this.redis.disconnect();
        this.connection.disconnect();
        this.markStopped();
      }
    })();
    return this.closing;
  }
}
