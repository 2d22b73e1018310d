/** Shared helpers for the addon tests: the addon, a seeded RNG and straightforward TS reference computations. */
import type { NativeAddon, NativeCrop, NativeFrame, NativePreprocessParams } from '../../src/native/addon';
import { loadAddon } from '../../src/native/loader';
import { mulberry32 } from '../../src/util/prng';

export const addon: NativeAddon = loadAddon();

/** Deterministic PRNG (mulberry32) so failures reproduce. */
export const rng = mulberry32;

export const CHANNELS = [3, 3, 4, 4, 1] as const; // by NativeFormat value

export function randomFrame(rand: () => number, width: number, height: number, format: number): NativeFrame {
  const data = new Uint8Array(width * height * CHANNELS[format]!);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rand() * 256);
  return { data, width, height, format };
}

/** Red, green, blue of pixel (x, y), read the obvious way from the format's byte layout. */
function rgbAt(f: NativeFrame, x: number, y: number): [number, number, number] {
  const ch = CHANNELS[f.format]!;
  const i = (y * f.width + x) * ch;
  const d = f.data;
  switch (f.format) {
    case 0: // RGB
    case 2: // RGBA
      return [d[i]!, d[i + 1]!, d[i + 2]!];
    case 1: // BGR
    case 3: // BGRA
      return [d[i + 2]!, d[i + 1]!, d[i]!];
    default: // GRAY
      return [d[i]!, d[i]!, d[i]!];
  }
}

/**
 * The sampling rule of src/native/addon.ts written out directly: sx = crop.x + (ox + 0.5) * crop.w / W - 0.5;
 * outside [-0.5, imgW - 0.5] (either axis) is black; else bilinear with the 4 neighbours clamped.
 */
export function referencePreprocess(
  frames: NativeFrame[],
  crops: NativeCrop[],
  p: NativePreprocessParams,
): Float64Array {
  const W = p.width;
  const H = p.height;
  const out = new Float64Array(frames.length * 3 * H * W);
  const clamp = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
  frames.forEach((f, b) => {
    const c = crops[b]!;
    for (let oy = 0; oy < H; oy++) {
      for (let ox = 0; ox < W; ox++) {
        const sx = c.x + ((ox + 0.5) * c.w) / W - 0.5;
        const sy = c.y + ((oy + 0.5) * c.h) / H - 0.5;
        let rgb = [0, 0, 0];
        if (sx >= -0.5 && sx <= f.width - 0.5 && sy >= -0.5 && sy <= f.height - 0.5) {
          const x0 = Math.floor(sx);
          const y0 = Math.floor(sy);
          const ax = sx - x0;
          const ay = sy - y0;
          const xa = clamp(x0, f.width - 1);
          const xb = clamp(x0 + 1, f.width - 1);
          const ya = clamp(y0, f.height - 1);
          const yb = clamp(y0 + 1, f.height - 1);
          const p00 = rgbAt(f, xa, ya);
          const p01 = rgbAt(f, xb, ya);
          const p10 = rgbAt(f, xa, yb);
          const p11 = rgbAt(f, xb, yb);
          rgb = [0, 1, 2].map(
            (k) =>
              (1 - ay) * ((1 - ax) * p00[k]! + ax * p01[k]!) + ay * ((1 - ax) * p10[k]! + ax * p11[k]!),
          );
        }
        const ordered = p.bgr ? [rgb[2]!, rgb[1]!, rgb[0]!] : rgb;
        for (let ch = 0; ch < 3; ch++) {
          out[((b * 3 + ch) * H + oy) * W + ox] = (ordered[ch]! * p.scale - p.mean[ch]!) / p.std[ch]!;
        }
      }
    }
  });
  return out;
}

/** Largest |a - b| / max(1, |b|). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!));
    if (!(d <= worst)) worst = d; // NaN propagates as a failure
  }
  return worst;
}

export type ErrorName = 'Error' | 'RangeError' | 'TypeError';
const ERROR_CLASSES: Record<ErrorName, new () => Error> = { Error, RangeError, TypeError };

/** What fn threw (fails the test when it did not throw). */
export function thrown(fn: () => unknown): { name: string; code?: string; message: string } {
  try {
    fn();
  } catch (e) {
    return e as { name: string; code?: string; message: string };
  }
  throw new Error('expected the call to throw, but it returned');
}

/** Expects fn to throw an error of class `name` (the main realm's, as the addon makes it) with this `code` and exact message. */
export function expectCoded(fn: () => unknown, name: ErrorName, code: string, message: string): void {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(ERROR_CLASSES[name]);
  expect({ name: e.name, code: e.code, message: e.message }).toEqual({ name, code, message });
}

/** Same for a promise that must reject. */
export async function expectRejects(p: Promise<unknown>, name: ErrorName, code: string, message: string): Promise<void> {
  let e: { name: string; code?: string; message: string } | undefined;
  try {
    await p;
  } catch (err) {
    e = err as { name: string; code?: string; message: string };
  }
  expect(e).toBeInstanceOf(ERROR_CLASSES[name]);
  expect({ name: e!.name, code: e!.code, message: e!.message }).toEqual({ name, code, message });
}
