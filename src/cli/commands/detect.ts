/** `trt-landmarker detect`: landmarks for one image or every image of a folder; text or JSON lines; overlays. */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { LandmarkerError } from '../../errors';
import { TrtLandmarker } from '../../landmarker';
import { drawOverlay } from '../../overlay';
import type { Backend, Box, LandmarkResult, Precision } from '../../types';
import { flag, has, parseArgs, usageError } from '../args';
import { EXIT_OK, EXIT_SOME_FAILED } from '../exit-codes';
import { ProgressBar } from '../progress';

export const usage = `detect <image|folder> --model m.onnx [options]   landmarks for an image or every image in a folder
  --model PATH        ONNX model (contract from its metadata, a sidecar <model>.json, or --config)
  --config PATH       contract JSON (overrides metadata and sidecar), e.g. models/contracts/peppa-slim160.json
  --box x,y,w,h       face box in image pixels (cropped by the model's crop policy); default: whole image
  --backend B         auto | tensorrt | onnxruntime (default auto)
  --precision P       fp16 | fp32
  --threads N         ONNX Runtime intra-op threads
  --json              one JSON object per image (JSON lines) on stdout
  --overlay PATH      write the points drawn on the image: a .png file, or a folder (one PNG per image)`;

const IMAGE_EXT = new Set(['.jpg', '.jpeg', '.png', '.webp']);

export function parseBox(text: string): Box {
  const parts = text.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length !== 4 || parts.some((p) => p === '') || nums.some((n) => !Number.isFinite(n))) {
    throw usageError(`Expected --box x,y,w,h (4 numbers) but received "${text}"`);
  }
  return nums as Box;
}

/**
 * Image files of a folder (not recursive), sorted by name: regular files only (symlinks followed), so a FIFO or a
 * device named *.jpg is skipped instead of blocking the run forever.
 */
export function listImages(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => IMAGE_EXT.has(extname(f).toLowerCase()))
    .sort()
    .map((f) => join(dir, f))
    .filter((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false; // a dangling symlink
      }
    });
}

function overlayIsDir(overlay: string, folderMode: boolean): boolean {
  return folderMode || overlay.endsWith('/') || (existsSync(overlay) && statSync(overlay).isDirectory());
}

function overlayPath(overlay: string, image: string, folderMode: boolean): string {
  return overlayIsDir(overlay, folderMode) ? join(overlay, `${basename(image, extname(image))}.png`) : overlay;
}

/** Creates the overlay folder (or the folder of the overlay file) before any image runs; refuses one it cannot. */
function prepareOverlay(overlay: string, folderMode: boolean): void {
  const dir = overlayIsDir(overlay, folderMode) ? overlay : dirname(overlay);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const e = new TypeError(`Expected a folder that can be created for --overlay but received "${dir}" (${(err as Error).message})`) as TypeError & { code: string };
    e.code = 'ERR_INVALID_ARG_VALUE';
    throw e;
  }
}

/** `file: [CODE] message` on stderr (after the progress bar's line when there is one). */
function reportFailure(file: string, err: Error, afterBar: boolean): void {
  const code = (err as Error & { code?: string }).code;
  process.stderr.write(`${afterBar ? '\n' : ''}${file}: ${code ? `[${code}] ` : ''}${err.message}\n`);
}

function round(v: number, d = 2): number {
  const m = 10 ** d;
  return Math.round(v * m) / m;
}

function jsonLine(file: string, r: LandmarkResult, backend: string): string {
  return JSON.stringify({
    file,
    backend,
    width: r.width,
    height: r.height,
    landmarks: r.landmarks,
    crop: { x: round(r.crop.x), y: round(r.crop.y), w: round(r.crop.w), h: round(r.crop.h) },
    points: Array.from(r.points, (v) => round(v)),
    ...(r.scores ? { scores: Array.from(r.scores, (v) => round(v, 4)) } : {}),
    timings: Object.fromEntries(Object.entries(r.timings).map(([k, v]) => [k, round(v as number, 3)])),
  });
}

function human(file: string, r: LandmarkResult, withPoints: boolean): string {
  const t = r.timings;
  const head = `${file}: ${r.landmarks} points (${r.width}x${r.height}) in ${t.total.toFixed(1)} ms ` +
    `(decode ${t.decode.toFixed(1)}, preprocess ${t.preprocess.toFixed(1)}, inference ${t.inference.toFixed(1)}, postprocess ${t.postprocess.toFixed(1)})`;
  if (!withPoints) return head;
  const lines = [head];
  for (let i = 0; i < r.landmarks; i++) {
    const s = r.scores ? `  score ${r.scores[i].toFixed(3)}` : '';
    lines.push(`  ${String(i).padStart(2)}: ${r.points[2 * i].toFixed(1)} ${r.points[2 * i + 1].toFixed(1)}${s}`);
  }
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { booleans: ['json'], values: ['model', 'config', 'box', 'backend', 'precision', 'threads', 'overlay'] });
  if (args.positional.length !== 1) throw usageError(`detect takes one image or folder but received ${args.positional.length}\n\n${usage}`);
  const target = args.positional[0];
  const model = flag(args, 'model');
  if (!model) throw usageError(`detect needs --model PATH\n\n${usage}`);
  const box = flag(args, 'box') !== undefined ? parseBox(flag(args, 'box')!) : undefined;
  const threadsText = flag(args, 'threads');
  const threads = threadsText === undefined ? undefined : Number(threadsText);
  const json = has(args, 'json');
  const overlay = flag(args, 'overlay');
  if (!existsSync(target)) throw new LandmarkerError('ERR_FILE_NOT_FOUND', `Image or folder not found: ${target}`);
  const folder = statSync(target).isDirectory();
  const files = folder ? listImages(target) : [target];
  if (folder && files.length === 0) throw new LandmarkerError('ERR_FILE_NOT_FOUND', `No .jpg/.jpeg/.png/.webp images in ${target}`);
  if (overlay) prepareOverlay(overlay, folder);

  const lm = await TrtLandmarker.create({
    model,
    config: flag(args, 'config'),
    backend: flag(args, 'backend') as Backend | undefined,
    precision: flag(args, 'precision') as Precision | undefined,
    threads,
  });
  let failed = 0;
  try {
    if (!json) process.stderr.write(`backend: ${lm.info.backend} (${lm.info.reason})\n`);
    const bar = folder ? new ProgressBar(files.length, 'detect') : null;
    const step = lm.info.maxBatch;
    for (let i = 0; i < files.length; i += step) {
      const chunk = files.slice(i, i + step);
      let results: Array<LandmarkResult | Error>;
      try {
        results = await lm.detectBatch(chunk.map((input) => ({ input, box })));
      } catch (err) {
        // One bad file must not sink its batch-mates: retry them one by one to find it.
        if (chunk.length === 1) results = [err as Error];
        else results = await Promise.all(chunk.map((input) => lm.detect(input, { box }).catch((e: Error) => e)));
      }
      for (let k = 0; k < chunk.length; k++) {
        const file = chunk[k];
        const r = results[k];
        if (r instanceof Error) {
          failed++;
          reportFailure(file, r, folder);
          continue;
        }
        process.stdout.write((json ? jsonLine(file, r, lm.info.backend) : human(file, r, !folder)) + '\n');
        if (overlay) {
          try {
            await drawOverlay(file, r.points, { out: overlayPath(overlay, file, folder), box, rects: box ? [{ rect: r.crop, color: 'cyan' }] : [] });
          } catch (err) {
            failed++;
            reportFailure(file, err as Error, folder);
          }
        }
      }
      bar?.update(Math.min(files.length, i + step));
    }
    bar?.finish();
    if (overlay && !json) process.stderr.write(`overlay${folder ? 's' : ''} written to ${overlay}\n`);
  } finally {
    await lm.dispose();
  }
  return failed > 0 ? EXIT_SOME_FAILED : EXIT_OK;
}
