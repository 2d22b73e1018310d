/**
 * What to capture and how ffmpeg is asked for it: validation of a capture source and the ffmpeg command line.
 * Pure (no process, no I/O) so the argument rules are unit-tested on every platform.
 */
import { invalidType, invalidValue, outOfRange } from '../errors';

/** Where frames come from. Exactly one of `device`, `input`, `lavfi`. A plain string is `{ input: string }`. */
export interface CaptureSource {
  /** A camera: '/dev/video0' (Linux, v4l2), '0' (macOS avfoundation index or name), 'Integrated Camera' (Windows dshow). */
  device?: string;
  /** A file or URL ffmpeg can read. */
  input?: string;
  /** An ffmpeg lavfi source graph, e.g. 'testsrc2=size=640x480:rate=30'. */
  lavfi?: string;
  /** ffmpeg input format (-f). Devices default to v4l2 / avfoundation / dshow by platform. */
  format?: string;
  /** Frame size delivered to the tracker; ffmpeg scales to it. Both or neither; default: the stream's own size. */
  width?: number;
  height?: number;
  /** Output frame rate (ffmpeg drops or repeats frames to reach it); for devices also the requested capture rate. */
  fps?: number;
  /** Channel order of the raw frames. Default 'rgb'. */
  pixelFormat?: 'rgb' | 'bgr';
  /** Read files and lavfi graphs at their native frame rate (ffmpeg -re), like a camera. Default true. */
  realtime?: boolean;
  /** Loop a file forever (ffmpeg -stream_loop -1). Default false. */
  loop?: boolean;
  /** Extra ffmpeg options placed just before `-i`, e.g. ['-video_size', '1280x720', '-input_format', 'mjpeg']. */
  inputOptions?: string[];
  /** The ffmpeg executable. Default: $TRT_LANDMARKER_FFMPEG, else `ffmpeg` from PATH. */
  ffmpegPath?: string;
  /**
   * A stream whose size changes mid-way (a new resolution in a file or an adaptive URL) ends the capture with
   * ERR_CAPTURE unless this is true; then ffmpeg scales the new size to the first one (or to width x height).
   */
  allowResize?: boolean;
}

export type CaptureSourceSpec = CaptureSource | string;

export interface ResolvedSource {
  kind: 'device' | 'input' | 'lavfi';
  /** What is captured, for messages: 'device /dev/video0', 'file clip.mp4', 'lavfi testsrc'. */
  label: string;
  ffmpegPath: string;
  args: string[];
  width?: number;
  height?: number;
  pixelFormat: 'rgb' | 'bgr';
  allowResize: boolean;
}

const DEVICE_FORMATS: Partial<Record<NodeJS.Platform, string>> = { linux: 'v4l2', darwin: 'avfoundation', win32: 'dshow' };

function checkDimension(name: string, value: unknown): number {
  if (typeof value !== 'number') throw invalidType(name, 'positive integer', value);
  if (!Number.isInteger(value) || value < 2 || value > 16384) throw outOfRange(name, 'integer in 2..16384', value);
  return value;
}

function checkString(name: string, value: unknown): string {
  if (typeof value !== 'string') throw invalidType(name, 'non-empty string', value);
  if (value.length === 0) throw invalidValue(name, 'non-empty string', value);
  return value;
}

/** Validates a source and builds the ffmpeg argument list that writes raw frames to stdout. */
export function resolveSource(spec: CaptureSourceSpec, platform: NodeJS.Platform = process.platform): ResolvedSource {
  const src: CaptureSource = typeof spec === 'string' ? { input: spec } : spec;
  if (typeof src !== 'object' || src === null || Array.isArray(src)) {
    throw invalidType('source', 'string or object with device, input or lavfi', spec);
  }
  const given = (['device', 'input', 'lavfi'] as const).filter((k) => src[k] !== undefined);
  if (given.length !== 1) {
    throw invalidValue('source', 'exactly one of device, input, lavfi', given.length ? given.join(' and ') : src);
  }
  const kind = given[0];
  const target = checkString(`source.${kind}`, src[kind]);

  if ((src.width === undefined) !== (src.height === undefined)) {
    throw invalidValue('source.width', 'width and height given together', src.width ?? src.height);
  }
  const width = src.width === undefined ? undefined : checkDimension('source.width', src.width);
  const height = src.height === undefined ? undefined : checkDimension('source.height', src.height);
  if (src.fps !== undefined) {
    if (typeof src.fps !== 'number') throw invalidType('source.fps', 'positive number', src.fps);
    if (!(src.fps > 0 && src.fps <= 1000)) throw outOfRange('source.fps', 'number in (0, 1000]', src.fps);
  }
  const pixelFormat = src.pixelFormat ?? 'rgb';
  if (pixelFormat !== 'rgb' && pixelFormat !== 'bgr') throw invalidValue('source.pixelFormat', "'rgb' or 'bgr'", pixelFormat);
  const inputOptions = src.inputOptions ?? [];
  if (!Array.isArray(inputOptions) || inputOptions.some((o) => typeof o !== 'string')) {
    throw invalidType('source.inputOptions', 'array of strings', src.inputOptions);
  }
  const ffmpegPath =
    src.ffmpegPath !== undefined ? checkString('source.ffmpegPath', src.ffmpegPath) : process.env.TRT_LANDMARKER_FFMPEG || 'ffmpeg';
  const format = src.format !== undefined ? checkString('source.format', src.format) : undefined;
  const realtime = src.realtime ?? true;

  // -nostdin: ffmpeg must never read the terminal. verbose: the filter graph logs each input size, which is
  // how a mid-stream size change is detected (see ffmpeg-source.ts). -nostats: no progress lines.
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'verbose'];
  let label: string;
  if (kind === 'device') {
    const fmt = format ?? DEVICE_FORMATS[platform];
    if (!fmt) throw invalidValue('source.format', `an ffmpeg device format (no default on ${platform})`, undefined);
    let name = target;
    if (fmt === 'dshow' && !name.startsWith('video=')) name = `video=${name}`;
    if (src.fps !== undefined) args.push('-framerate', String(src.fps));
    args.push('-f', fmt, ...inputOptions, '-i', name);
    label = `device ${target}`;
  } else if (kind === 'input') {
    if (realtime) args.push('-re');
    if (src.loop) args.push('-stream_loop', '-1');
    if (format) args.push('-f', format);
    args.push(...inputOptions, '-i', target);
    label = `input ${target}`;
  } else {
    if (realtime) args.push('-re');
    args.push('-f', format ?? 'lavfi', ...inputOptions, '-i', target);
    label = `lavfi ${target.split(/[=,:]/)[0]}`;
  }
  args.push('-map', '0:v:0', '-an', '-sn', '-dn');
  if (src.fps !== undefined) args.push('-r', String(src.fps));
  if (width !== undefined && height !== undefined) args.push('-s', `${width}x${height}`);
  args.push('-pix_fmt', pixelFormat === 'rgb' ? 'rgb24' : 'bgr24', '-f', 'rawvideo', 'pipe:1');
  return { kind, label, ffmpegPath, args, width, height, pixelFormat, allowResize: src.allowResize ?? false };
}
