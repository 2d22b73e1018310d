/**
 * `trt-landmarker webcam`: live landmarks from a camera, a file/URL or a lavfi graph through ffmpeg, with a local
 * preview page (127.0.0.1 only), optional JSON lines on stdout and an annotated recording.
 */
import type { CaptureSource } from '../../capture/ffmpeg-args';
import { annotate, LOST_COLOR, SEARCH_COLOR, TRACKED_COLOR } from '../../capture/annotate';
import type { FaceTrackResult } from '../../capture/track-faces';
import type { FrameFigures } from '../../capture/frame-loop';
import { PreviewServer } from '../../capture/preview-server';
import { Recorder } from '../../capture/recorder';
import type { TrackOptions, TrackResult } from '../../capture/track';
import { TrtLandmarker } from '../../landmarker';
import type { Backend, Box } from '../../types';
import { flag, has, parseArgs, usageError, type ParsedArgs } from '../args';

export const usage = `webcam [--device DEV | --input FILE|URL | --lavfi GRAPH] [--model m.onnx] [options]   live landmarks with a preview page
  Every face is tracked with a stable id: the built-in detector finds faces on the first frame, after a loss and
  every --detect-every frames. --box or --no-detect: one face, no detector (the landmark model alone).
  --detect-every N    run the detector every N frames (default 10);  --max-faces N  (default 10)
  --device DEV        camera (default /dev/video0 on Linux, 0 on macOS; Windows: the dshow name)
  --input FILE|URL    a video file or stream ffmpeg reads (played at its own rate, like a camera)
  --lavfi GRAPH       an ffmpeg test source, e.g. testsrc2=size=640x480:rate=30
  --model PATH        ONNX model (default: the shipped peppa-slim160);  --config PATH  contract JSON;  --backend auto|tensorrt|onnxruntime;  --threads N
  --size WxH          frame size (ffmpeg scales);  --fps N  frame rate;  --format F  ffmpeg input format (-f)
  --ffmpeg PATH       ffmpeg executable (default: $TRT_LANDMARKER_FFMPEG or ffmpeg on PATH)
  --port N            preview port on 127.0.0.1 (default: a free port);  --no-serve  no preview page
  --json              one JSON line per processed frame on stdout
  --record OUT.mp4    write the annotated video through a second ffmpeg
  --box x,y,w,h       face box to search while there is no track (default: the whole frame)
  --no-track          no cropping around the previous landmarks;  --expand F  --min-score S  --max-jump J
  --no-smooth         no One-Euro smoothing;  --min-cutoff HZ  --beta B  --d-cutoff HZ
  --all               process every frame (slows the source down) instead of dropping stale frames
  --frames N          stop after N processed frames;  --loop  loop a file;  --no-realtime  read files at full speed`;

const BOOLEANS = ['json', 'no-serve', 'no-track', 'no-smooth', 'all', 'loop', 'no-realtime', 'no-detect'];
const VALUES = [
  'device', 'input', 'lavfi', 'model', 'config', 'backend', 'threads', 'size', 'fps', 'format', 'ffmpeg', 'port',
  'record', 'box', 'expand', 'min-score', 'max-jump', 'min-cutoff', 'beta', 'd-cutoff', 'frames', 'detect-every', 'max-faces',
];

function num(args: ParsedArgs, name: string, check: (v: number) => boolean, expected: string): number | undefined {
  const text = flag(args, name);
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || !check(v)) throw usageError(`Expected ${expected} for --${name} but received "${text}"`);
  return v;
}

const DEFAULT_DEVICE: Partial<Record<NodeJS.Platform, string>> = { linux: '/dev/video0', darwin: '0' };

/** The capture source described by the flags. */
export function sourceFromArgs(args: ParsedArgs): CaptureSource {
  const kinds = (['device', 'input', 'lavfi'] as const).filter((k) => has(args, k));
  if (kinds.length > 1) throw usageError(`Give one of --device, --input, --lavfi but received ${kinds.map((k) => `--${k}`).join(' and ')}`);
  const src: CaptureSource = {};
  if (kinds.length === 0) {
    const device = DEFAULT_DEVICE[process.platform];
    if (!device) throw usageError('Give --device NAME (the dshow camera name), --input or --lavfi');
    src.device = device;
  } else {
    src[kinds[0]] = flag(args, kinds[0]);
  }
  const size = flag(args, 'size');
  if (size !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(size);
    if (!m) throw usageError(`Expected WxH (e.g. 640x480) for --size but received "${size}"`);
    src.width = Number(m[1]);
    src.height = Number(m[2]);
  }
  src.fps = num(args, 'fps', (v) => v > 0 && v <= 1000, 'a frame rate in (0, 1000]');
  src.format = flag(args, 'format');
  src.ffmpegPath = flag(args, 'ffmpeg');
  if (has(args, 'loop')) src.loop = true;
  if (has(args, 'no-realtime')) src.realtime = false;
  return src;
}

function trackOptionsFromArgs(args: ParsedArgs, signal: AbortSignal): TrackOptions {
  const pos = (v: number) => v > 0;
  const box = flag(args, 'box');
  let initial: Box | undefined;
  if (box !== undefined) {
    const nums = box.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
    if (nums.length !== 4 || nums.some((n) => !Number.isFinite(n))) throw usageError(`Expected --box x,y,w,h (4 numbers) but received "${box}"`);
    initial = nums as Box;
  }
  const strip = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
  return {
    policy: has(args, 'all') ? 'all' : 'latest',
    box: initial,
    signal,
    maxFrames: num(args, 'frames', (v) => Number.isInteger(v) && v > 0, 'a positive integer'),
    tracking: has(args, 'no-track')
      ? false
      : strip({
          expand: num(args, 'expand', pos, 'a positive number'),
          minScore: num(args, 'min-score', (v) => v >= 0 && v <= 1, 'a number in [0, 1]'),
          maxJump: num(args, 'max-jump', pos, 'a positive number'),
        }),
    smoothing: has(args, 'no-smooth')
      ? false
      : strip({
          minCutoff: num(args, 'min-cutoff', pos, 'a positive number'),
          beta: num(args, 'beta', (v) => v >= 0, 'a non-negative number'),
          dCutoff: num(args, 'd-cutoff', pos, 'a positive number'),
        }),
  };
}

function round(v: number, d = 2): number {
  const m = 10 ** d;
  return Math.round(v * m) / m;
}

/** The frame figures both JSON lines start with. */
function frameFields(r: FrameFigures) {
  return {
    index: r.index,
    capturedAt: round(r.capturedAt, 1),
    latencyMs: round(r.latencyMs),
    captureFps: round(r.captureFps),
    processedFps: round(r.processedFps),
    dropped: r.dropped,
  };
}

function jsonLine(r: TrackResult): string {
  return JSON.stringify({
    ...frameFields(r),
    tracked: r.tracked,
    lost: r.lost,
    width: r.frame.width,
    height: r.frame.height,
    box: r.box ? r.box.map((v) => round(v)) : null,
    points: Array.from(r.points, (v) => round(v)),
    ...(r.raw.scores ? { scores: Array.from(r.raw.scores, (v) => round(v, 4)) } : {}),
    inferenceMs: round(r.raw.timings.inference, 3),
  });
}

function faceJsonLine(r: FaceTrackResult): string {
  return JSON.stringify({
    ...frameFields(r),
    detected: r.detected,
    workMs: round(r.workMs, 3),
    width: r.frame.width,
    height: r.frame.height,
    faces: r.faces.map((f) => ({ id: f.id, box: f.box.map((v) => round(v)), score: round(f.score, 4), detected: f.detected, points: Array.from(f.points, (v) => round(v)) })),
  });
}

/** The annotated frame of face mode: every face's points and box (blue: found by the detector, yellow: followed). */
function annotateFaces(r: FaceTrackResult): Buffer {
  return annotate(r.frame, ...r.faces.map((f) => ({ points: f.points, box: f.box, boxColor: f.detected ? SEARCH_COLOR : TRACKED_COLOR })));
}

function median(values: number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** `signal` (for embedding and tests) stops the loop like Ctrl+C. */
export async function run(argv: string[], signal?: AbortSignal): Promise<number> {
  const args = parseArgs(argv, { booleans: BOOLEANS, values: VALUES });
  if (args.positional.length) throw usageError(`webcam takes no positional arguments but received "${args.positional[0]}"\n\n${usage}`);
  const model = flag(args, 'model');
  if (flag(args, 'config') !== undefined && !model) throw usageError(`--config needs --model (the default model brings its own contract)\n\n${usage}`);
  const faceMode = !has(args, 'box') && !has(args, 'no-detect');
  const detectEvery = num(args, 'detect-every', (v) => Number.isInteger(v) && v > 0, 'a positive integer');
  const maxFaces = num(args, 'max-faces', (v) => Number.isInteger(v) && v > 0 && v <= 1000, 'a positive integer <= 1000');
  const source = sourceFromArgs(args);
  const port = num(args, 'port', (v) => Number.isInteger(v) && v >= 0 && v <= 65535, 'a port in 0..65535');
  const threads = num(args, 'threads', (v) => Number.isInteger(v) && v > 0, 'a positive integer');
  const abort = new AbortController();
  signal?.addEventListener('abort', () => abort.abort(), { once: true });
  if (signal?.aborted) abort.abort();
  const options = trackOptionsFromArgs(args, abort.signal);
  const json = has(args, 'json');
  const recordPath = flag(args, 'record');

  const lm = await TrtLandmarker.create({
    model,
    config: flag(args, 'config'),
    backend: flag(args, 'backend') as Backend | undefined,
    threads,
    ...(faceMode ? {} : { detector: false as const }),
  });
  let server: PreviewServer | null = null;
  let recorder: Recorder | null = null;
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // `--json | head`: a closed stdout ends the loop instead of crashing on EPIPE.
  const onStdoutError = () => abort.abort();
  process.stdout.on('error', onStdoutError);
  const latencies: number[] = [];
  let last: TrackResult | FaceTrackResult | null = null;
  const started = performance.now();
  try {
    if (!has(args, 'no-serve')) {
      const what = source.device ? `device ${source.device}` : source.input ? source.input : `lavfi ${source.lavfi}`;
      server = await PreviewServer.start({
        port,
        title: 'trt-landmarker live',
        info: { source: what, model: lm.info.model.split(/[\\/]/).pop() ?? lm.info.model, backend: lm.info.backend, architecture: lm.info.architecture },
      });
      process.stderr.write(`Preview: ${server.url}  (Ctrl+C to stop)\n`);
    }
    const faceOptions = { ...(detectEvery ? { detectEvery } : {}), ...(maxFaces ? { maxFaces } : {}) };
    for await (const r of faceMode ? lm.trackFaces(source, { ...options, faces: faceOptions }) : lm.track(source, options)) {
      last = r;
      latencies.push(r.latencyMs);
      if (latencies.length > 10000) latencies.splice(0, 5000);
      const single = 'raw' in r ? r : null;
      if (json) process.stdout.write((single ? jsonLine(single) : faceJsonLine(r as FaceTrackResult)) + '\n');
      if (server || recordPath) {
        const rgb = single
          ? annotate(single.frame, { points: single.points, box: single.box ?? undefined, boxColor: single.lost ? LOST_COLOR : single.tracked ? TRACKED_COLOR : SEARCH_COLOR })
          : annotateFaces(r as FaceTrackResult);
        if (recordPath) {
          recorder ??= new Recorder(recordPath, { width: r.frame.width, height: r.frame.height, fps: r.streamFps || source.fps || 30, ffmpegPath: source.ffmpegPath });
          recorder.write(rgb, r.index);
        }
        server?.publish(rgb, r.frame.width, r.frame.height, {
          index: r.index,
          width: r.frame.width,
          height: r.frame.height,
          captureFps: r.captureFps,
          processedFps: r.processedFps,
          latencyMs: r.latencyMs,
          inferenceMs: single ? single.raw.timings.inference : (r as FaceTrackResult).workMs,
          dropped: r.dropped,
          tracked: single ? single.tracked : (r as FaceTrackResult).faces.length > 0,
          lost: single ? single.lost : null,
          ...(single ? {} : { faceIds: (r as FaceTrackResult).faces.map((f) => f.id) }),
        });
      }
    }
    server?.end();
  } catch (err) {
    server?.end((err as Error).message);
    await recorder?.close().catch(() => undefined);
    recorder = null;
    throw err;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.stdout.off('error', onStdoutError);
    await server?.close();
    await lm.dispose();
  }
  await recorder?.close();
  const secs = (performance.now() - started) / 1000;
  if (last) {
    process.stderr.write(
      `${last.processed} frames processed of ${last.captured} captured (${last.dropped} dropped) in ${secs.toFixed(1)} s; ` +
        `processed ${last.processedFps.toFixed(1)} fps, capture ${last.captureFps.toFixed(1)} fps, median latency ${median(latencies).toFixed(1)} ms` +
        `${recorder ? `; recorded ${recordPath}` : ''}\n`,
    );
  } else {
    process.stderr.write('No frame was processed\n');
  }
  return 0;
}
