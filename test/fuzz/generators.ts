/**
 * Seeded generators of hostile inputs, one per input class of issue 13's fuzz tier. Each takes the PRNG and an
 * index and returns one input; the same seed gives the same inputs, so a failure reproduces from its seed and index.
 */
import sharp from 'sharp';
import { gridMeanFace, pipnetContract, regressionContract } from '../unit/helpers/onnx-builder';

export type Rand = () => number;

export const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
export const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** Byte-level mutations: flips, truncation, a random chunk spliced in, a run of bytes repeated. */
export function mutateBytes(r: Rand, src: Buffer): Buffer {
  const b = Buffer.from(src);
  switch (int(r, 0, 4)) {
    case 0: {
      for (let k = int(r, 1, 20); k > 0; k--) b[int(r, 0, b.length - 1)] = int(r, 0, 255);
      return b;
    }
    case 1:
      return b.subarray(0, int(r, 0, b.length - 1));
    case 2: {
      const at = int(r, 0, b.length);
      const chunk = Buffer.from(Array.from({ length: int(r, 1, 64) }, () => int(r, 0, 255)));
      return Buffer.concat([b.subarray(0, at), chunk, b.subarray(at)]);
    }
    case 3: {
      const at = int(r, 0, b.length - 1);
      const len = int(r, 1, Math.min(32, b.length - at));
      return Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
    }
    default:
      return b;
  }
}

const ENCODERS = ['jpeg', 'png', 'webp', 'tiff', 'gif', 'avif', 'svg'] as const;

/** A valid small image in one of the formats sharp reads (svg as text), mutated 4 times in 5. */
export async function encodedImage(r: Rand): Promise<{ format: string; bytes: Buffer }> {
  const format = pick(r, ENCODERS);
  const w = int(r, 1, 48);
  const h = int(r, 1, 48);
  let bytes: Buffer;
  if (format === 'svg') {
    bytes = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="${int(r, 0, w)}" height="${int(r, 0, h)}" fill="#${int(r, 0, 0xffffff).toString(16).padStart(6, '0')}"/></svg>`);
  } else {
    const channels = pick(r, [3, 4] as const);
    const raw = Buffer.from(Array.from({ length: w * h * channels }, () => int(r, 0, 255)));
    bytes = await sharp(raw, { raw: { width: w, height: h, channels } }).toFormat(format).toBuffer();
  }
  return { format, bytes: r() < 0.2 ? bytes : mutateBytes(r, bytes) };
}

const FORMATS = ['rgb', 'bgr', 'rgba', 'bgra', 'gray'] as const;
const CHANNELS: Record<string, number> = { rgb: 3, bgr: 3, rgba: 4, bgra: 4, gray: 1 };
const ODD_NUMBERS = [0, -1, 1.5, NaN, Infinity, 2 ** 31, 1e308, -0, 16385];

export interface FrameCase {
  frame: Record<string, unknown>;
  /** Applied right after detect() is called: detach, shrink or grow the buffer, or nothing. */
  after?: 'detach' | 'shrink' | 'grow';
  kind: string;
}

/** Raw frames: right and wrong sizes, odd dimensions and formats, shared, resizable and detached buffers. */
export function rawFrame(r: Rand): FrameCase {
  const format = r() < 0.9 ? pick(r, FORMATS) : pick(r, ['nv12', '', 3, null] as unknown[]);
  const w = r() < 0.9 ? int(r, 1, 64) : pick(r, ODD_NUMBERS);
  const h = r() < 0.9 ? int(r, 1, 64) : pick(r, ODD_NUMBERS);
  const ch = CHANNELS[format as string] ?? 3;
  const want = typeof w === 'number' && typeof h === 'number' && Number.isFinite(w * h) && w * h > 0 && w * h < 1e6 ? w * h * ch : 16;
  const n = r() < 0.85 ? want : Math.max(0, want + int(r, -5, 5));
  const backing = pick(r, ['plain', 'plain', 'shared', 'resizable', 'offset', 'float'] as const);
  let data: unknown;
  let after: FrameCase['after'];
  switch (backing) {
    case 'shared':
      data = new Uint8Array(new SharedArrayBuffer(n));
      break;
    case 'resizable': {
      const buf = new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer)(n, { maxByteLength: n * 2 + 8 });
      data = new Uint8Array(buf);
      after = pick(r, ['shrink', 'grow', 'detach', undefined] as const);
      break;
    }
    case 'offset': {
      const buf = new ArrayBuffer(n + 16);
      data = new Uint8Array(buf, int(r, 0, 16), n);
      break;
    }
    case 'float':
      data = new Float32Array(n);
      break;
    default:
      data = new Uint8Array(n);
      if (r() < 0.3) after = 'detach';
  }
  if (data instanceof Uint8Array) for (let i = 0; i < data.length; i += 7) data[i] = int(r, 0, 255);
  return { frame: { data, width: w, height: h, format }, after, kind: backing };
}

/** Odd values, made fresh on every call: a shared object would be mutated by later mutations (and become cyclic). */
const ODD_VALUES: Array<() => unknown> = [
  () => NaN, () => Infinity, () => -Infinity, () => -1, () => 0, () => 1e308, () => -1e308, () => 1e-320, () => 1e300,
  () => 2 ** 53, () => '', () => 'x', () => '1', () => null, () => undefined, () => true, () => [], () => ({}),
  // eslint-disable-next-line no-sparse-arrays
  () => [1, , 1], () => [1, 2], () => [1, 2, 3, 4], () => ({ constructor: { name: { toString: 1 } } }), () => ({ toString: 1 }),
  () => Object.create(null),
];
const odd = (r: Rand) => pick(r, ODD_VALUES)();

/** Every path (array of keys) to a leaf or object in `o`. */
function paths(o: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof o !== 'object' || o === null) return [prefix];
  const out: Array<Array<string | number>> = [prefix];
  for (const [k, v] of Object.entries(o)) out.push(...paths(v, [...prefix, Array.isArray(o) ? Number(k) : k]));
  return out;
}

/** A valid contract with 1..4 fields replaced by odd values (or deleted, or an unknown key added). */
export function contract(r: Rand): Record<string, unknown> {
  const c = JSON.parse(JSON.stringify(r() < 0.5 ? regressionContract(32) : pipnetContract(64))) as Record<string, unknown>;
  for (let k = int(r, 1, 4); k > 0; k--) {
    const all = paths(c).filter((p) => p.length > 0);
    const p = pick(r, all);
    let parent: Record<string | number, unknown> = c;
    for (const key of p.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = p[p.length - 1]!;
    const op = r();
    if (op < 0.1) delete parent[last];
    else if (op < 0.15) parent[`extra${k}`] = 1;
    else if (op < 0.25 && typeof parent[last] === 'number') parent[last] = (parent[last] as number) * pick(r, [1e6, -1, 1e-9, 1e300]);
    else if (op < 0.3 && last === 'meanFace') parent[last] = gridMeanFace(int(r, 1, 80));
    else parent[last] = odd(r);
  }
  return c;
}

/** Face boxes: sensible, extreme, non-finite, mistyped, wrong length. */
export function box(r: Rand): unknown {
  const v = () => (r() < 0.7 ? (r() - 0.3) * 200 : r() < 0.7 ? ODD_VALUES[int(r, 0, 9)]!() : pick(r, [1e7, 1e7 + 1, 3e38, 5e-324]));
  const shape = r();
  if (shape < 0.8) return [v(), v(), v(), v()];
  if (shape < 0.85) return new Float64Array([v(), v(), v(), v()].map(Number));
  if (shape < 0.9) return Array.from({ length: int(r, 0, 6) }, v);
  return odd(r);
}
