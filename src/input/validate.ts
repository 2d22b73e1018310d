/**
 * Argument checks for images and boxes. Bad arguments are TypeError (wrong type / unknown value) or RangeError
 * (a number outside what is allowed), each with a `code` and a message "Expected ... for `name` but received ...".
 */
import { invalidType, invalidValue, outOfRange, type CodedRangeError } from '../errors';
import { NativeFormat, type NativeFrame } from '../native/addon';
import type { Box, PixelFormat, RawFrame } from '../types';

/** Largest accepted image width or height. sharp's pixel limit is set to MAX_DIMENSION^2 as well. */
export const MAX_DIMENSION = 16384;

export const FORMATS: Record<PixelFormat, { native: NativeFormat; channels: number }> = {
  rgb: { native: NativeFormat.RGB, channels: 3 },
  bgr: { native: NativeFormat.BGR, channels: 3 },
  rgba: { native: NativeFormat.RGBA, channels: 4 },
  bgra: { native: NativeFormat.BGRA, channels: 4 },
  gray: { native: NativeFormat.GRAY, channels: 1 },
};

/** Bytes per pixel by NativeFormat value. */
export const NATIVE_CHANNELS = Object.fromEntries(Object.values(FORMATS).map((f) => [f.native, f.channels])) as Record<NativeFormat, number>;

const FORMAT_LIST = '"rgb", "bgr", "rgba", "bgra" or "gray"';

export function isRawFrameLike(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Buffer.isBuffer(v) && 'data' in v;
}

/** Checks an image width/height (decoded or raw): an integer from 1 to MAX_DIMENSION. */
export function checkDimension(name: string, v: unknown): number {
  if (typeof v !== 'number') throw invalidType(name, `an integer from 1 to ${MAX_DIMENSION}`, v);
  if (!Number.isInteger(v) || v < 1 || v > MAX_DIMENSION) throw outOfRange(name, `an integer from 1 to ${MAX_DIMENSION}`, v);
  return v;
}

/** Validates a RawFrame and returns it as the addon's frame (zero-copy). `name` prefixes field names. */
export function validateRawFrame(frame: Record<string, unknown>, name: string): NativeFrame {
  const { data: rawData, width, height, format } = frame as Partial<RawFrame> & Record<string, unknown>;
  if (!(rawData instanceof Uint8Array)) throw invalidType(`${name}.data`, 'a Uint8Array (or Buffer)', rawData);
  const data = rawData;
  const w = checkDimension(`${name}.width`, width);
  const h = checkDimension(`${name}.height`, height);
  if (typeof format !== 'string') throw invalidType(`${name}.format`, FORMAT_LIST, format);
  const spec = (FORMATS as Record<string, (typeof FORMATS)[PixelFormat]>)[format];
  if (!Object.prototype.hasOwnProperty.call(FORMATS, format) || !spec) throw invalidValue(`${name}.format`, FORMAT_LIST, format);
  const expected = w * h * spec.channels;
  if (data.length !== expected) {
    throw outOfRange(`${name}.data`, `${expected} bytes (${w} x ${h} x ${spec.channels} for format "${format}")`, data);
  }
  return { data, width: w, height: h, format: spec.native };
}

export function rangeError(name: string, expected: string, received: string): CodedRangeError {
  const err = new RangeError(`Expected ${expected} for \`${name}\` but received ${received}`) as CodedRangeError;
  err.code = 'ERR_OUT_OF_RANGE';
  return err;
}

/**
 * Largest box width or height, in pixels. Boxes must overlap an image of at most 16384 pixels a side, so this only
 * refuses sizes whose crop (boxScale <= 100, src/contract/validate.ts) would overflow float32 points.
 */
export const MAX_BOX_SIDE = 1e7;

/** Type and size checks of a face box that need no image: 4 finite numbers with 0 < width, height <= MAX_BOX_SIDE. */
export function checkBoxShape(box: unknown, name: string): Box {
  if (!Array.isArray(box) && !ArrayBuffer.isView(box)) throw invalidType(name, 'an array [x, y, w, h] of 4 numbers', box);
  const b = box as ArrayLike<unknown>;
  if (b.length !== 4) throw invalidType(name, 'an array [x, y, w, h] of 4 numbers', box);
  const labels = ['x', 'y', 'width', 'height'];
  for (let i = 0; i < 4; i++) {
    const v = b[i];
    if (typeof v !== 'number') throw invalidType(name, `a number as the box ${labels[i]}`, v);
    if (!Number.isFinite(v)) throw outOfRange(name, `a finite number as the box ${labels[i]}`, v);
  }
  const [x, y, w, h] = [b[0], b[1], b[2], b[3]] as number[];
  if (!(w > 0 && w <= MAX_BOX_SIDE)) throw outOfRange(name, 'a box width > 0 and <= 1e7 pixels', w);
  if (!(h > 0 && h <= MAX_BOX_SIDE)) throw outOfRange(name, 'a box height > 0 and <= 1e7 pixels', h);
  return [x, y, w, h];
}

/** Validates a face box against the image it belongs to: it must overlap the image. */
export function validateBox(box: unknown, name: string, imageWidth: number, imageHeight: number): Box {
  const [x, y, w, h] = checkBoxShape(box, name);
  if (x >= imageWidth || y >= imageHeight || x + w <= 0 || y + h <= 0) {
    throw rangeError(name, `a box that overlaps the ${imageWidth}x${imageHeight} image`, `[${x}, ${y}, ${w}, ${h}]`);
  }
  return [x, y, w, h];
}
