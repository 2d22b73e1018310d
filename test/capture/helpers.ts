/** Shared helpers for the capture tests: tool detection, process checks, fake ffmpeg scripts, fake detectors. */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { FrameDetector } from '../../src/capture/track';
import type { Box, LandmarkResult, RawFrame } from '../../src/types';

export const FFMPEG = process.env.TRT_LANDMARKER_FFMPEG || 'ffmpeg';
export const HAS_FFMPEG = spawnSync(FFMPEG, ['-version']).status === 0;
export const CHROMIUM = '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const HELEN = join(__dirname, '../../../shared/data/helen-test');
export const PEPPA = join(__dirname, '../../../shared/models/peppa-slim160/slim_160_latest.onnx');
export const PEPPA_CONTRACT = join(__dirname, '../../models/contracts/peppa-slim160.json');

export function tempDir(prefix = 'trtl-capture-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Whether a process with this id exists (a reaped child does not). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Command names of this process's live children (Linux/macOS ps). */
export function childCommands(): string[] {
  const out = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,comm='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 3 && Number(f[1]) === process.pid)
    .map((f) => f.slice(2).join(' '));
}

/** An executable shell script standing in for ffmpeg. */
export function fakeFfmpeg(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

export function runFfmpeg(args: string[]): void {
  execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * A short video made from test images (HELEN test faces when ../shared is there, else generated patterns),
 * stored losslessly so its frames can be compared with the images. Returns the path and the expected frames.
 */
export async function videoFromImages(dir: string, count = 6, size = 160): Promise<{ path: string; frames: Buffer[]; source: string }> {
  const frames: Buffer[] = [];
  let source = 'generated patterns';
  const jpgs = existsSync(HELEN) ? readdirSync(HELEN).filter((f) => f.endsWith('.jpg')).sort().slice(0, count) : [];
  for (let i = 0; i < count; i++) {
    let img: ReturnType<typeof sharp>;
    if (jpgs.length === count) {
      source = 'HELEN test images';
      img = sharp(join(HELEN, jpgs[i])).resize(size, size);
    } else {
      const raw = Buffer.alloc(size * size * 3);
      for (let p = 0; p < size * size; p++) {
        raw[p * 3] = (p % size) * 2 + i * 20;
        raw[p * 3 + 1] = Math.floor(p / size) * 3;
        raw[p * 3 + 2] = (i * 40) & 255;
      }
      img = sharp(raw, { raw: { width: size, height: size, channels: 3 } });
    }
    const rgb = await img.removeAlpha().raw().toBuffer();
    frames.push(rgb);
    await sharp(rgb, { raw: { width: size, height: size, channels: 3 } }).png().toFile(join(dir, `img${String(i).padStart(3, '0')}.png`));
  }
  const path = join(dir, 'faces.mkv');
  // FFV1 in RGB (bgr0) is lossless, so every frame must come back byte for byte.
  runFfmpeg(['-framerate', '10', '-i', join(dir, 'img%03d.png'), '-c:v', 'ffv1', '-pix_fmt', 'bgr0', path]);
  return { path, frames, source };
}

export function points(cx: number, cy: number, half: number, n = 68): Float32Array {
  const p = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const a = (i / n) * 2 * Math.PI;
    p[2 * i] = cx + half * Math.cos(a);
    p[2 * i + 1] = cy + half * Math.sin(a);
  }
  return p;
}

export interface FakeCall {
  frame: RawFrame;
  box?: Box;
  at: number;
}

/**
 * A detector that takes `delayMs` per call (a deliberately slow backend) and answers a face of half-size `half`
 * centred in the box it was given (or at `centre` without a box), with optional scores.
 */
export function fakeDetector(opts: { delayMs?: number; half?: number; centre?: [number, number]; scores?: (call: number) => number | undefined } = {}): FrameDetector & { calls: FakeCall[] } {
  const calls: FakeCall[] = [];
  return {
    calls,
    async detect(frame: RawFrame, o?: { box?: Box }): Promise<LandmarkResult> {
      const call = calls.length;
      calls.push({ frame, box: o?.box, at: performance.now() });
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      const [cx, cy] = o?.box ? [o.box[0] + o.box[2] / 2, o.box[1] + o.box[3] / 2] : (opts.centre ?? [frame.width / 2, frame.height / 2]);
      const pts = points(cx, cy, opts.half ?? 20);
      const s = opts.scores?.(call);
      return {
        points: pts,
        ...(s !== undefined ? { scores: new Float32Array(68).fill(s) } : {}),
        landmarks: 68,
        width: frame.width,
        height: frame.height,
        crop: { x: 0, y: 0, w: frame.width, h: frame.height },
        timings: { decode: 0, preprocess: 0, inference: opts.delayMs ?? 0, postprocess: 0, total: opts.delayMs ?? 0 },
      };
    },
  };
}
