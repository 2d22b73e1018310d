/**
 * The evaluation's detector over the queue: each detectBatch() call becomes one run of image jobs spread over
 * the workers, so src/eval runs unchanged and shards its images by handing it big batches (maxBatch 256).
 */
import { LandmarkerError, type ErrorCode } from '../errors';
import type { DisposableDetector } from '../eval/evaluate';
import { MAX_BATCH_LIMIT } from '../landmarker';
import type { BatchItem, Box, LandmarkerInfo, LandmarkResult } from '../types';
import { resultFromJson, type ResultJson } from '../util/result-json';
import type { JobRun } from './job-run';
import type { WorkerEntry } from './registry';

/**
 * What the detector needs of the queue: LandmarkQueue (producer.ts) has it. Declared here so that producer.ts,
 * which creates QueueDetectors, and this file do not import each other.
 */
export interface QueueClient {
  workers(): Promise<WorkerEntry[]>;
  images(images: Array<{ input: string; box?: Box }>, o: { runId: string }, modelId: string): JobRun;
}

const POLL_MS = 500;

export class QueueDetector implements DisposableDetector {
  private batches = 0;
  private readonly runId: string;

  private constructor(
    private readonly q: QueueClient,
    private readonly modelId: string,
    readonly info: LandmarkerInfo,
  ) {
    this.runId = `eval-${modelId}-${Date.now().toString(36)}`;
  }

  /** Waits (at most waitMs) for a live worker of the model, whose LandmarkerInfo goes into the report. */
  static async create(q: QueueClient, modelId: string, waitMs: number): Promise<QueueDetector> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const w = (await q.workers()).find((e) => e.model.id === modelId);
      if (w) return new QueueDetector(q, modelId, { ...w.info, maxBatch: MAX_BATCH_LIMIT, reason: `${w.info.reason}; sharded over the queue's workers` });
      if (Date.now() >= deadline) throw new LandmarkerError('ERR_QUEUE', `No live worker serves model ${modelId} on this queue (waited ${Math.round(waitMs / 1000)} s)`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  async detectBatch(items: BatchItem[]): Promise<LandmarkResult[]> {
    const inputs = items.map((it) => {
      if (typeof it.input !== 'string') throw new LandmarkerError('ERR_INVALID_ARG_TYPE', 'Queue evaluation takes image paths only');
      return { input: it.input, box: it.box };
    });
    const results = await this.q.images(inputs, { runId: `${this.runId}-${this.batches++}` }, this.modelId).collect();
    const bad = results.find((r) => r.error);
    if (bad?.error) throw new LandmarkerError(bad.error.code as ErrorCode, `${bad.source}: ${bad.error.message}`);
    return results.map((r) => resultFromJson(r as unknown as ResultJson));
  }

  async dispose(): Promise<void> {
    // Nothing held here: the queue belongs to the LandmarkQueue.
  }
}
