/**
 * Writes annotated frames to a video file through a second ffmpeg reading raw RGB on its stdin, at the source's
 * frame rate on the source's timeline: a processed frame is held (repeated) over the frames that were dropped
 * after it, so the recording plays at the real speed and shows what the preview showed. Writes queue in the pipe
 * up to MAX_QUEUED bytes; beyond that (an encoder slower than real time) frames are skipped and counted.
 * The container and codec follow the file extension (ffmpeg's defaults: H.264 for .mp4 where ffmpeg has libx264).
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { LandmarkerError } from '../errors';

const MAX_QUEUED = 64 * 1024 * 1024;

export interface RecorderOptions {
  width: number;
  height: number;
  /** Frame rate of the source (the recording's constant rate). */
  fps: number;
  /** Default: $TRT_LANDMARKER_FFMPEG or `ffmpeg` from PATH. */
  ffmpegPath?: string;
}

export class Recorder {
  readonly path: string;
  private readonly child: ChildProcessByStdio<Writable, null, Readable>;
  private readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>;
  private readonly frameSize: number;
  private stderr: string[] = [];
  private closed = false;
  private last: { rgb: Buffer; index: number } | null = null;
  written = 0;
  skipped = 0;

  constructor(path: string, options: RecorderOptions) {
    this.path = path;
    this.frameSize = options.width * options.height * 3;
    const ffmpeg = options.ffmpegPath ?? (process.env.TRT_LANDMARKER_FFMPEG || 'ffmpeg');
    const args = [
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-y',
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${options.width}x${options.height}`,
      '-framerate', String(options.fps), '-i', 'pipe:0', '-pix_fmt', 'yuv420p', path,
    ];
    // Its own process group, so that Ctrl+C in a terminal (sent to the whole foreground group) does not kill it with
    // exit code 255 mid-file: the application stops the capture and then finishes the recording by closing stdin.
    this.child = spawn(ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'], windowsHide: true, detached: process.platform !== 'win32' });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (t: string) => {
      this.stderr.push(...t.split(/\r?\n/).filter(Boolean));
      if (this.stderr.length > 20) this.stderr.splice(0, this.stderr.length - 20);
    });
    // EPIPE when ffmpeg died: reported by close().
    this.child.stdin.on('error', () => undefined);
    this.done = new Promise((resolve) => {
      this.child.on('error', (error) => resolve({ code: null, signal: null, error }));
      this.child.on('close', (code, signal) => resolve({ code, signal }));
    });
  }

  /**
   * Adds the packed-RGB frame of source frame `index` (indices increase; gaps are dropped frames, filled with the
   * previous frame). Returns false when frames had to be skipped (ffmpeg too slow or gone).
   */
  write(rgb: Buffer, index: number): boolean {
    if (rgb.length !== this.frameSize) throw new RangeError(`Recorder frame must be ${this.frameSize} bytes, got ${rgb.length}`);
    let ok = true;
    if (this.last) {
      for (let i = this.last.index + 1; i < index; i++) ok = this.push(this.last.rgb) && ok;
    }
    ok = this.push(rgb) && ok;
    this.last = { rgb, index };
    return ok;
  }

  private push(rgb: Buffer): boolean {
    const stdin = this.child.stdin;
    if (this.closed || stdin.destroyed || stdin.writableLength > MAX_QUEUED) {
      this.skipped++;
      return false;
    }
    stdin.write(rgb);
    this.written++;
    return true;
  }

  /** Finishes the file and waits for ffmpeg; throws ERR_CAPTURE when ffmpeg failed. */
  async close(): Promise<void> {
    this.closed = true;
    this.child.stdin.end();
    const { code, signal, error } = await this.done;
    if (error || code !== 0) {
      const why = error ? error.message : signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const tail = this.stderr.slice(-5).join('\n  ');
      throw new LandmarkerError('ERR_CAPTURE', `Recording ${this.path} failed: ffmpeg ${why}${tail ? `. ffmpeg said:\n  ${tail}` : ''}`);
    }
  }

  /** Stops ffmpeg without finishing the file (for error paths). */
  async abort(): Promise<void> {
    this.closed = true;
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined) this.child.kill('SIGKILL');
    await this.done;
  }
}
