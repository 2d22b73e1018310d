/**
 * The frame handling shared by track() and trackFaces(): start ffmpeg, take the latest frame (or every frame), run
 * one step per frame, add the frame figures, stop on the source's end, `signal`, `maxFrames` or the consumer's
 * break, and always stop ffmpeg (waiting for it) before finishing.
 */
import { performance } from 'node:perf_hooks';
import type { RawFrame } from '../types';
import type { CapturedFrame, FfmpegSource } from './ffmpeg-source';
import { RateMeter } from './rate';

export interface FrameFigures {
  /** Index of the frame among those ffmpeg delivered (gaps are dropped frames). */
  index: number;
  /** The frame the result belongs to. */
  frame: RawFrame;
  /** Epoch ms when the frame arrived from ffmpeg, and when its result was ready. */
  capturedAt: number;
  resultAt: number;
  /** resultAt - capturedAt. */
  latencyMs: number;
  /** Frames per second arriving from ffmpeg, and results per second, over the last ~2 s. */
  captureFps: number;
  processedFps: number;
  /** The stream's nominal frame rate as ffmpeg reports it (0 when unknown). */
  streamFps: number;
  /** Frames delivered by ffmpeg and frames dropped, as of when this frame was handed over; results so far. */
  captured: number;
  processed: number;
  dropped: number;
}

export interface FrameLoopOptions {
  policy?: 'latest' | 'all';
  signal?: AbortSignal;
  maxFrames?: number;
}

/** `step` runs per frame; it returns null when it saw `aborted()` turn true (no result is then yielded). */
export async function* frameLoop<T extends object>(
  src: FfmpegSource,
  options: FrameLoopOptions,
  step: (f: CapturedFrame, aborted: () => boolean) => Promise<T | null>,
): AsyncGenerator<T & FrameFigures, void, undefined> {
  let aborted = options.signal?.aborted ?? false;
  // Stopping the source ends a wait for a frame at once.
  const onAbort = () => {
    aborted = true;
    void src.stop();
  };
  options.signal?.addEventListener('abort', onAbort);
  const processRate = new RateMeter();
  let processed = 0;
  try {
    if (!aborted) src.start(options.policy ?? 'latest');
    while (!aborted) {
      const f = await src.next();
      if (!f || aborted) break;
      const r = await step(f, () => aborted);
      // Stopped while inferring: the caller asked for no more results.
      if (r === null || aborted) break;
      const now = performance.now();
      processRate.tick(now);
      processed++;
      yield {
        ...r,
        index: f.index,
        frame: f.frame,
        capturedAt: performance.timeOrigin + f.time,
        resultAt: performance.timeOrigin + now,
        latencyMs: now - f.time,
        captureFps: f.captureFps,
        processedFps: processRate.rate,
        streamFps: src.nominalFps,
        captured: f.captured,
        processed,
        dropped: f.dropped,
      };
      if (options.maxFrames !== undefined && processed >= options.maxFrames) break;
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await src.stop();
  }
}
