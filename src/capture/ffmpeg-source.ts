/**
 * One ffmpeg process delivering raw frames, read in a worker thread (reader-worker.ts explains why) and pulled
 * by the main thread with next().
 *
 * next() resolves with the newest frame not yet pulled (policy 'latest': older ones are dropped and counted) or
 * the next frame in order (policy 'all'), with null at the clean end of the stream, and rejects with
 * LandmarkerError('ERR_CAPTURE') when ffmpeg is missing, cannot open the device or file, finds the device busy,
 * exits mid-stream, changes size or ends inside a frame. stop() kills ffmpeg and resolves once the process is gone.
 */
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { LandmarkerError } from '../errors';
import type { RawFrame } from '../types';
import { startWorker } from '../util/worker';
import { resolveSource, type CaptureSourceSpec, type ResolvedSource } from './ffmpeg-args';
import { FfmpegLog } from './ffmpeg-log';
import type { FromReader, ReaderInit, ToReader } from './reader-worker';

export interface CapturedFrame {
  frame: RawFrame;
  /** 0-based index among the frames ffmpeg delivered. */
  index: number;
  /** performance.now() (this thread's clock) when the frame's last byte arrived. */
  time: number;
  /** Frames delivered by ffmpeg and frames dropped, when this frame was handed over. */
  captured: number;
  dropped: number;
  /** Rate of frames arriving from ffmpeg over the last ~2 s. */
  captureFps: number;
}

export type FramePolicy = 'latest' | 'all';

export class FfmpegSource {
  readonly source: ResolvedSource;
  private readonly log: FfmpegLog;
  private worker: Worker | null = null;
  private workerExit: Promise<void> = Promise.resolve();
  /** Resolves when ffmpeg's exit was reported (or it never started, or the reader died). */
  private closedSignal: Promise<void> = Promise.resolve();
  private markClosed: () => void = () => undefined;
  private stopped: Promise<void> | null = null;
  private pending: { resolve: (f: CapturedFrame | null) => void; reject: (e: Error) => void } | null = null;
  private failure: LandmarkerError | null = null;
  private exitFailure: LandmarkerError | null = null;
  private ended = false;
  private closed = false;
  private stopping = false;
  private frames = 0;
  private childPid: number | undefined;
  width = 0;
  height = 0;

  constructor(spec: CaptureSourceSpec) {
    this.source = resolveSource(spec);
    this.log = new FfmpegLog(this.source.label, this.source.width !== undefined);
    if (this.source.width !== undefined && this.source.height !== undefined) {
      this.width = this.source.width;
      this.height = this.source.height;
    }
  }

  /** The ffmpeg process id once it runs. */
  get pid(): number | undefined {
    return this.childPid;
  }

  /** The stream's nominal frame rate as ffmpeg reports it (0 when unknown). */
  get nominalFps(): number {
    return this.log.nominalFps;
  }

  /** Frames ffmpeg has delivered so far (as last reported by the reader). */
  get framesDelivered(): number {
    return this.frames;
  }

  /** The last lines ffmpeg wrote to stderr. */
  stderrTail(n = 6): string[] {
    return this.log.tail(n);
  }

  /** Spawns ffmpeg (in the reader thread). */
  start(policy: FramePolicy = 'latest'): void {
    if (this.worker || this.ended) throw new LandmarkerError('ERR_CAPTURE', 'The capture source was already started');
    const reader: ReaderInit = {
      ffmpegPath: this.source.ffmpegPath,
      args: this.source.args,
      frameSize: this.width * this.height * 3,
      policy,
    };
    const worker = startWorker(__dirname, 'reader-worker', 'capture reader', { reader });
    this.worker = worker;
    this.closedSignal = new Promise<void>((resolve) => (this.markClosed = resolve));
    this.workerExit = new Promise<void>((resolve) =>
      worker.once('exit', () => {
        this.markClosed();
        resolve();
      }),
    );
    worker.on('message', (m: FromReader) => this.onMessage(m));
    worker.on('error', (err) => this.fail(new LandmarkerError('ERR_CAPTURE', `The capture reader failed: ${err.message}`, { cause: err })));
  }

  /** The next frame (see the file comment); null at the clean end. One call at a time. */
  next(): Promise<CapturedFrame | null> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended || this.stopping) return Promise.resolve(null);
    if (!this.worker) throw new LandmarkerError('ERR_CAPTURE', 'The capture source was not started');
    if (this.pending) throw new LandmarkerError('ERR_CAPTURE', 'next() is already waiting for a frame');
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.post({ type: 'pull' });
    });
  }

  /** Kills ffmpeg (if running) and resolves once it and the reader thread are gone. Idempotent. */
  stop(): Promise<void> {
    this.stopping = true;
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    const worker = this.worker;
    if (worker) {
      if (!this.closed) {
        this.post({ type: 'stop' });
        await this.closedSignal;
      }
      await worker.terminate();
      await this.workerExit;
      // Only if the reader died without reporting ffmpeg's exit: make sure ffmpeg is gone too.
      if (!this.closed && this.childPid !== undefined) {
        try {
          process.kill(this.childPid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    this.resolvePending(null);
  }

  private post(m: ToReader): void {
    this.worker?.postMessage(m);
  }

  private resolvePending(f: CapturedFrame | null): void {
    const p = this.pending;
    this.pending = null;
    p?.resolve(f);
  }

  private fail(err: LandmarkerError): void {
    if (this.failure || this.stopping) return;
    this.failure = err;
    const p = this.pending;
    this.pending = null;
    p?.reject(err);
    void this.stop();
  }

  private onMessage(m: FromReader): void {
    switch (m.type) {
      case 'spawned':
        this.childPid = m.pid;
        break;
      case 'spawn-error':
        this.closed = true;
        this.markClosed();
        this.fail(this.log.spawnError(this.source.ffmpegPath, m));
        break;
      case 'stderr':
        for (const e of this.log.push(m.text)) {
          if (e.type === 'size' && !this.width) {
            this.width = e.width;
            this.height = e.height;
            this.post({ type: 'size', frameSize: e.width * e.height * 3 });
          } else if (e.type === 'resized' && !this.source.allowResize) {
            this.fail(this.log.resizedError(e.from, e.to, this.frames));
          }
        }
        break;
      case 'frame': {
        this.frames = m.captured;
        const frame: RawFrame = { data: Buffer.from(m.data), width: this.width, height: this.height, format: this.source.pixelFormat };
        const time = m.time - performance.timeOrigin;
        this.resolvePending({ frame, index: m.index, time, captured: m.captured, dropped: m.dropped, captureFps: m.captureFps });
        break;
      }
      case 'size-pending':
        this.post({ type: 'size-final' });
        break;
      case 'closed': {
        this.closed = true;
        this.markClosed();
        this.frames = m.frames;
        if (this.stopping) break;
        // Frames delivered before ffmpeg failed are still handed over; the error comes after them, at 'end'.
        this.exitFailure = this.log.exitError({ ...m, frameSize: this.width * this.height * 3, sizeKnown: this.width > 0 }) ?? null;
        break;
      }
      case 'end':
        this.ended = true;
        if (this.exitFailure) this.fail(this.exitFailure);
        else this.resolvePending(null);
        break;
    }
  }
}

/**
 * Raw frames from a source as an async iterator, every frame in order (reading pauses while the consumer is busy,
 * so nothing is dropped). Breaking out of the loop kills ffmpeg. For live processing use track().
 */
export async function* readFrames(spec: CaptureSourceSpec): AsyncGenerator<CapturedFrame> {
  const source = new FfmpegSource(spec);
  source.start('all');
  try {
    for (;;) {
      const f = await source.next();
      if (!f) return;
      yield f;
    }
  } finally {
    await source.stop();
  }
}
