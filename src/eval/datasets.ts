/**
 * Evaluation datasets: 300W (split by folder layout), FaceSynthetics / Fake-It, a plain folder of image + .pts pairs,
 * or a list file. Annotations are parsed up front so a malformed file fails before any inference runs.
 * Unpaired files are listed in the Dataset (and in the report), never dropped silently.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { LandmarkerError } from '../errors';
import { readLdmks, readPts, SUPPORTED_POINT_COUNTS } from './annotations';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff'];

export type DatasetFormat = '300w' | 'facesynthetics' | 'folder' | 'list';

export interface EvalSample {
  /** Image path relative to the data root (unique; used in reports). */
  id: string;
  image: string;
  annotation: string;
  /** 'helen' | 'lfpw' | 'ibug' | 'indoor' | 'outdoor' | 'afw' | ... or the folder / list label. */
  subset: string;
  /** Ground truth, 0-indexed image pixels, x,y pairs. */
  points: Float32Array;
  /** 68 or 70. */
  landmarks: number;
}

export interface Dataset {
  root: string;
  format: DatasetFormat;
  /** The 300W split that was selected (300W layout only). */
  split?: string;
  samples: EvalSample[];
  /** Relative paths of images that have no annotation (not evaluated). */
  imagesWithoutAnnotation: string[];
  /** Relative paths of annotations that have no image (not evaluated). */
  annotationsWithoutImage: string[];
}

/** 300W subsets and where they live (path suffix under the data root, matched case-insensitively). */
export const SUBSETS_300W: Record<string, string[]> = {
  helen: ['helen', 'testset'],
  lfpw: ['lfpw', 'testset'],
  ibug: ['ibug'],
  indoor: ['01_indoor'],
  outdoor: ['02_outdoor'],
  afw: ['afw'],
  'helen-train': ['helen', 'trainset'],
  'lfpw-train': ['lfpw', 'trainset'],
};

/** The usual 300W splits. common = 554 images, challenge = 135, full = 689, private (indoor + outdoor) = 600. */
export const SPLITS_300W: Record<string, string[]> = {
  common: ['helen', 'lfpw'],
  challenge: ['ibug'],
  full: ['helen', 'lfpw', 'ibug'],
  indoor: ['indoor'],
  outdoor: ['outdoor'],
  private: ['indoor', 'outdoor'],
  train: ['afw', 'helen-train', 'lfpw-train'],
};

export interface LoadOptions {
  /** 300W split name (see SPLITS_300W); default 'full' on a 300W layout. Not allowed for other layouts. */
  split?: string;
  /** A list file: one image path per line (relative to the data root), optional second column = subset label. */
  list?: string;
  /** Evaluate only the first N samples (sorted by id). */
  limit?: number;
}

function datasetError(message: string): LandmarkerError {
  return new LandmarkerError('ERR_DATASET', message);
}

function isImage(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());
}

function stem(name: string): string {
  return name.slice(0, name.length - extname(name).length);
}

function listDir(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => e.name)
    .sort();
}

function checkCount(points: Float32Array, file: string): number {
  const n = points.length / 2;
  if (!(SUPPORTED_POINT_COUNTS as readonly number[]).includes(n)) {
    throw datasetError(`Annotation ${file} has ${n} points; the evaluation supports 68 (iBUG) or 70 (iBUG + pupils)`);
  }
  return n;
}

interface Pairing {
  samples: EvalSample[];
  imagesWithoutAnnotation: string[];
  annotationsWithoutImage: string[];
}

/** Pair images with `.pts` files by file stem inside one folder. */
function pairPtsFolder(root: string, dir: string, subset: string): Pairing {
  const files = listDir(dir);
  const images = new Map<string, string>();
  const annotations = new Map<string, string>();
  for (const f of files) {
    if (isImage(f)) {
      const s = stem(f);
      // Two images with the same stem (a.jpg + a.png) would share one annotation: ambiguous, refuse.
      if (images.has(s)) throw datasetError(`Two images share the stem "${s}" in ${dir}: ${images.get(s)} and ${f}`);
      images.set(s, f);
    } else if (extname(f).toLowerCase() === '.pts') annotations.set(stem(f), f);
  }
  const out: Pairing = { samples: [], imagesWithoutAnnotation: [], annotationsWithoutImage: [] };
  for (const [s, img] of images) {
    const ann = annotations.get(s);
    if (!ann) {
      out.imagesWithoutAnnotation.push(relative(root, join(dir, img)));
      continue;
    }
    const file = join(dir, ann);
    const points = readPts(file);
    out.samples.push({ id: relative(root, join(dir, img)), image: join(dir, img), annotation: file, subset, points, landmarks: checkCount(points, file) });
  }
  for (const [s, ann] of annotations) if (!images.has(s)) out.annotationsWithoutImage.push(relative(root, join(dir, ann)));
  return out;
}

/** FaceSynthetics: NNNNNN.png + NNNNNN_ldmks.txt (other files such as NNNNNN_seg.png are ignored). */
function pairFaceSynthetics(root: string): Pairing {
  const files = listDir(root);
  const images = new Set(files.filter((f) => /^\d+\.png$/i.test(f)).map(stem));
  const ldmks = new Set(files.filter((f) => /^\d+_ldmks\.txt$/i.test(f)).map((f) => f.replace(/_ldmks\.txt$/i, '')));
  const out: Pairing = { samples: [], imagesWithoutAnnotation: [], annotationsWithoutImage: [] };
  for (const s of [...images].sort()) {
    if (!ldmks.has(s)) {
      out.imagesWithoutAnnotation.push(`${s}.png`);
      continue;
    }
    const file = join(root, `${s}_ldmks.txt`);
    const points = readLdmks(file);
    out.samples.push({ id: `${s}.png`, image: join(root, `${s}.png`), annotation: file, subset: 'facesynthetics', points, landmarks: 70 });
  }
  for (const s of [...ldmks].sort()) if (!images.has(s)) out.annotationsWithoutImage.push(`${s}_ldmks.txt`);
  return out;
}

/** Find the 300W subset folders under root (searched to depth 3, e.g. root/300W/01_Indoor). */
export function find300WSubsets(root: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory() && !(e.isSymbolicLink() && statSync(join(dir, e.name), { throwIfNoEntry: false })?.isDirectory())) continue;
      const path = join(dir, e.name);
      const parts = relative(root, path).toLowerCase().split(/[\\/]/);
      for (const [name, suffix] of Object.entries(SUBSETS_300W)) {
        const tail = parts.slice(-suffix.length);
        if (!found.has(name) && tail.length === suffix.length && tail.every((p, k) => p === suffix[k])) found.set(name, path);
      }
      if (depth < 3) walk(path, depth + 1);
    }
  };
  walk(root, 1);
  return found;
}

function merge(parts: Pairing[]): Pairing {
  return {
    samples: parts.flatMap((p) => p.samples),
    imagesWithoutAnnotation: parts.flatMap((p) => p.imagesWithoutAnnotation),
    annotationsWithoutImage: parts.flatMap((p) => p.annotationsWithoutImage),
  };
}

/** A list file: `path/to/image.jpg [subset]` per line; `#` starts a comment. The annotation is the .pts or _ldmks.txt beside it. */
function pairList(root: string, listFile: string): Pairing {
  let text: string;
  try {
    text = readFileSync(listFile, 'utf8');
  } catch (err) {
    throw new LandmarkerError('ERR_DATASET', `Cannot read list file ${listFile}: ${(err as Error).message}`, { cause: err });
  }
  const out: Pairing = { samples: [], imagesWithoutAnnotation: [], annotationsWithoutImage: [] };
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, k) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const [rel, label, ...extra] = line.split(/\s+/);
    if (extra.length > 0) throw datasetError(`Malformed list ${listFile}:${k + 1}: expected "image [subset]" but found ${JSON.stringify(line)}`);
    const image = isAbsolute(rel) ? rel : join(root, rel);
    const id = relative(root, image);
    if (seen.has(id)) throw datasetError(`Malformed list ${listFile}:${k + 1}: ${rel} is listed twice`);
    seen.add(id);
    const subset = label ?? (basename(dirname(image)) || 'list');
    const pts = join(dirname(image), `${stem(basename(image))}.pts`);
    const ldmks = join(dirname(image), `${stem(basename(image))}_ldmks.txt`);
    const annotation = existsSync(pts) ? pts : existsSync(ldmks) ? ldmks : undefined;
    const hasImage = existsSync(image);
    if (!hasImage && !annotation) throw datasetError(`List ${listFile}:${k + 1}: neither ${rel} nor its annotation exists`);
    if (!hasImage) out.annotationsWithoutImage.push(relative(root, annotation!));
    else if (!annotation) out.imagesWithoutAnnotation.push(id);
    else {
      const points = annotation === pts ? readPts(pts) : readLdmks(ldmks);
      out.samples.push({ id, image, annotation, subset, points, landmarks: checkCount(points, annotation) });
    }
  });
  return out;
}

export function loadDataset(data: string, options: LoadOptions = {}): Dataset {
  const root = resolve(data);
  if (!existsSync(root)) throw datasetError(`Data folder ${root} does not exist`);
  if (!statSync(root).isDirectory()) throw datasetError(`Data path ${root} is not a folder`);

  let format: DatasetFormat;
  let split: string | undefined;
  let pairing: Pairing;
  if (options.list) {
    if (options.split) throw datasetError('Give either a split or a list file, not both');
    format = 'list';
    pairing = pairList(root, resolve(options.list));
  } else {
    const top = listDir(root);
    const subsets = find300WSubsets(root);
    const layout300W = [...subsets.keys()].some((k) => SPLITS_300W.full.includes(k) || SPLITS_300W.private.includes(k));
    if (top.some((f) => /^\d+_ldmks\.txt$/i.test(f))) {
      format = 'facesynthetics';
      if (options.split) throw datasetError(`--split applies to the 300W layout; ${root} is a FaceSynthetics folder`);
      pairing = pairFaceSynthetics(root);
    } else if (layout300W && !top.some((f) => extname(f).toLowerCase() === '.pts')) {
      format = '300w';
      split = options.split ?? 'full';
      const wanted = SPLITS_300W[split];
      if (!wanted) throw datasetError(`Unknown 300W split "${split}"; expected one of ${Object.keys(SPLITS_300W).join(', ')}`);
      const missing = wanted.filter((s) => !subsets.has(s));
      if (missing.length > 0) {
        const where = missing.map((s) => SUBSETS_300W[s].join('/')).join(', ');
        throw datasetError(`300W split "${split}" needs ${where} under ${root}, not found`);
      }
      pairing = merge(wanted.map((s) => pairPtsFolder(root, subsets.get(s)!, s)));
    } else {
      format = 'folder';
      if (options.split) throw datasetError(`--split applies to the 300W layout (helen/testset, lfpw/testset, ibug, 01_Indoor, 02_Outdoor); ${root} is a plain folder`);
      pairing = pairPtsFolder(root, root, basename(root));
    }
  }
  pairing.samples.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (pairing.samples.length === 0) {
    const unpaired = pairing.imagesWithoutAnnotation.length + pairing.annotationsWithoutImage.length;
    throw datasetError(`No annotated images found in ${root}${unpaired ? ` (${unpaired} unpaired files)` : ''}`);
  }
  const samples = options.limit !== undefined ? pairing.samples.slice(0, options.limit) : pairing.samples;
  return { root, format, split, samples, imagesWithoutAnnotation: pairing.imagesWithoutAnnotation, annotationsWithoutImage: pairing.annotationsWithoutImage };
}
