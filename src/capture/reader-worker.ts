/**
 * The capture reader, run in a worker thread (see ffmpeg-source.ts): spawns ffmpeg, drains its stdout into frames
 * and answers the main thread's pulls.
 *
 * Why a thread: the JS thread can be busy for a while (the caller's loop body, drawing, any synchronous call; our
 * backends themselves run inference off the JS thread). If the main thread read the pipe, ffmpeg would block on its full pipe during inference and the "latest" frame
 * would really be a stale one queued upstream (in ffmpeg or the camera driver), with a misleading timestamp. Here
 * the pipe is always drained, each frame is stamped when it arrives, and with policy 'latest' a newer frame
 * replaces the one not yet pulled (counted as dropped). With policy 'all' reading pauses while a frame waits.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { FrameParser } from './frame-parser';
import { RateMeter } from './rate';

export interface ReaderInit {
  ffmpegPath: string;
  args: string[];
  /** Bytes per frame, or 0 until the main thread reads the size from stderr and sends it. */
  frameSize: number;
  policy: 'latest' | 'all';
}

/** 'size-final': the main thread's answer to 'size-pending', sent after any 'size' it had already sent. */
export type ToReader = { type: 'size'; frameSize: number } | { type: 'size-final' } | { type: 'pull' } | { type: 'stop' };

export type FromReader =
  | { type: 'spawned'; pid: number }
  | { type: 'spawn-error'; code?: string; message: string }
  | { type: 'stderr'; text: string }
  | { type: 'frame'; data: ArrayBuffer; index: number; time: number; captured: number; dropped: number; captureFps: number }
  | { type: 'closed'; code: number | null; signal: string | null; frames: number; pendingBytes: number }
  /** ffmpeg closed with stdout bytes kept while the frame size was unknown: has the main thread sent it? */
  | { type: 'size-pending' }
  | { type: 'end' };

/** stdout kept while the frame size is unknown (a few 4K frames). */
const MAX_EARLY_BYTES = 64 * 1024 * 1024;
const KILL_GRACE_MS = 500;

function main(port: NonNullable<typeof parentPort>, init: ReaderInit): void {
  const post = (m: FromReader, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  let parser = init.frameSize ? new FrameParser(init.frameSize) : null;
  let early: Buffer[] = [];
  let earlyBytes = 0;
  const waiting: { data: ArrayBuffer; index: number; time: number }[] = [];
  let frames = 0;
  let dropped = 0;
  let wanted = false;
  let closed = false;
  let closeInfo: { code: number | null; signal: string | null } | null = null;
  let closedPosted = false;
  const rate = new RateMeter();

  // Its own process group: Ctrl+C in a terminal signals the whole foreground group, and ffmpeg dying of it first
  // would be reported as a capture failure before the application had a chance to stop the capture.
  const child = spawn(init.ffmpegPath, init.args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, detached: process.platform !== 'win32' });
  child.on('spawn', () => post({ type: 'spawned', pid: child.pid! }));
  child.on('error', (err: NodeJS.ErrnoException) => {
    if (child.pid === undefined) {
      closed = true;
      post({ type: 'spawn-error', code: err.code, message: err.message });
    }
  });

  const send = () => {
    const f = waiting.shift();
    if (!f) return false;
    wanted = false;
    post({ type: 'frame', ...f, captured: frames, dropped, captureFps: rate.rate }, [f.data]);
    if (init.policy === 'all' && waiting.length === 0 && !closed) child.stdout.resume();
    return true;
  };

  const onFrame = (buf: Buffer) => {
    // A transferable buffer of its own: a parser view into a chunk is copied here (the frame's one copy); a frame
    // the parser assembled is already the sole owner of its memory when it spans the whole ArrayBuffer.
    let data: ArrayBuffer;
    if (buf.byteOffset === 0 && buf.byteLength === buf.buffer.byteLength && buf.buffer instanceof ArrayBuffer) data = buf.buffer;
    else {
      data = new ArrayBuffer(buf.byteLength);
      new Uint8Array(data).set(buf);
    }
    const now = performance.now();
    rate.tick(now);
    const frame = { data, index: frames++, time: performance.timeOrigin + now };
    if (init.policy === 'latest' && waiting.length) {
      waiting.length = 0;
      dropped++;
    }
    waiting.push(frame);
    if (init.policy === 'all') child.stdout.pause();
    if (wanted) send();
  };

  const onData = (chunk: Buffer) => {
    if (!parser) {
      early.push(chunk);
      earlyBytes += chunk.length;
      if (earlyBytes > MAX_EARLY_BYTES) {
        early = [];
        child.kill('SIGKILL');
      }
      return;
    }
    for (const f of parser.push(chunk)) onFrame(f);
  };

  child.stdout.on('data', onData);
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => post({ type: 'stderr', text }));
  const postClosed = () => {
    closedPosted = true;
    post({ type: 'closed', ...closeInfo!, frames, pendingBytes: parser?.pendingBytes ?? earlyBytes });
    if (wanted && !send()) post({ type: 'end' });
  };
  child.on('close', (code, signal) => {
    if (child.pid === undefined) return; // a spawn failure, reported above
    closed = true;
    closeInfo = { code, signal };
    // The frame size comes from ffmpeg's stderr, parsed on the main thread; a short stream can close before that
    // 'size' message gets here, its frames still kept unparsed. The main thread has read all of stderr by the time
    // it sees 'size-pending', so its 'size-final' comes after any 'size' it sends: only then is the count final.
    if (!parser && earlyBytes > 0) post({ type: 'size-pending' });
    else postClosed();
  });

  port.on('message', (m: ToReader) => {
    if (m.type === 'size') {
      if (parser) return;
      parser = new FrameParser(m.frameSize);
      const chunks = early;
      early = [];
      earlyBytes = 0;
      for (const c of chunks) onData(c);
    } else if (m.type === 'size-final') {
      if (closed && !closedPosted) postClosed();
    } else if (m.type === 'pull') {
      wanted = true;
      if (!send() && closedPosted) post({ type: 'end' });
    } else if (m.type === 'stop') {
      if (closed || child.pid === undefined) return;
      child.stdout.destroy();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      child.once('close', () => clearTimeout(timer));
    }
  });
}

if (parentPort && workerData?.reader) main(parentPort, workerData.reader as ReaderInit);
