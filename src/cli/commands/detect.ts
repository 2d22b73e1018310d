/** `trt-landmarker detect`: landmarks for one image or every image of a folder; text or JSON lines; overlays. */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { LandmarkerError } from '../../errors';
import { listImages } from '../../input/list-images';
import { TrtLandmarker } from '../../landmarker';
import { drawOverlay } from '../../overlay';
import type { Box, LandmarkResult } from '../../types';
import { flag, has, parseArgs, usageError } from '../args';
import { EXIT_OK, EXIT_SOME_FAILED } from '../exit-codes';
import { MODEL_FLAGS, MODEL_USAGE, modelOptions } from '../model-options';
import { ProgressBar } from '../progress';
import { detectAll } from '../../util/detect-all';
import { detectFacesInFile, faceOptions } from './detect-faces';
import { resultToJson } from '../../util/result-json';

export const usage = `detect <image|folder> [options]   landmarks on every face of an image or of every image in a folder
  Without --box / --whole-image the built-in face detector finds the faces: one JSON line per image lists them.
${MODEL_USAGE}
  --max-faces N       at most N faces per image (default 10)
  --min-score S       detection score threshold 0..1 (default: the detector contract's, 0.7)
  --min-face-size PX  smallest face (larger box side) in pixels
  --box x,y,w,h       one face box in image pixels (cropped by the model's crop policy), no detector
  --whole-image       the whole image is the model input (an image that is already a face crop), no detector
  --json              one JSON object per image (JSON lines) on stdout
  --overlay PATH      write the points drawn on the image: a .png file, or a folder (one PNG per image)`;

export function parseBox(text: string): Box {
  const parts = text.split(',').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length !== 4 || parts.some((p) => p === '') || nums.some((n) => !Number.isFinite(n))) {
    throw usageError(`Expected --box x,y,w,h (4 numbers) but received "${text}"`);
  }
  return nums as Box;
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

function jsonLine(file: string, r: LandmarkResult, backend: string): string {
  return JSON.stringify({ file, backend, ...resultToJson(r) });
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
  const args = parseArgs(argv, {
    booleans: ['json', 'whole-image'],
    values: [...MODEL_FLAGS, 'box', 'overlay', 'max-faces', 'min-score', 'min-face-size'],
  });
  if (args.positional.length !== 1) throw usageError(`detect takes one image or folder but received ${args.positional.length}\n\n${usage}`);
  const target = args.positional[0];
  const modelOpts = modelOptions(args, usage);
  const box = flag(args, 'box') !== undefined ? parseBox(flag(args, 'box')!) : undefined;
  if (box && has(args, 'whole-image')) throw usageError('--box and --whole-image exclude each other');
  const findFaces = !box && !has(args, 'whole-image');
  const faceOpts = faceOptions({ maxFaces: flag(args, 'max-faces'), minScore: flag(args, 'min-score'), minFaceSize: flag(args, 'min-face-size') });
  const json = has(args, 'json');
  const overlay = flag(args, 'overlay');
  if (!existsSync(target)) throw new LandmarkerError('ERR_FILE_NOT_FOUND', `Image or folder not found: ${target}`);
  const folder = statSync(target).isDirectory();
  const files = folder ? listImages(target) : [target];
  if (folder && files.length === 0) throw new LandmarkerError('ERR_FILE_NOT_FOUND', `No .jpg/.jpeg/.png/.webp images in ${target}`);
  if (overlay) prepareOverlay(overlay, folder);

  const lm = await TrtLandmarker.create({ ...modelOpts, ...(findFaces ? {} : { detector: false as const }) });
  let failed = 0;
  try {
    if (findFaces) {
      for (const file of files) {
        try {
          await detectFacesInFile(lm, file, faceOpts, overlay ? overlayPath(overlay, file, folder) : undefined);
        } catch (err) {
          failed++;
          reportFailure(file, err as Error, false);
        }
      }
      return failed > 0 ? EXIT_SOME_FAILED : EXIT_OK;
    }
    if (!json) process.stderr.write(`backend: ${lm.info.backend} (${lm.info.reason})\n`);
    const bar = folder ? new ProgressBar(files.length, 'detect') : null;
    let done = 0;
    await detectAll(lm, files.map((input) => ({ input, box })), async (results, first) => {
      for (let k = 0; k < results.length; k++) {
        const file = files[first + k];
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
      done += results.length;
      bar?.update(done);
    });
    bar?.finish();
    if (overlay && !json) process.stderr.write(`overlay${folder ? 's' : ''} written to ${overlay}\n`);
  } finally {
    await lm.dispose();
  }
  return failed > 0 ? EXIT_SOME_FAILED : EXIT_OK;
}
