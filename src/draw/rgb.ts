/**
 * Packed RGB copies of frames in any of the package's pixel formats: what sharp's raw input, its JPEG encoder and
 * the recording ffmpeg take, and what the raw-pixel drawing in ./pixels draws on.
 */
import { NativeFormat, type NativeFrame } from '../native/addon';
import { FORMATS, NATIVE_CHANNELS } from '../input/validate';
import type { RawFrame } from '../types';

/**
 * A fresh packed RGB copy of `frame` (the caller may draw on it). Accepts the addon's frames (numeric format, e.g.
 * from decodeInput) and the public RawFrame (format name, e.g. from the capture reader). Gray is spread to three
 * channels; alpha is dropped.
 */
export function frameToRgb(frame: NativeFrame | RawFrame): Buffer {
  const format = typeof frame.format === 'string' ? FORMATS[frame.format].native : frame.format;
  const channels = NATIVE_CHANNELS[format];
  const pixels = frame.width * frame.height;
  const src = frame.data;
  if (format === NativeFormat.RGB) return Buffer.from(src.subarray(0, pixels * 3));
  // Offsets of red and blue inside a pixel; green sits at 1 (at 0 for gray, where all three offsets are 0).
  const bgrOrder = format === NativeFormat.BGR || format === NativeFormat.BGRA;
  const r = channels === 1 ? 0 : bgrOrder ? 2 : 0;
  const g = channels === 1 ? 0 : 1;
  const b = channels === 1 ? 0 : bgrOrder ? 0 : 2;
  const out = Buffer.allocUnsafe(pixels * 3);
  for (let i = 0, s = 0, o = 0; i < pixels; i++, s += channels, o += 3) {
    out[o] = src[s + r];
    out[o + 1] = src[s + g];
    out[o + 2] = src[s + b];
  }
  return out;
}
