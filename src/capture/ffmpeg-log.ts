/**
 * Reading ffmpeg's stderr: the frame size and rate of the raw output, input size changes, the last lines for error
 * messages, and the wording of capture errors. Runs on the main thread from the text the reader worker forwards.
 */
import { LandmarkerError } from '../errors';

const STDERR_LINES = 40;
// "Output #0, rawvideo ..." is followed by "Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24(...), 640x480 ..."
const OUTPUT_SIZE = /Video: rawvideo.*?[\s,](\d{1,5})x(\d{1,5})[\s,[]/;
const OUTPUT_FPS = /, (\d+(?:\.\d+)?) fps/;
// Logged (verbose) each time the filter graph is configured for an input frame size.
const INPUT_SIZE = /^\[graph[^\]]* input from stream[^\]]*\] w:(\d+) h:(\d+) /;

export type LogEvent = { type: 'size'; width: number; height: number } | { type: 'resized'; from: string; to: string };

export class FfmpegLog {
  private lines: string[] = [];
  private rest = '';
  private seenOutput = false;
  private sizeKnown = false;
  private inputSize: string | null = null;
  nominalFps = 0;

  constructor(
    /** What is captured, for messages: 'device /dev/video0'. */
    readonly label: string,
    sizeKnown: boolean,
  ) {
    this.sizeKnown = sizeKnown;
  }

  /** Feeds stderr text; returns what it revealed. */
  push(text: string): LogEvent[] {
    const parts = (this.rest + text).split(/\r?\n|\r/);
    this.rest = parts.pop() ?? '';
    const events: LogEvent[] = [];
    for (const line of parts) this.line(line, events);
    return events;
  }

  private line(line: string, events: LogEvent[]): void {
    this.lines.push(line);
    if (this.lines.length > STDERR_LINES) this.lines.shift();
    if (line.startsWith('Output #0')) this.seenOutput = true;
    else if (this.seenOutput && line.includes('Video: rawvideo')) {
      const m = OUTPUT_SIZE.exec(line);
      if (m && !this.sizeKnown) {
        this.sizeKnown = true;
        events.push({ type: 'size', width: Number(m[1]), height: Number(m[2]) });
      }
      const f = OUTPUT_FPS.exec(line);
      if (f && !this.nominalFps) this.nominalFps = Number(f[1]);
    }
    const size = INPUT_SIZE.exec(line);
    if (size) {
      const now = `${size[1]}x${size[2]}`;
      if (this.inputSize === null) this.inputSize = now;
      else if (now !== this.inputSize) events.push({ type: 'resized', from: this.inputSize, to: now });
    }
  }

  /** The last non-empty lines ffmpeg wrote. */
  tail(n = 6): string[] {
    const all = this.rest ? [...this.lines, this.rest] : this.lines;
    return all.filter((l) => !/^\s*$/.test(l)).slice(-n);
  }

  withTail(message: string): string {
    const tail = this.tail();
    return tail.length ? `${message}. ffmpeg said:\n  ${tail.join('\n  ')}` : message;
  }

  resizedError(from: string, to: string, frames: number): LandmarkerError {
    return new LandmarkerError(
      'ERR_CAPTURE',
      `The stream from ${this.label} changed size from ${from} to ${to} after ${frames} frames (set allowResize to let ffmpeg scale it to the first size)`,
    );
  }

  spawnError(path: string, err: { code?: string; message: string }): LandmarkerError {
    const why =
      err.code === 'ENOENT'
        ? `ffmpeg was not found at "${path}". Install ffmpeg (Debian/Ubuntu: apt install ffmpeg; macOS: brew install ffmpeg; ` +
          'Windows: winget install ffmpeg) or pass its path (ffmpegPath option, --ffmpeg flag or TRT_LANDMARKER_FFMPEG)'
        : `ffmpeg at "${path}" could not be started: ${err.message}`;
    return new LandmarkerError('ERR_CAPTURE', why);
  }

  /** The error for ffmpeg's exit, or undefined for a clean end. */
  exitError(e: { code: number | null; signal: string | null; frames: number; pendingBytes: number; frameSize: number; sizeKnown: boolean }): LandmarkerError | undefined {
    const label = this.label;
    if (e.code === 0 && e.sizeKnown && e.pendingBytes === 0 && e.frames > 0) return undefined;
    if (e.code === 0 && e.pendingBytes > 0) {
      return new LandmarkerError(
        'ERR_CAPTURE',
        `The stream from ${label} ended inside a frame (${e.pendingBytes} of ${e.frameSize} bytes) after ${e.frames} frames`,
      );
    }
    if (e.code === 0) {
      const why = e.sizeKnown ? 'ended without a single frame' : 'ended before its frame size was known';
      return new LandmarkerError('ERR_CAPTURE', this.withTail(`ffmpeg ${why} from ${label}`));
    }
    const how = e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
    if (e.frames > 0) {
      return new LandmarkerError('ERR_CAPTURE', this.withTail(`ffmpeg ${how} mid-stream after ${e.frames} frames from ${label}`));
    }
    const text = this.lines.join('\n') + this.rest;
    let reason = `ffmpeg ${how} before the first frame`;
    if (/Device or resource busy/i.test(text)) reason = 'the device is busy (another program is using it)';
    else if (/No such file or directory/i.test(text)) reason = 'no such device or file';
    else if (/Permission denied/i.test(text)) reason = 'permission denied';
    else if (/Invalid data found|could not find codec|moov atom not found/i.test(text)) reason = 'not a video ffmpeg can read';
    return new LandmarkerError('ERR_CAPTURE', this.withTail(`Cannot capture from ${label}: ${reason}`));
  }
}
