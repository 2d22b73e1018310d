/**
 * One producer run: adds its jobs with fixed ids, at most `maxPending` of them not yet written out (backpressure),
 * and yields every item's result once, in item order, whatever order the jobs finish in and however often a job
 * ran. Completion is learnt from BullMQ's queue events and, in case events were missed (a Redis restart, a
 * reconnecting producer), from a sweep that reads the state of every pending job each `sweepMs`. A pending job
 * that is gone from Redis (a restart without persistence) is added again.
 */
import { Job, type Queue, type QueueEvents } from 'bullmq';
import { performance } from 'node:perf_hooks';
import { LandmarkerError } from '../errors';
import { jobId, parseErrorText, type ItemResult, type JobData, type JobResult } from './protocol';
import { runProgress, type RunProgress } from './progress';

export interface PlannedJob {
  data: JobData;
  /** The item keys this job covers, ascending (its failure is reported on each of them). */
  keys: number[];
}

export interface JobRunOptions {
  runId: string;
  maxPending: number;
  attempts: number;
  backoffMs: number;
  keepSeconds: number;
  /** How often every pending job's state is read even without an event (default 1000 ms). */
  sweepMs?: number;
  /** The item's name in the output (a path, or "bytes:<key>", or the video). */
  sourceOf: (key: number) => string | undefined;
  onProgress?: (p: RunProgress) => void;
}

export interface FailedJob {
  jobId: string;
  keys: number[];
  code: string;
  message: string;
  attempts: number;
}

type Settled = { ok: JobResult } | { failed: FailedJob };

export class JobRun {
  readonly total: number;
  readonly failures: FailedJob[] = [];
  private done = 0;
  private failed = 0;
  private started = 0;
  /** Jobs added again because Redis had lost them. */
  readonly stats = { readded: 0 };

  constructor(
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly jobs: PlannedJob[],
    private readonly modelId: string,
    private readonly o: JobRunOptions,
  ) {
    this.total = jobs.reduce((n, j) => n + j.keys.length, 0);
  }

  get runId(): string {
    return this.o.runId;
  }

  get progress(): RunProgress {
    return runProgress(this.total, this.done, this.failed, this.started ? (performance.now() - this.started) / 1000 : 0);
  }

  /** Every item's result (or its error), once each, in key order. */
  async *results(): AsyncGenerator<ItemResult> {
    this.started = performance.now();
    const prefix = `${this.o.runId}.`;
    const dirty = new Set<number>();
    let wake: (() => void) | null = null;
    const onEvent = ({ jobId: id }: { jobId: string }) => {
      if (!id.startsWith(prefix)) return;
      const i = Number(id.slice(prefix.length));
      if (Number.isInteger(i)) dirty.add(i);
      wake?.();
    };
    this.events.on('completed', onEvent);
    this.events.on('failed', onEvent);
    const settled = new Map<number, Settled>();
    const sweepMs = this.o.sweepMs ?? 1000;
    let lastSweep = 0;
    let next = 0;
    let added = 0;
    try {
      while (next < this.jobs.length) {
        while (added < this.jobs.length && added - next < this.o.maxPending) await this.add(added++);
        const now = performance.now();
        const sweep = now - lastSweep >= sweepMs;
        if (sweep) lastSweep = now;
        const check = sweep ? range(next, added).filter((i) => !settled.has(i)) : [...dirty].filter((i) => i >= next && i < added && !settled.has(i));
        dirty.clear();
        await Promise.all(check.map(async (i) => {
          const s = await this.check(i);
          if (s) settled.set(i, s);
        }));
        if (!settled.has(next)) {
          // Bounded wait: an event wakes it at once, the sweep at the latest.
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, sweepMs);
            wake = () => (clearTimeout(t), resolve());
            if (dirty.size) wake();
          });
          wake = null;
          continue;
        }
        while (settled.has(next)) {
          yield* this.lines(next, settled.get(next)!);
          settled.delete(next);
          next++;
        }
        this.o.onProgress?.(this.progress);
      }
    } finally {
      this.events.off('completed', onEvent);
      this.events.off('failed', onEvent);
    }
  }

  /** All results in key order. */
  async collect(): Promise<ItemResult[]> {
    const out: ItemResult[] = [];
    for await (const r of this.results()) out.push(r);
    return out;
  }

  private async add(i: number): Promise<void> {
    await this.queue.add(this.jobs[i].data.kind, this.jobs[i].data, {
      jobId: jobId(this.o.runId, i),
      attempts: this.o.attempts,
      backoff: { type: 'exponential', delay: this.o.backoffMs },
      removeOnComplete: { age: this.o.keepSeconds },
      removeOnFail: { age: this.o.keepSeconds },
    });
  }

  private async check(i: number): Promise<Settled | undefined> {
    const id = jobId(this.o.runId, i);
    // State first, then the job: read the other way round, a job finishing in between looks finished but empty.
    const state = await this.queue.getJobState(id);
    if (state === 'unknown') {
      this.stats.readded++;
      await this.add(i);
      return undefined;
    }
    if (state !== 'completed' && state !== 'failed') return undefined;
    const job = await Job.fromId<JobData, JobResult>(this.queue, id);
    if (!job) return undefined; // removed just now: the next sweep adds it again
    const keys = this.jobs[i].keys;
    if (state === 'failed') {
      const e = parseErrorText(job.failedReason);
      return { failed: { jobId: id, keys, code: e.code, message: e.message, attempts: job.attemptsMade } };
    }
    if (state !== 'completed') return undefined;
    const r = job.returnvalue;
    const problem = !r || !Array.isArray(r.items)
      ? new LandmarkerError('ERR_QUEUE', `Job ${id} completed without results`)
      : r.model !== this.modelId
        ? new LandmarkerError('ERR_MODEL_MISMATCH', `Job ${id} was run by model ${r.model}, not ${this.modelId}`)
        : r.items.length !== keys.length || r.items.some((it, k) => it.key !== keys[k])
          ? new LandmarkerError('ERR_QUEUE', `Job ${id} returned ${r.items.length} results for ${keys.length} items`)
          : null;
    if (problem) return { failed: { jobId: id, keys, code: problem.code, message: problem.message, attempts: job.attemptsMade } };
    return { ok: r };
  }

  private *lines(i: number, s: Settled): Generator<ItemResult> {
    if ('ok' in s) {
      for (const { key, ...rest } of s.ok.items) {
        this.done++;
        yield { key, source: this.o.sourceOf(key), ...rest, model: s.ok.model, worker: s.ok.worker };
      }
      return;
    }
    this.failures.push(s.failed);
    for (const key of this.jobs[i].keys) {
      this.failed++;
      yield { key, source: this.o.sourceOf(key), error: { code: s.failed.code, message: s.failed.message } };
    }
  }
}

function range(a: number, b: number): number[] {
  return Array.from({ length: Math.max(0, b - a) }, (_, k) => a + k);
}
