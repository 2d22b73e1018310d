/**
 * The benchmark's input: a fixed synthetic face-size JPEG (no data set needed). Drawn deterministically: a skin-toned
 * face ellipse with eyes, brows, nose and mouth on a gradient background, plus seeded noise so the JPEG carries about
 * as much entropy as a photo (decode time depends on it). Same bytes on every machine for the same sharp/libjpeg.
 */
import { readFileSync } from 'node:fs';
import sharp, { type Metadata } from 'sharp';
import { LandmarkerError } from '../src/errors';
import { mulberry32 } from '../src/util/prng';

export interface BenchImage {
  jpeg: Buffer;
  width: number;
  height: number;
  /** 'synthetic WxH q90' or the user's path. */
  source: string;
}

export const DEFAULT_IMAGE_SIZE = 384;

function inEllipse(x: number, y: number, cx: number, cy: number, rx: number, ry: number): boolean {
  const dx = (x - cx) / rx;
  const dy = (y - cy) / ry;
  return dx * dx + dy * dy <= 1;
}

/** width x height RGB; the drawing scales with the width (s) and the height (t). */
export function syntheticFaceRgb(width: number, height = width): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  const rand = mulberry32(68);
  const s = width;
  const t = height;
  for (let y = 0; y < t; y++) {
    for (let x = 0; x < s; x++) {
      // Background: diagonal grey-blue gradient.
      let r = 60 + (120 * x) / s;
      let g = 70 + (100 * y) / t;
      let b = 110 + (60 * (x / s + y / t)) / 2;
      if (inEllipse(x, y, 0.5 * s, 0.52 * t, 0.3 * s, 0.4 * t)) {
        const shade = 1 - 0.25 * Math.hypot((x - 0.45 * s) / s, (y - 0.45 * t) / t);
        r = 225 * shade;
        g = 180 * shade;
        b = 150 * shade;
      }
      const eye = inEllipse(x, y, 0.38 * s, 0.45 * t, 0.06 * s, 0.03 * t) || inEllipse(x, y, 0.62 * s, 0.45 * t, 0.06 * s, 0.03 * t);
      const pupil = inEllipse(x, y, 0.38 * s, 0.45 * t, 0.02 * s, 0.02 * t) || inEllipse(x, y, 0.62 * s, 0.45 * t, 0.02 * s, 0.02 * t);
      const brow = inEllipse(x, y, 0.38 * s, 0.38 * t, 0.08 * s, 0.012 * t) || inEllipse(x, y, 0.62 * s, 0.38 * t, 0.08 * s, 0.012 * t);
      const nose = Math.abs(x - 0.5 * s) < 0.012 * s && y > 0.47 * t && y < 0.6 * t;
      const mouth = inEllipse(x, y, 0.5 * s, 0.72 * t, 0.12 * s, 0.025 * t);
      if (eye) [r, g, b] = [240, 240, 240];
      if (pupil) [r, g, b] = [40, 30, 25];
      if (brow) [r, g, b] = [70, 50, 35];
      if (nose) [r, g, b] = [170, 120, 100];
      if (mouth) [r, g, b] = [170, 60, 60];
      const n = (rand() - 0.5) * 24;
      const i = 3 * (y * s + x);
      rgb[i] = Math.max(0, Math.min(255, Math.round(r + n)));
      rgb[i + 1] = Math.max(0, Math.min(255, Math.round(g + n)));
      rgb[i + 2] = Math.max(0, Math.min(255, Math.round(b + n)));
    }
  }
  return rgb;
}

export async function syntheticFaceJpeg(width = DEFAULT_IMAGE_SIZE, height = width, quality = 90): Promise<BenchImage> {
  const raw = syntheticFaceRgb(width, height);
  const jpeg = await sharp(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), {
    raw: { width, height, channels: 3 },
  })
    .jpeg({ quality, chromaSubsampling: '4:2:0' })
    .toBuffer();
  return { jpeg, width, height, source: `synthetic ${width}x${height} JPEG q${quality}` };
}

/** A user-supplied image file (--image): any format sharp reads; it is fed to every pipeline as its encoded bytes. */
export async function imageFromFile(path: string): Promise<BenchImage> {
  let jpeg: Buffer;
  try {
    jpeg = readFileSync(path);
  } catch (err) {
    throw new LandmarkerError('ERR_FILE_NOT_FOUND', `--image ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let meta: Metadata;
  try {
    meta = await sharp(jpeg).metadata();
  } catch (err) {
    throw new LandmarkerError('ERR_IMAGE_DECODE', `--image ${path}: ${(err as Error).message}`);
  }
  if (!meta.width || !meta.height) throw new LandmarkerError('ERR_IMAGE_DECODE', `--image ${path}: no image size in the header`);
  return { jpeg, width: meta.width, height: meta.height, source: path };
}
