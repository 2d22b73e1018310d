/**
 * Where the native addon may be found, in the order the loader tries them, and why in that order.
 * 1. $TRT_LANDMARKER_ADDON (an explicit .node path, e.g. a binding.gyp build under test);
 * 2. prebuilds/<platform>-<arch>/<variant>/trt_landmarker.node (prebuildify's layout, written by
 *    scripts/prebuild.js with a trt_landmarker.json of build metadata beside each binary): GPU variants this
 *    machine can run first (NVIDIA driver new enough for the variant's CUDA, libnvinfer of the variant's TensorRT
 *    major present), then the other GPU variants, 'cpu' last;
 * 3. build/Release/trt_landmarker.node (what `npm run build:native` produces).
 * node-gyp-build cannot choose between CUDA variants by file-name tags, so the choice is made here, from facts
 * gathered without loading anything: the driver version (/proc/driver/nvidia/version) and the library search
 * path (LD_LIBRARY_PATH, TRT_LANDMARKER_TENSORRT_LIB, the ld.so cache, the usual directories).
 * Every GPU variant still loads where its requirements are missing (static CUDA runtime, TensorRT dlopened at
 * run time); the order only decides which one is preferred.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const ADDON_FILE = 'trt_landmarker.node';
export const META_FILE = 'trt_landmarker.json';
export const ADDON_ENV = 'TRT_LANDMARKER_ADDON';

/** Prebuild variants in order of preference when nothing else decides; 'cpu' always last. */
export const VARIANT_ORDER: readonly string[] = ['cuda13', 'cuda12'];

/** Oldest Linux driver for each CUDA major (CUDA minor-version compatibility within a major). */
export const MIN_DRIVER: Readonly<Record<number, string>> = { 12: '525.60.13', 13: '580.65.06' };

/** Build metadata written beside each prebuilt binary by scripts/prebuild.js. */
export interface VariantMeta {
  variant: string;
  addonVersion: string;
  /** "13.0" */
  cuda?: string;
  cudaMajor?: number;
  /** TensorRT major the TensorRT sources were compiled against (absent: no TensorRT backend). */
  tensorrtMajor?: number;
  tensorrtHeaders?: string;
  cudaArchitectures?: string;
  /** Newest glibc symbol version the binary needs ("2.34"); the loader skips the variant on an older glibc. */
  glibc?: string;
  /** Newest libstdc++ symbol version it needs ("3.4.29"), for the documentation and error messages. */
  glibcxx?: string;
  napi?: number;
  platform: string;
  arch: string;
  built: string;
}

export interface AddonCandidate {
  /** Absolute path of the .node file. */
  path: string;
  /** Where the candidate came from, for messages: 'env', 'prebuild:<variant>', 'build'. */
  source: string;
  /** Prebuilds: their metadata (when the JSON is there). */
  meta?: VariantMeta;
  /** Prebuilds: whether this machine meets the variant's GPU requirements, and if not why. */
  runnable?: boolean;
  note?: string;
}

export interface MachineFacts {
  /** NVIDIA kernel driver version ("580.65.06"), or undefined without a loaded driver. */
  driver?: string;
  /** Where libnvinfer.so.<major> was found, per major looked for (null: not found). */
  libnvinfer: Record<number, string | null>;
}

let root: string | undefined;

/**
 * The package root: the nearest directory above this file whose package.json is named trt-landmarker.
 * Works from src/native (TypeScript run directly) and from dist/src/native (compiled).
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = __dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'trt-landmarker') {
          root = dir;
          return dir;
        }
      } catch {
        // unreadable package.json: keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  // Fallback: src/native -> two levels up (dist/src/native is handled above by the package.json walk).
  root = resolve(__dirname, '..', '..');
  return root;
}

/** -1, 0, 1 comparing dotted versions numerically ("580.65.06" vs "525.60.13"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** The NVIDIA driver version from /proc/driver/nvidia/version (Linux), or undefined. */
export function readDriverVersion(procFile = '/proc/driver/nvidia/version'): string | undefined {
  try {
    const m = /Kernel Module.*?\s(\d{3,}\.\d+(?:\.\d+)?)\s/.exec(readFileSync(procFile, 'utf8'));
    return m?.[1];
  } catch {
    return undefined;
  }
}

/**
 * Where TensorRT's tar/zip packages and NVIDIA's containers install the libraries. The addon's loader tries these
 * after the dynamic loader's own search, in this order: the list is native/gpu/gpu_policy.h's kTensorRtLibDirs,
 * and test/gpu/native-policy.test.ts keeps the two equal, so a library found here is one the addon will load.
 */
export const TENSORRT_LIB_DIRS: readonly string[] = [
  '/usr/local/tensorrt/lib',
  '/usr/local/tensorrt/targets/x86_64-linux-gnu/lib',
  '/usr/local/tensorrt/targets/aarch64-linux-gnu/lib',
  '/opt/tensorrt/lib',
];

/** System directories the dynamic loader searches for a bare library name (glibc, Debian multiarch included). */
const SYSTEM_LIB_DIRS: readonly string[] = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];

/**
 * Directories searched for libnvinfer, in the addon loader's order (native/gpu/gpu_policy.h,
 * TensorRtLibraryCandidates): $TRT_LANDMARKER_TENSORRT_LIB, $LD_LIBRARY_PATH, the dynamic loader's (system
 * directories; its ld.so cache is read by findLibnvinfer), then TENSORRT_LIB_DIRS.
 */
export function librarySearchDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  if (env.TRT_LANDMARKER_TENSORRT_LIB) dirs.push(env.TRT_LANDMARKER_TENSORRT_LIB);
  for (const d of (env.LD_LIBRARY_PATH ?? '').split(':')) if (d) dirs.push(d);
  dirs.push(...SYSTEM_LIB_DIRS, ...TENSORRT_LIB_DIRS);
  return dirs;
}

/** Where libnvinfer.so.<major> is (a search-path file, or the ld.so cache), or null. */
export function findLibnvinfer(major: number, env: NodeJS.ProcessEnv = process.env, ldCache = '/etc/ld.so.cache'): string | null {
  const name = `libnvinfer.so.${major}`;
  for (const d of librarySearchDirs(env)) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  try {
    // The cache is binary, but library names are stored as plain NUL-terminated strings.
    if (readFileSync(ldCache).includes(Buffer.from(`${name}\0`))) return `${name} (ld.so.cache)`;
  } catch {
    // no cache (not glibc Linux)
  }
  return null;
}

/** The running C library's glibc version ("2.36"), or undefined (not Linux, or musl). */
export function glibcRuntime(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime;
}

export function machineFacts(env: NodeJS.ProcessEnv = process.env, majors: number[] = [10, 11]): MachineFacts {
  const libnvinfer: Record<number, string | null> = {};
  for (const m of majors) libnvinfer[m] = process.platform === 'linux' ? findLibnvinfer(m, env) : null;
  return { driver: process.platform === 'linux' ? readDriverVersion() : undefined, libnvinfer };
}

function readMeta(dir: string): VariantMeta | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, META_FILE), 'utf8')) as VariantMeta;
  } catch {
    return undefined;
  }
}

/** Whether the machine can use a GPU variant, and a one-line note saying what is missing. */
export function judgeVariant(variant: string, meta: VariantMeta | undefined, facts: MachineFacts): { runnable: boolean; note: string } {
  if (variant === 'cpu') return { runnable: true, note: 'CPU only' };
  const cudaMajor = meta?.cudaMajor ?? Number(/^cuda(\d+)/.exec(variant)?.[1] ?? NaN);
  const missing: string[] = [];
  if (!facts.driver) missing.push('no NVIDIA driver loaded');
  else if (MIN_DRIVER[cudaMajor] && compareVersions(facts.driver, MIN_DRIVER[cudaMajor]) < 0) {
    missing.push(`driver ${facts.driver} is older than ${MIN_DRIVER[cudaMajor]} (CUDA ${cudaMajor})`);
  }
  const trt = meta?.tensorrtMajor;
  if (trt === undefined) missing.push(meta ? 'built without TensorRT' : `no ${META_FILE}`);
  else {
    const found = trt in facts.libnvinfer ? facts.libnvinfer[trt] : (facts.libnvinfer[trt] = findLibnvinfer(trt));
    if (!found) missing.push(`libnvinfer.so.${trt} not found`);
  }
  const what = `CUDA ${meta?.cuda ?? cudaMajor}${trt !== undefined ? `, TensorRT ${trt}` : ''}`;
  return missing.length ? { runnable: false, note: `${what}: ${missing.join('; ')}` } : { runnable: true, note: `${what}: requirements met` };
}

function staticRank(v: string): number {
  const i = VARIANT_ORDER.indexOf(v);
  return i >= 0 ? i : VARIANT_ORDER.length;
}

/** Every candidate path, existing or not (the loader reports the missing ones too), best first. */
export function listCandidates(
  env: NodeJS.ProcessEnv = process.env,
  facts?: MachineFacts,
  base: string = packageRoot(),
): AddonCandidate[] {
  const out: AddonCandidate[] = [];
  const explicit = env[ADDON_ENV];
  if (explicit !== undefined && explicit !== '') out.push({ path: resolve(explicit), source: 'env' });

  const prebuildDir = join(base, 'prebuilds', `${process.platform}-${process.arch}`);
  let variants: string[] = [];
  try {
    variants = readdirSync(prebuildDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    variants = [];
  }
  if (!variants.includes('cpu')) variants.push('cpu');
  const gpu = variants.filter((v) => v !== 'cpu');
  const known = gpu.length > 0 ? (facts ?? machineFacts(env)) : undefined;
  const judged = gpu.map((v) => {
    const dir = join(prebuildDir, v);
    const meta = readMeta(dir);
    return { v, dir, meta, ...judgeVariant(v, meta, known!) };
  });
  // Runnable first; then newer CUDA first (VARIANT_ORDER), then by name for a stable order.
  judged.sort((a, b) => Number(b.runnable) - Number(a.runnable) || staticRank(a.v) - staticRank(b.v) || a.v.localeCompare(b.v));
  for (const j of judged) {
    out.push({ path: join(j.dir, ADDON_FILE), source: `prebuild:${j.v}`, meta: j.meta, runnable: j.runnable, note: j.note });
  }
  const cpuDir = join(prebuildDir, 'cpu');
  out.push({ path: join(cpuDir, ADDON_FILE), source: 'prebuild:cpu', meta: readMeta(cpuDir), runnable: true, note: 'CPU only' });

  out.push({ path: join(base, 'build', 'Release', ADDON_FILE), source: 'build' });
  return out;
}

export interface VariantReport {
  facts: MachineFacts;
  candidates: Array<AddonCandidate & { exists: boolean }>;
}

/** What `trt-landmarker info` prints about the addon choice: machine facts and every candidate, best first. */
export function variantReport(env: NodeJS.ProcessEnv = process.env): VariantReport {
  const facts = machineFacts(env);
  return { facts, candidates: listCandidates(env, facts).map((c) => ({ ...c, exists: existsSync(c.path) })) };
}
