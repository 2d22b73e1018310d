/**
 * Landmark annotation parsers: 300W `.pts` files and FaceSynthetics (Fake-It) `_ldmks.txt` files.
 * Both return 0-indexed image-pixel x,y pairs; every malformed file is an ERR_DATASET naming the file and line.
 */
import { readFileSync } from 'node:fs';
import { LandmarkerError } from '../errors';

/** Point counts the evaluation understands: iBUG 68, or 68 + the two pupils (FaceSynthetics). */
export const SUPPORTED_POINT_COUNTS = [68, 70] as const;

function malformed(file: string, line: number, what: string): LandmarkerError {
  return new LandmarkerError('ERR_DATASET', `Malformed annotation ${file}:${line}: ${what}`);
}

/** Two finite numbers separated by whitespace (extra columns are an error: they mean a different format). */
function parsePair(file: string, lineNo: number, raw: string): [number, number] {
  const parts = raw.trim().split(/\s+/);
  if (parts.length !== 2) throw malformed(file, lineNo, `expected "x y" but found ${JSON.stringify(raw.trim())}`);
  const x = Number(parts[0]);
  const y = Number(parts[1]);
  if (!Number.isFinite(x) || !Number.isFinite(y) || parts[0] === '' || parts[1] === '') {
    throw malformed(file, lineNo, `expected two numbers but found ${JSON.stringify(raw.trim())}`);
  }
  return [x, y];
}

/**
 * Parse 300W `.pts` text:
 *   version: 1
 *   n_points: 68
 *   {
 *   x y        (n_points lines, 1-indexed pixels: 1 is subtracted here)
 *   }
 * Blank lines are ignored anywhere.
 */
export function parsePts(text: string, file: string): Float32Array {
  const lines = text.split(/\r?\n/);
  let i = 0;
  const next = (): { no: number; text: string } | undefined => {
    while (i < lines.length && lines[i].trim() === '') i++;
    if (i >= lines.length) return undefined;
    const out = { no: i + 1, text: lines[i].trim() };
    i++;
    return out;
  };
  const end = () => lines.length;

  const version = next();
  if (!version || !/^version\s*:\s*\S+$/i.test(version.text)) {
    throw malformed(file, version?.no ?? end(), `expected "version: 1" header but found ${JSON.stringify(version?.text ?? '')}`);
  }
  const header = next();
  const m = header ? /^n_points\s*:\s*(\S+)$/i.exec(header.text) : null;
  if (!header || !m) {
    throw malformed(file, header?.no ?? end(), `expected "n_points: N" but found ${JSON.stringify(header?.text ?? '')}`);
  }
  const n = Number(m[1]);
  if (!Number.isInteger(n) || n <= 0) throw malformed(file, header.no, `n_points must be a positive integer, got "${m[1]}"`);
  const open = next();
  if (!open || open.text !== '{') throw malformed(file, open?.no ?? end(), `expected "{" but found ${JSON.stringify(open?.text ?? '')}`);

  const points = new Float32Array(n * 2);
  for (let k = 0; k < n; k++) {
    const line = next();
    if (!line) throw malformed(file, end(), `file ends after ${k} of ${n} points (no closing "}")`);
    if (line.text === '}') throw malformed(file, line.no, `found "}" after ${k} points but n_points is ${n}`);
    const [x, y] = parsePair(file, line.no, line.text);
    // 300W pixels are 1-indexed (Matlab convention).
    points[2 * k] = x - 1;
    points[2 * k + 1] = y - 1;
  }
  const close = next();
  if (!close) throw malformed(file, end(), `missing closing "}" after ${n} points`);
  if (close.text !== '}') throw malformed(file, close.no, `more than n_points (${n}) points: expected "}" but found ${JSON.stringify(close.text)}`);
  const trailing = next();
  if (trailing) throw malformed(file, trailing.no, `unexpected text after "}": ${JSON.stringify(trailing.text)}`);
  return points;
}

/** FaceSynthetics `NNNNNN_ldmks.txt`: 70 lines "x y", 0-indexed pixels (68 iBUG points + left and right pupil). */
export function parseLdmks(text: string, file: string, expected = 70): Float32Array {
  const lines = text.split(/\r?\n/);
  const pts: number[] = [];
  let lastNo = 0;
  for (let k = 0; k < lines.length; k++) {
    if (lines[k].trim() === '') continue;
    lastNo = k + 1;
    if (pts.length / 2 >= expected) throw malformed(file, k + 1, `more than ${expected} points`);
    pts.push(...parsePair(file, k + 1, lines[k]));
  }
  if (pts.length / 2 !== expected) throw malformed(file, Math.max(lastNo, 1), `expected ${expected} points but found ${pts.length / 2}`);
  return Float32Array.from(pts);
}

export function readPts(file: string): Float32Array {
  return parsePts(readAnnotation(file), file);
}

export function readLdmks(file: string): Float32Array {
  return parseLdmks(readAnnotation(file), file);
}

function readAnnotation(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new LandmarkerError('ERR_DATASET', `Cannot read annotation ${file}: ${(err as Error).message}`, { cause: err });
  }
}
