/**
 * Validates a model contract (parsed JSON) field by field and fills in defaults. Every message names the field path,
 * what was expected and what was received, e.g.
 * "contract.pipnet.meanFace: expected 136 numbers (68 landmarks x 2) but received 140".
 * The documented schema is docs/contract.md; keep the two in step.
 */
import { describe, LandmarkerError } from '../errors';
import { neighbourTables } from './pipnet';
import type { CropPolicy, DetectorBoxMap, InputSpec, ModelContract, PipnetSpec, RegressionSpec } from './types';

export type Obj = Record<string, unknown>;

/** Thrown by the checks below; validateContract adds where the contract came from. */
export function fail(path: string, expected: string, received: unknown): never {
  throw new LandmarkerError('ERR_CONTRACT_INVALID', `${path}: expected ${expected} but received ${describe(received)}`);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function obj(v: unknown, path: string): Obj {
  if (!isObj(v)) fail(path, 'an object', v);
  return v;
}

/** Rejects keys the schema does not know: a typo ("colourOrder") would otherwise silently fall back to a default. */
export function noUnknownKeys(o: Obj, path: string, known: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) {
      throw new LandmarkerError(
        'ERR_CONTRACT_INVALID',
        `${path}.${k}: unknown field (expected one of: ${known.join(', ')})`,
      );
    }
  }
}

export function str(o: Obj, key: string, path: string, def?: string): string {
  const v = o[key];
  if (v === undefined && def !== undefined) return def;
  if (typeof v !== 'string' || v.length === 0) fail(`${path}.${key}`, 'a non-empty string', v);
  return v;
}

export function oneOf<T extends string>(o: Obj, key: string, path: string, values: readonly T[], def?: T): T {
  const v = o[key];
  if (v === undefined && def !== undefined) return def;
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    fail(`${path}.${key}`, values.map((x) => `"${x}"`).join(' or '), v);
  }
  return v as T;
}

export function posInt(o: Obj, key: string, path: string, def?: number, max = 16384): number {
  const v = o[key];
  if (v === undefined && def !== undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > max) {
    fail(`${path}.${key}`, `an integer from 1 to ${max}`, v);
  }
  return v;
}

export function finite(o: Obj, key: string, path: string, def: number | undefined, positive: boolean): number {
  const v = o[key];
  if (v === undefined && def !== undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || (positive && v <= 0)) {
    fail(`${path}.${key}`, positive ? 'a finite number > 0' : 'a finite number', v);
  }
  return v;
}

/**
 * Ranges that keep the arithmetic finite: value = (pixel * scale - mean) / std stays below about 3e14 for pixels
 * 0..255, far inside float32 (TensorRT computes in float); crop sides boxScale * box side stay finite for boxes up to
 * the 1e7 pixels detect() accepts. Checked once here, at load, so no detect() fails on a contract number.
 */
export const RANGES = {
  scale: [1e-6, 1e6],
  mean: [-1e6, 1e6],
  std: [1e-6, 1e6],
  boxScale: [0.01, 100],
  meanFace: [-100, 100],
} as const satisfies Record<string, readonly [number, number]>;

/** 1e-6 and 1e6 rather than 0.000001 and 1000000. */
const short = (n: number) => (n !== 0 && (Math.abs(n) >= 1e4 || Math.abs(n) < 1e-3) ? n.toExponential().replace('e+', 'e') : String(n));
const rangeText = ([lo, hi]: readonly [number, number]) => `a number from ${short(lo)} to ${short(hi)}`;

/** A number within `range` (both ends included); NaN and the infinities are outside every range. */
function inRange(v: unknown, path: string, range: readonly [number, number]): number {
  if (typeof v !== 'number' || !(v >= range[0] && v <= range[1])) fail(path, rangeText(range), v);
  return v;
}

function ranged(o: Obj, key: string, path: string, def: number, range: readonly [number, number]): number {
  const v = o[key];
  if (v === undefined) return def;
  return inRange(v, `${path}.${key}`, range);
}

export function bool(o: Obj, key: string, path: string, def: boolean): boolean {
  const v = o[key];
  if (v === undefined) return def;
  if (typeof v !== 'boolean') fail(`${path}.${key}`, 'true or false', v);
  return v;
}

/** Every element of an array, holes included (forEach and map skip the holes of a sparse array). */
function elements(v: unknown[], path: string, range: readonly [number, number]): number[] {
  const out: number[] = [];
  for (let i = 0; i < v.length; i++) out.push(inRange(v[i], `${path}[${i}]`, range));
  return out;
}

function triple(o: Obj, key: string, path: string, def: [number, number, number], range: readonly [number, number]): [number, number, number] {
  const v = o[key];
  if (v === undefined) return def;
  if (typeof v === 'number') {
    // A single number means the same value for all three channels.
    const x = inRange(v, `${path}.${key}`, range);
    return [x, x, x];
  }
  if (!Array.isArray(v) || v.length !== 3) fail(`${path}.${key}`, 'an array of 3 numbers (one per channel)', v);
  const [a, b, c] = elements(v, `${path}.${key}`, range);
  return [a!, b!, c!];
}

export function input(v: unknown, path: string): InputSpec {
  const o = obj(v, path);
  noUnknownKeys(o, path, ['name', 'width', 'height', 'colorOrder', 'scale', 'mean', 'std']);
  return {
    name: str(o, 'name', path),
    width: posInt(o, 'width', path),
    height: posInt(o, 'height', path),
    colorOrder: oneOf(o, 'colorOrder', path, ['rgb', 'bgr'] as const, 'rgb'),
    scale: ranged(o, 'scale', path, 1, RANGES.scale),
    mean: triple(o, 'mean', path, [0, 0, 0], RANGES.mean),
    std: triple(o, 'std', path, [1, 1, 1], RANGES.std),
  };
}

function crop(v: unknown, path: string): CropPolicy {
  if (v === undefined) return { boxScale: 1, square: false };
  const o = obj(v, path);
  noUnknownKeys(o, path, ['boxScale', 'square']);
  return { boxScale: ranged(o, 'boxScale', path, 1, RANGES.boxScale), square: bool(o, 'square', path, false) };
}

function regression(v: unknown, path: string): RegressionSpec {
  const o = obj(v, path);
  noUnknownKeys(o, path, ['output', 'layout']);
  return { output: str(o, 'output', path), layout: oneOf(o, 'layout', path, ['normalized', 'pixel'] as const, 'normalized') };
}

function pipnet(v: unknown, path: string, landmarks: number, inp: InputSpec): PipnetSpec {
  const o = obj(v, path);
  noUnknownKeys(o, path, ['stride', 'neighbors', 'meanFace', 'outputs']);
  const stride = posInt(o, 'stride', path, 32, 1024);
  if (inp.width % stride !== 0 || inp.height % stride !== 0) {
    throw new LandmarkerError(
      'ERR_CONTRACT_INVALID',
      `${path}.stride: expected a divisor of the input size ${inp.width}x${inp.height} but received ${stride}`,
    );
  }
  const neighbors = posInt(o, 'neighbors', path, 10, landmarks - 1);
  const mf = o.meanFace;
  const n = landmarks * 2;
  if (!Array.isArray(mf)) fail(`${path}.meanFace`, `an array of ${n} numbers (${landmarks} landmarks x 2)`, mf);
  if (mf.length !== n) {
    throw new LandmarkerError(
      'ERR_CONTRACT_INVALID',
      `${path}.meanFace: expected ${n} numbers (${landmarks} landmarks x 2) but received ${mf.length}`,
    );
  }
  const meanFace = elements(mf, `${path}.meanFace`, RANGES.meanFace);
  const op = `${path}.outputs`;
  const out = obj(o.outputs, op);
  noUnknownKeys(out, op, ['cls', 'x', 'y', 'nbX', 'nbY']);
  try {
    neighbourTables(meanFace, neighbors);
  } catch (err) {
    throw new LandmarkerError('ERR_CONTRACT_INVALID', `contract.${(err as Error).message}`);
  }
  const outputs = { cls: str(out, 'cls', op), x: str(out, 'x', op), y: str(out, 'y', op), nbX: str(out, 'nbX', op), nbY: str(out, 'nbY', op) };
  return { stride, neighbors, meanFace, outputs };
}

function detectorBox(v: unknown, path: string): DetectorBoxMap {
  const o = obj(v, path);
  noUnknownKeys(o, path, ['detector', 'shiftX', 'shiftY', 'scale', 'calibration']);
  const m: DetectorBoxMap = { shiftX: finite(o, 'shiftX', path, 0, false), shiftY: finite(o, 'shiftY', path, 0, false), scale: finite(o, 'scale', path, 1, true) };
  if (o.detector !== undefined) m.detector = str(o, 'detector', path);
  if (o.calibration !== undefined) m.calibration = str(o, 'calibration', path);
  return m;
}

/** Validates `raw` (already JSON-parsed) and returns a complete contract with defaults filled in. */
export function validateContract(raw: unknown, source: string): ModelContract {
  try {
    const path = 'contract';
    const o = obj(raw, path);
    noUnknownKeys(o, path, ['version', 'architecture', 'landmarks', 'input', 'crop', 'regression', 'pipnet', 'description', 'detectorBox']);
    if (o.version !== 1) fail(`${path}.version`, '1', o.version);
    const architecture = oneOf(o, 'architecture', path, ['pipnet', 'regression'] as const);
    if (o.landmarks !== 68 && o.landmarks !== 70) fail(`${path}.landmarks`, '68 or 70', o.landmarks);
    const landmarks = o.landmarks;
    const inp = input(o.input, `${path}.input`);
    const c: ModelContract = { version: 1, architecture, landmarks, input: inp, crop: crop(o.crop, `${path}.crop`) };
    if (o.description !== undefined) {
      if (typeof o.description !== 'string') fail(`${path}.description`, 'a string', o.description);
      c.description = o.description;
    }
    if (o.detectorBox !== undefined) c.detectorBox = detectorBox(o.detectorBox, `${path}.detectorBox`);
    if (architecture === 'regression') {
      if (o.pipnet !== undefined) fail(`${path}.pipnet`, 'no "pipnet" section for architecture "regression"', o.pipnet);
      c.regression = regression(o.regression, `${path}.regression`);
    } else {
      if (o.regression !== undefined) {
        fail(`${path}.regression`, 'no "regression" section for architecture "pipnet"', o.regression);
      }
      c.pipnet = pipnet(o.pipnet, `${path}.pipnet`, landmarks, inp);
    }
    return c;
  } catch (err) {
    if (err instanceof LandmarkerError) {
      throw new LandmarkerError(err.code, `Invalid model contract (${source}): ${err.message}`);
    }
    throw err;
  }
}
