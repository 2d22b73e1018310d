/**
 * Videos on the queue: the producer probes a file (ffprobe: frame rate and frame count) and cuts it into
 * segments of whole frames; a worker decodes one segment with ffmpeg. Frame i of a constant-frame-rate video is
 * shown at i / fps; a segment [a, b) is read from (a - 0.5) / fps for (b - a) / fps seconds, so every boundary
 * falls half a frame away from any frame and each frame lands in exactly one segment. The worker checks that
 * it got exactly b - a frames. Variable-frame-rate files are not supported (the count check catches them).
 */
import { execFile } from 'node:child_process';
import { readFrames } from '../capture/ffmpeg-source';
import { LandmarkerError } from '../errors';
import type { RawFrame } from '../types';

export interface VideoProbe {
  fps: number;
  frames: number;
  width: number;
  height: number;
}

export interface SegmentPlan {
  segment: number;
  firstFrame: number;
  frameCount: number;
}

function ffprobePath(): string {
  const ffmpeg = process.env.TRT_LANDMARKER_FFMPEG;
  return process.env.TRT_LANDMARKER_FFPROBE || (ffmpeg ? ffmpeg.replace(/ffmpeg([^/\\]*)$/, 'ffprobe$1') : 'ffprobe');
}

/** "30000/1001" -> 29.97. */
export function parseRate(text: string): number {
  const [n, d] = text.split('/').map(Number);
  const v = d === undefined ? n : n / d;
  return Number.isFinite(v) && v > 0 ? v : 0;
}

export function probeVideo(path: string): Promise<VideoProbe> {
  const args = ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=avg_frame_rate,r_frame_rate,nb_read_packets,width,height', '-of', 'json', path];
  return new Promise((resolve, reject) => {
    execFile(ffprobePath(), args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `ffprobe not found (${ffprobePath()})` : String(stderr).trim() || err.message;
        reject(new LandmarkerError('ERR_CAPTURE', `Cannot probe video ${path}: ${why}`));
        return;
      }
      const s = (JSON.parse(stdout) as { streams?: Array<Record<string, string | number>> }).streams?.[0];
      const fps = s ? parseRate(String(s.avg_frame_rate)) || parseRate(String(s.r_frame_rate)) : 0;
      const frames = s ? Number(s.nb_read_packets) : 0;
      if (!s || !(fps > 0) || !(frames > 0)) {
        reject(new LandmarkerError('ERR_CAPTURE', `No video stream with a frame rate and frames in ${path}`));
        return;
      }
      resolve({ fps, frames, width: Number(s.width), height: Number(s.height) });
    });
  });
}

/** Segments of `segmentFrames` frames (the last one shorter) covering frames 0 .. frames-1 once each. */
export function planSegments(frames: number, segmentFrames: number): SegmentPlan[] {
  if (!Number.isInteger(frames) || frames < 0) throw new RangeError(`frames must be a non-negative integer, got ${frames}`);
  if (!Number.isInteger(segmentFrames) || segmentFrames < 1) throw new RangeError(`segmentFrames must be a positive integer, got ${segmentFrames}`);
  const plan: SegmentPlan[] = [];
  for (let first = 0, k = 0; first < frames; first += segmentFrames, k++) {
    plan.push({ segment: k, firstFrame: first, frameCount: Math.min(segmentFrames, frames - first) });
  }
  return plan;
}

/** ffmpeg input options that select frames [first, first + count) at `fps`. */
export function segmentInputOptions(firstFrame: number, frameCount: number, fps: number): string[] {
  const start = Math.max(0, (firstFrame - 0.5) / fps);
  const end = (firstFrame + frameCount - 0.5) / fps;
  return ['-ss', start.toFixed(6), '-t', (end - start).toFixed(6)];
}

/** The frames of one segment, in order; ERR_CAPTURE when ffmpeg delivers another number of frames. */
export async function* segmentFrames(path: string, firstFrame: number, frameCount: number, fps: number): AsyncGenerator<{ index: number; frame: RawFrame }> {
  let n = 0;
  for await (const f of readFrames({ input: path, realtime: false, inputOptions: segmentInputOptions(firstFrame, frameCount, fps) })) {
    if (n === frameCount) throw new LandmarkerError('ERR_CAPTURE', `Segment of ${path} from frame ${firstFrame} gave more than the ${frameCount} frames expected (variable frame rate?)`);
    yield { index: firstFrame + n, frame: f.frame };
    n++;
  }
  if (n !== frameCount) {
    throw new LandmarkerError('ERR_CAPTURE', `Segment of ${path} from frame ${firstFrame} gave ${n} frames, expected ${frameCount} (variable frame rate or a damaged file?)`);
  }
}
