/**
 * One ffmpeg process writing raw frames to its stdout, parsed into RawFrames.
 *
 * Lifecycle: start() spawns; frames are pushed to the `frame` handler as they complete; `end` is called exactly
 * once: with no argument when the stream ends cleanly, with a LandmarkerError('ERR_CAPTURE') otherwise (ffmpeg
 * missing, cannot open the device or file, device busy, exit mid-stream, size change, truncated frame).
 * stop() kills ffmpeg and resolves once the process is gone, so no ffmpeg outlives its owner.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { LandmarkerError } from '../errors';
import type { RawFrame } from '../types';
import { FrameParser } from './frame-parser';
import { resolveSource, type CaptureSourceSpec, type ResolvedSource } from './ffmpeg-args';

export interface CapturedFrame {
  frame: RawFrame;
  /** 0-based index among the frames ffmpeg delivered. */
  index: number;
  /** performance.now() when the frame's last byte arrived. */
  time: number;
}

export interface SourceHandlers {
  frame(f: CapturedFrame): void;
  end(err?: LandmarkerError): void;
}

const STDERR_LINES = 40;
/** stdout kept while the frame size is unknown (a few 4K frames). */
const MAX_EARLY_BYTES = 64 * 1024 * 1024;
/** Grace between SIGTERM and SIGKILL when stopping. */
const KILL_GRACE_MS = 500;

// "Output #0, rawvideo ..." is followed by "Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24(...), 640x480 ..."
const OUTPUT_SIZE = /Video: rawvideo.*?[\s,](\d{1,5})x(\d{1,5})[\s,[]/;
const OUTPUT_FPS = /, (\d+(?:\.\d+)?) fps/;
// Logged (verbose) each time the filter graph is configured for an input frame size.
const INPUT_SIZE = /^\[graph[^\]]* input from stream[^\]]*\] w:(\d+) h:(\d+) /;

export class FfmpegSource {
  readonly source: ResolvedSource;
  private child: ChildProcessByStdio<null, Readable, Readable> | null = null;
  private parser: FrameParser | null = null;
  private early: Buffer[] = [];
  private earlyBytes = 0;
  private handlers: SourceHandlers | null = null;
  private stderrLines: string[] = [];
  private stderrRest = '';
  private seenOutput = false;
  private inputSize: string | null = null;
  private stopping = false;
  private ended = false;
  private closed: Promise<void> = Promise.resolve();
  private frames = 0;
  width = 0;
  height = 0;
  /** The stream's nominal frame rate as ffmpeg reports it (0 when unknown). */
  nominalFps = 0;

  constructor(spec: CaptureSourceSpec) {
    this.source = resolveSource(spec);
    if (this.source.width !== undefined && this.source.height !== undefined) {
      this.setSize(this.source.width, this.source.height);
    }
  }

  /** The ffmpeg process id while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get framesDelivered(): number {
    return this.frames;
  }

  /** The last lines ffmpeg wrote to stderr. */
  stderrTail(n = 6): string[] {
    return this.stderrLines.filter((l) => !/^\s*$/.test(l)).slice(-n);
  }

  start(handlers: SourceHandlers): void {
    if (this.handlers) throw new LandmarkerError('ERR_CAPTURE', 'The capture source was already started');
    this.handlers = handlers;
    const child = spawn(this.source.ffmpegPath, this.source.args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    this.child = child;
    this.closed = new Promise<void>((resolve) => {
      let spawnError: NodeJS.ErrnoException | null = null;
      child.on('error', (err: NodeJS.ErrnoException) => {
        spawnError = err;
        // A spawn failure emits no 'close' on every Node version; a later kill() failure is harmless.
        if (child.pid === undefined) {
          this.finish(this.spawnFailure(err));
          resolve();
        }
      });
      child.on('close', (code, signal) => {
        if (spawnError && child.pid === undefined) return;
        this.finish(this.exitFailure(code, signal));
        resolve();
      });
    });
    child.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => this.onStderr(text));
  }

  /** Flow control for callers that process every frame: stops reading stdout (ffmpeg then blocks on its pipe). */
  pause(): void {
    this.child?.stdout.pause();
  }

  resume(): void {
    this.child?.stdout.resume();
  }

  /** Kills ffmpeg (if running) and resolves once it has exited. Idempotent; `end` is not called after stop(). */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.stdout.destroy();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      await this.closed;
      clearTimeout(timer);
    } else {
      await this.closed;
    }
  }

  private setSize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.parser = new FrameParser(width * height * 3);
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    if (!this.parser) {
      // The size comes from stderr, a separate pipe: keep stdout until it is known.
      this.early.push(chunk);
      this.earlyBytes += chunk.length;
      if (this.earlyBytes > MAX_EARLY_BYTES) this.fail(this.withTail(`ffmpeg did not report the frame size of ${this.source.label}`));
      return;
    }
    for (const data of this.parser.push(chunk)) {
      if (this.ended) return;
      const frame: RawFrame = { data, width: this.width, height: this.height, format: this.source.pixelFormat };
      this.handlers?.frame({ frame, index: this.frames++, time: performance.now() });
    }
  }

  private onStderr(text: string): void {
    const parts = (this.stderrRest + text).split(/\r?\n|\r/);
    this.stderrRest = parts.pop() ?? '';
    for (const line of parts) this.onStderrLine(line);
  }

  private onStderrLine(line: string): void {
    this.stderrLines.push(line);
    if (this.stderrLines.length > STDERR_LINES) this.stderrLines.shift();
    if (line.startsWith('Output #0')) this.seenOutput = true;
    else if (this.seenOutput && !this.parser) {
      const m = OUTPUT_SIZE.exec(line);
      if (m) {
        this.setSize(Number(m[1]), Number(m[2]));
        const early = this.early;
        this.early = [];
        for (const chunk of early) this.onData(chunk);
      }
    }
    if (this.seenOutput && !this.nominalFps && line.includes('Video: rawvideo')) {
      const f = OUTPUT_FPS.exec(line);
      if (f) this.nominalFps = Number(f[1]);
    }
    const size = INPUT_SIZE.exec(line);
    if (size) {
      const now = `${size[1]}x${size[2]}`;
      if (this.inputSize === null) this.inputSize = now;
      else if (now !== this.inputSize && !this.source.allowResize) {
        this.fail(
          `The stream from ${this.source.label} changed size from ${this.inputSize} to ${now} after ${this.frames} frames ` +
            '(set allowResize to let ffmpeg scale it to the first size)',
        );
      }
    }
  }

  /** Ends the capture with an error now and kills ffmpeg. */
  private fail(message: string): void {
    this.finish(new LandmarkerError('ERR_CAPTURE', message));
    void this.stop();
  }

  private finish(err?: LandmarkerError): void {
    if (this.ended) return;
    this.ended = true;
    if (this.stopping) err = undefined;
    this.handlers?.end(err);
  }

  private withTail(message: string): string {
    if (this.stderrRest) this.stderrLines.push(this.stderrRest);
    const tail = this.stderrTail();
    return tail.length ? `${message}. ffmpeg said:\n  ${tail.join('\n  ')}` : message;
  }

  private spawnFailure(err: NodeJS.ErrnoException): LandmarkerError {
    const path = this.source.ffmpegPath;
    const why =
      err.code === 'ENOENT'
        ? `ffmpeg was not found at "${path}". Install ffmpeg (Debian/Ubuntu: apt install ffmpeg; macOS: brew install ffmpeg; ` +
          'Windows: winget install ffmpeg) or pass its path (ffmpegPath option, --ffmpeg flag or TRT_LANDMARKER_FFMPEG)'
        : `ffmpeg at "${path}" could not be started: ${err.message}`;
    return new LandmarkerError('ERR_CAPTURE', why, { cause: err });
  }

  private exitFailure(code: number | null, signal: NodeJS.Signals | null): LandmarkerError | undefined {
    if (this.stopping) return undefined;
    const label = this.source.label;
    if (code === 0 && this.parser && this.parser.pendingBytes === 0 && this.frames > 0) return undefined;
    if (code === 0 && this.parser && this.parser.pendingBytes > 0) {
      return new LandmarkerError(
        'ERR_CAPTURE',
        `The stream from ${label} ended inside a frame (${this.parser.pendingBytes} of ${this.parser.frameSize} bytes) after ${this.frames} frames`,
      );
    }
    if (code === 0) {
      const why = this.parser ? 'ended without a single frame' : 'ended before its frame size was known';
      return new LandmarkerError('ERR_CAPTURE', this.withTail(`ffmpeg ${why} from ${label}`));
    }
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    if (this.frames > 0) {
      return new LandmarkerError('ERR_CAPTURE', this.withTail(`ffmpeg ${how} mid-stream after ${this.frames} frames from ${label}`));
    }
    const text = this.stderrLines.join('\n') + this.stderrRest;
    let reason = `ffmpeg ${how} before the first frame`;
    if (/Device or resource busy/i.test(text)) reason = 'the device is busy (another program is using it)';
    else if (/No such file or directory/i.test(text)) reason = 'no such device or file';
    else if (/Permission denied/i.test(text)) reason = 'permission denied';
    else if (/Invalid data found|could not find codec|moov atom not found/i.test(text)) reason = 'not a video ffmpeg can read';
    return new LandmarkerError('ERR_CAPTURE', this.withTail(`Cannot capture from ${label}: ${reason}`));
  }
}

/**
 * Raw frames from a source as an async iterator, every frame in order (reading pauses while the consumer is busy,
 * so nothing is dropped). Breaking out of the loop kills ffmpeg. For live processing use track().
 */
export async function* readFrames(spec: CaptureSourceSpec): AsyncGenerator<CapturedFrame> {
  const source = new FfmpegSource(spec);
  const queue: CapturedFrame[] = [];
  let done = false;
  let error: LandmarkerError | undefined;
  let wake: (() => void) | null = null;
  source.start({
    frame(f) {
      queue.push(f);
      source.pause();
      wake?.();
    },
    end(err) {
      done = true;
      error = err;
      wake?.();
    },
  });
  try {
    for (;;) {
      const next = queue.shift();
      if (next) {
        if (queue.length === 0) source.resume();
        yield next;
        continue;
      }
      if (error) throw error;
      if (done) return;
      await new Promise<void>((r) => (wake = r));
      wake = null;
    }
  } finally {
    await source.stop();
  }
}
