/**
 * `trt-landmarker detect` without --box / --whole-image: the built-in detector finds every face, the landmark model
 * runs on each. Prints one JSON line per image listing its faces (stdout); a summary per image goes to stderr.
 */
import type { TrtLandmarker } from '../../landmarker';
import { drawOverlay, type OverlayRect, type PointSet } from '../../overlay';
import type { DetectFacesOptions, Face } from '../../types';
import { faceToJson } from '../../util/result-json';
import { usageError } from '../args';

const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

/** --max-faces / --min-score / --min-face-size as detectFaces options (validated there, in the API's words). */
export function faceOptions(text: { maxFaces?: string; minScore?: string; minFaceSize?: string }): DetectFacesOptions {
  const num = (flagName: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw usageError(`Expected a number for --${flagName} but received "${v}"`);
    return n;
  };
  const o: DetectFacesOptions = {};
  const maxFaces = num('max-faces', text.maxFaces);
  const minScore = num('min-score', text.minScore);
  const minFaceSize = num('min-face-size', text.minFaceSize);
  if (maxFaces !== undefined) o.maxFaces = maxFaces;
  if (minScore !== undefined) o.minScore = minScore;
  if (minFaceSize !== undefined) o.minFaceSize = minFaceSize;
  return o;
}

export function facesJsonLine(file: string, faces: Face[], backend: string, ms: number): string {
  return JSON.stringify({
    file,
    backend,
    faces: faces.map(faceToJson),
    ms: round(ms, 1),
  });
}

/** Runs detectFaces on one file, prints its line and writes the overlay (every face's points, box and crop). */
export async function detectFacesInFile(lm: TrtLandmarker, file: string, options: DetectFacesOptions, overlay: string | undefined): Promise<void> {
  const t0 = performance.now();
  const faces = await lm.detectFaces(file, options);
  const ms = performance.now() - t0;
  process.stdout.write(facesJsonLine(file, faces, lm.info.backend, ms) + '\n');
  process.stderr.write(`${file}: ${faces.length} face${faces.length === 1 ? '' : 's'} in ${ms.toFixed(1)} ms\n`);
  if (overlay) {
    const sets: PointSet[] = faces.map((f) => ({ points: f.points, color: 'lime' }));
    const rects: OverlayRect[] = faces.map((f) => ({ rect: f.box, color: 'yellow' }));
    await drawOverlay(file, sets.length > 0 ? sets : [], { out: overlay, rects });
  }
}
