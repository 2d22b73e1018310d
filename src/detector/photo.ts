/**
 * Large JPEG photos without decoding every pixel (detectFaces): the detector gets the photo decoded with JPEG
 * shrink-on-load (libjpeg's DCT scaling by 1/2, 1/4 or 1/8, through sharp) to the smallest size that still covers
 * its input, and the landmark model gets one decode of the rows and columns that hold the faces, at the coarsest
 * DCT scale that still gives each face crop at least the model's input resolution.
 *
 * Coordinates: a reduced image of w' x h' pixels from W x H has kx = W / w', ky = H / h'. Crop windows and boxes
 * (edges, pixel i spans [i, i + 1]) scale by k; points (pixel centres at integers) map as x = (x' + 0.5) * kx - 0.5.
 * Anything else (PNG, WebP, raw frames, small JPEGs, JPEGs with an EXIF orientation) is decoded whole as before.
 *
 * Who decodes: the addon's libjpeg-turbo decoder (decodeJpeg, loaded at run time) when it is available and the
 * JPEG is plain sRGB or grey with no ICC profile; sharp otherwise, or when TRT_LANDMARKER_JPEG=sharp. The addon
 * skips libvips' pipeline around the same libjpeg calls and, for the face region, the inverse DCT of the rows
 * above it and of the columns beside it (docs/bench.md has the numbers).
 */
import sharp, { type Metadata } from 'sharp';
import { fromNative, LandmarkerError } from '../errors';
import { decodeEncoded, decodeInput, readImageFile } from '../input/decode';
import { MAX_DIMENSION } from '../input/validate';
import { NativeFormat, type NativeAddon, type NativeCrop, type NativeFrame, type NativeRegion } from '../native/addon';
import { loadAddon } from '../native/loader';

/** A frame of (part of) the photo at 1 / (kx, ky) scale, whose pixel (0, 0) is reduced pixel (ox, oy). */
export interface ScaledFrame {
  frame: NativeFrame;
  kx: number;
  ky: number;
  ox: number;
  oy: number;
}

export interface Photo {
  width: number;
  height: number;
  /** What the detector sees. */
  detection: ScaledFrame;
  /**
   * One frame per crop, holding the pixels that crop samples (cutAround), at a scale giving each crop at least 3/4
   * `side` pixels across (the detection frame's when it does): the model's resize then upsamples by at most 4/3,
   * which costs less accuracy than the finer decode costs time.
   */
  faceFrames(crops: NativeCrop[], side: number): Promise<ScaledFrame[]>;
}

/**
 * The pixels of a W x H frame at scale (kx, ky) with origin (ox, oy) that crop `c` samples: the crop plus a margin
 * of 2 pixels (bilinear sampling reads at most one pixel beyond the window), clipped to the frame; null when the
 * crop lies wholly outside it (its samples are black from any frame).
 */
function windowAround(c: NativeCrop, s: Omit<ScaledFrame, 'frame'>, W: number, H: number): NativeRegion | null {
  const w = toScaled(c, s);
  const x0 = Math.max(0, Math.floor(w.x) - 2);
  const y0 = Math.max(0, Math.floor(w.y) - 2);
  const x1 = Math.min(W, Math.ceil(w.x + w.w) + 2);
  const y1 = Math.min(H, Math.ceil(w.y + w.h) + 2);
  return x1 - x0 <= 0 || y1 - y0 <= 0 ? null : { left: x0, top: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * The part of `s` that one crop window samples from, copied into a frame of its own: the crop plus a margin of 2
 * pixels (bilinear sampling reads at most one pixel beyond the window), clipped to `s`. Preprocessing reads every
 * pixel it needs from it exactly as from `s`, so the result is identical, while the addon (which copies each
 * frame it is given, see native/addon) copies a few hundred kilobytes per face instead of the whole region.
 */
export function cutAround(s: ScaledFrame, c: NativeCrop): ScaledFrame {
  const { width: W, height: H, data } = s.frame;
  const win = windowAround(c, s, W, H);
  if (!win || win.width * win.height >= W * H) return s; // outside (all black) or no gain
  const { left: x0, top: y0 } = win;
  const x1 = x0 + win.width;
  const y1 = y0 + win.height;
  const ch = data.length / (W * H);
  const row = (x1 - x0) * ch;
  const out = new Uint8Array(row * (y1 - y0));
  for (let y = y0; y < y1; y++) out.set(data.subarray((y * W + x0) * ch, (y * W + x1) * ch), (y - y0) * row);
  return { frame: { ...s.frame, data: out, width: x1 - x0, height: y1 - y0 }, kx: s.kx, ky: s.ky, ox: s.ox + x0, oy: s.oy + y0 };
}

const whole = (frame: NativeFrame): ScaledFrame => ({ frame, kx: 1, ky: 1, ox: 0, oy: 0 });

/** Crop window in a scaled frame's pixels. */
export function toScaled(c: NativeCrop, s: Omit<ScaledFrame, 'frame'>): NativeCrop {
  return { x: c.x / s.kx - s.ox, y: c.y / s.ky - s.oy, w: c.w / s.kx, h: c.h / s.ky };
}

/** Points (x, y pairs) of a scaled frame back to photo pixels, in place. */
export function pointsToPhoto(points: Float32Array, s: ScaledFrame): Float32Array {
  for (let i = 0; i + 1 < points.length; i += 2) {
    points[i] = (points[i] + s.ox + 0.5) * s.kx - 0.5;
    points[i + 1] = (points[i + 1] + s.oy + 0.5) * s.ky - 0.5;
  }
  return points;
}

/** Largest JPEG DCT shrink (1, 2, 4, 8) that keeps the image at least minW x minH. */
export function shrinkFor(width: number, height: number, minW: number, minH: number): number {
  let s = 8;
  while (s > 1 && (width / s < minW || height / s < minH)) s /= 2;
  return s;
}

/**
 * Who decodes large JPEGs here, decided in this one place: the addon (its libjpeg-turbo loaded, not turned off
 * with TRT_LANDMARKER_JPEG=sharp) or sharp, and why, in words for `trt-landmarker info`.
 */
export function largeJpegDecoder(): { addon: NativeAddon | null; description: string } {
  const addon = loadAddon();
  const j = addon.jpegDecoder();
  if (process.env.TRT_LANDMARKER_JPEG === 'sharp') return { addon: null, description: `sharp (TRT_LANDMARKER_JPEG=sharp; the addon's: ${j.detail})` };
  return j.available ? { addon, description: `the addon's ${j.detail}` } : { addon: null, description: `sharp: ${j.detail}` };
}

/**
 * The addon when its JPEG decoder can take this photo: pixels libjpeg's RGB output gives as sharp would (sRGB or
 * grey, no ICC profile for sharp to convert from).
 */
function nativeJpegDecoder(meta: Metadata): NativeAddon | null {
  if (meta.hasProfile || (meta.space !== 'srgb' && meta.space !== 'b-w') || (meta.channels !== 3 && meta.channels !== 1)) return null;
  return largeJpegDecoder().addon;
}

/**
 * The addon's decode at 1 / shrink: the whole image (`regions` absent) or one frame per region. Each frame's
 * origin (ox, oy) is its region's corner in the scaled image.
 */
async function decodeNative(addon: NativeAddon, bytes: Buffer, what: string, width: number, height: number, shrink: 1 | 2 | 4 | 8, regions?: NativeRegion[]): Promise<ScaledFrame[]> {
  let out;
  try {
    out = await addon.decodeJpeg(bytes, shrink, regions ?? null, MAX_DIMENSION * MAX_DIMENSION);
  } catch (err) {
    const e = fromNative(err, 'ERR_IMAGE_DECODE');
    // libjpeg's own words after the input's name, as sharp's are ("Cannot decode image (x.jpg): Premature end of JPEG file").
    if (e instanceof LandmarkerError && e.code === 'ERR_IMAGE_DECODE') throw new LandmarkerError('ERR_IMAGE_DECODE', `Cannot decode image (${what}): ${e.message.replace(/^Cannot decode JPEG: /, '')}`, { cause: err });
    throw e;
  }
  const kx = width / out.scaledWidth;
  const ky = height / out.scaledHeight;
  return out.images.map((img, i) => ({
    frame: { data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.length), width: img.width, height: img.height, format: NativeFormat.RGB },
    kx,
    ky,
    ox: regions?.[i]?.left ?? 0,
    oy: regions?.[i]?.top ?? 0,
  }));
}

async function decodeScaled(bytes: Buffer, what: string, width: number, height: number, shrink: number, region?: NativeRegion): Promise<ScaledFrame> {
  const w = Math.ceil(width / shrink);
  const h = Math.ceil(height / shrink);
  let img = sharp(bytes, { limitInputPixels: MAX_DIMENSION * MAX_DIMENSION, failOn: 'warning' });
  if (shrink > 1) img = img.resize({ width: w, height: h, fit: 'fill', fastShrinkOnLoad: true });
  if (region) img = img.extract(region);
  let out;
  try {
    out = await img.removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new LandmarkerError('ERR_IMAGE_DECODE', `Cannot decode image (${what}): ${String((err as Error).message).split('\n')[0]}`, { cause: err });
  }
  const frame: NativeFrame = { data: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.length), width: out.info.width, height: out.info.height, format: NativeFormat.RGB };
  return { frame, kx: width / w, ky: height / h, ox: region?.left ?? 0, oy: region?.top ?? 0 };
}

/** Opens the input for detectFaces; `detW x detH` is the detector input. */
export async function openPhoto(input: unknown, detW: number, detH: number): Promise<Photo> {
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    const bytes = typeof input === 'string' ? await readImageFile(input) : input;
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata().catch(() => null);
    const plainJpeg = meta?.format === 'jpeg' && (meta.orientation ?? 1) === 1 && meta.width && meta.height && meta.width <= MAX_DIMENSION && meta.height <= MAX_DIMENSION;
    const s = plainJpeg ? shrinkFor(meta.width!, meta.height!, detW, detH) : 1;
    if (plainJpeg && s > 1) {
      const W = meta.width!;
      const H = meta.height!;
      const native = nativeJpegDecoder(meta!);
      const what = typeof input === 'string' ? input : `Buffer of length ${bytes.length}`;
      const detection = native ? (await decodeNative(native, bytes, what, W, H, s as 1 | 2 | 4 | 8))[0]! : await decodeScaled(bytes, what, W, H, s);
      return {
        width: W,
        height: H,
        detection,
        async faceFrames(crops, side) {
          // The coarsest shrink giving every crop `side` pixels; the detection frame when that is its own.
          const need = (3 * side) / 4;
          const fs = Math.min(s, ...crops.map((c) => shrinkFor(Math.min(c.w, c.h), Math.min(c.w, c.h), need, need)));
          if (fs === s) return crops.map((c) => cutAround(detection, c));
          const w = Math.ceil(W / fs);
          const h = Math.ceil(H / fs);
          // The pixels each crop samples at that scale (null: wholly outside the photo, black from any frame).
          const windows = crops.map((c) => windowAround(c, { kx: W / w, ky: H / h, ox: 0, oy: 0 }, w, h));
          if (native) {
            // One pass over the rows the crops span, each crop's pixels in a frame of its own.
            return decodeNative(native, bytes, what, W, H, fs as 1 | 2 | 4 | 8, windows.map((r) => r ?? { left: 0, top: 0, width: 1, height: 1 }));
          }
          // sharp: one decode of the windows' union, cut per crop.
          const inside = windows.filter((r): r is NativeRegion => r !== null);
          if (inside.length === 0) return crops.map(() => detection);
          const x0 = Math.min(...inside.map((r) => r.left));
          const y0 = Math.min(...inside.map((r) => r.top));
          const x1 = Math.max(...inside.map((r) => r.left + r.width));
          const y1 = Math.max(...inside.map((r) => r.top + r.height));
          const region = await decodeScaled(bytes, what, W, H, fs, { left: x0, top: y0, width: x1 - x0, height: y1 - y0 });
          return crops.map((c) => cutAround(region, c));
        },
      };
    }
    const frame = await decodeEncoded(bytes, typeof input === 'string' ? input : `Buffer of length ${bytes.length}`, 'input');
    return wholePhoto(frame);
  }
  return wholePhoto((await decodeInput(input, 'input')).frame);
}

function wholePhoto(frame: NativeFrame): Photo {
  const w = whole(frame);
  return { width: frame.width, height: frame.height, detection: w, faceFrames: async (crops) => crops.map((c) => cutAround(w, c)) };
}
