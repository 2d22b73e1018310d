/**
 * Dev tooling (not shipped in the package): exporting the project's architectures to ONNX from Node, through
 * models/export.py, for the bench and the tests.
 *
 * exportModel() runs the script once (asynchronously) and returns its JSON summary.
 * ensureModel() exports into a cache folder once and reuses the files afterwards: the file name carries a
 * hash of the arguments and of models/*.py, so editing the Python code re-exports. Several processes (test
 * workers, bench runs) may ask at once: one takes the package's file lock (src/util/file-lock.ts, a flock the
 * kernel drops when its holder dies) and exports into a private temporary folder, then renames the files into
 * place (fp16 first, fp32 last, so "fp32 exists" means both exist, and a reader that checks without the lock
 * never sees a partial file); the others wait for the lock and then find the files.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { LandmarkerError, invalidType, invalidValue, outOfRange } from '../src/errors';
import { acquireLock } from '../src/util/file-lock';
import { packageRoot } from '../src/util/package-root';
import { findPython } from './torch-python';

export type ExportArch = 'resnet50' | 'mobilenetv3' | 'pipnet';
export const EXPORT_ARCHS: readonly ExportArch[] = ['resnet50', 'mobilenetv3', 'pipnet'];

export interface ExportOptions {
  arch: ExportArch;
  /** FP32 output path, must end in .onnx; the FP16 model goes to <out minus .onnx>.fp16.onnx. */
  out: string;
  landmarks?: 68 | 70;
  /** Square input side; default 224 (regression) or 256 (PIPNet, a multiple of 32). */
  inputSize?: number;
  seed?: number;
  /** PyTorch state_dict to load instead of random weights. */
  checkpoint?: string;
  /** PIPNet meanface.txt; or meanfaceFrom: a folder of .pts annotations to average. */
  meanface?: string;
  meanfaceFrom?: string;
  boxScale?: number;
  /** false: skip the FP16 model. Default true. */
  fp16?: boolean;
}

/** The JSON line models/export.py prints. */
export interface ExportSummary {
  arch: ExportArch;
  landmarks: number;
  inputSize: number;
  fp32: string;
  fp32Bytes: number;
  exportSeconds: number;
  fp16?: string;
  fp16Bytes?: number;
  fp16Seconds?: number;
  totalSeconds: number;
}

export interface EnsureModelOptions {
  arch: ExportArch;
  landmarks?: 68 | 70;
  inputSize?: number;
  /** Default: $TRT_LANDMARKER_MODEL_CACHE, else <package root>/.cache/models. */
  cacheDir?: string;
  seed?: number;
}

export interface ModelPaths {
  fp32: string;
  fp16: string;
}

export const MODEL_CACHE_ENV = 'TRT_LANDMARKER_MODEL_CACHE';
const WAIT_LIMIT_MS = 40 * 60_000; // another process's export of the same model takes seconds to minutes

export function exportScript(): string {
  return path.join(packageRoot(), 'models', 'export.py');
}

export function defaultModelCache(): string {
  return process.env[MODEL_CACHE_ENV] || path.join(packageRoot(), '.cache', 'models');
}

function validateCommon(o: { arch: unknown; landmarks?: unknown; inputSize?: unknown; seed?: unknown }): void {
  if (typeof o.arch !== 'string') throw invalidType('arch', 'one of resnet50, mobilenetv3, pipnet', o.arch);
  if (!EXPORT_ARCHS.includes(o.arch as ExportArch)) {
    throw invalidValue('arch', 'one of resnet50, mobilenetv3, pipnet', o.arch);
  }
  if (o.landmarks !== undefined && o.landmarks !== 68 && o.landmarks !== 70) {
    throw outOfRange('landmarks', '68 or 70', o.landmarks);
  }
  if (o.inputSize !== undefined) {
    if (typeof o.inputSize !== 'number' || !Number.isInteger(o.inputSize)) {
      throw invalidType('inputSize', 'integer', o.inputSize);
    }
    const multiple = o.arch === 'pipnet' ? 32 : 1;
    if (o.inputSize < 32 || o.inputSize > 1024 || o.inputSize % multiple !== 0) {
      throw outOfRange('inputSize', `integer in 32..1024${multiple > 1 ? ' and a multiple of 32' : ''}`, o.inputSize);
    }
  }
  if (o.seed !== undefined && (typeof o.seed !== 'number' || !Number.isInteger(o.seed) || o.seed < 0)) {
    throw outOfRange('seed', 'non-negative integer', o.seed);
  }
}

function scriptArgs(o: ExportOptions): string[] {
  const args = ['--arch', o.arch, '--out', o.out];
  if (o.landmarks !== undefined) args.push('--landmarks', String(o.landmarks));
  if (o.inputSize !== undefined) args.push('--input-size', String(o.inputSize));
  if (o.seed !== undefined) args.push('--seed', String(o.seed));
  if (o.checkpoint !== undefined) args.push('--checkpoint', o.checkpoint);
  if (o.meanface !== undefined) args.push('--meanface', o.meanface);
  if (o.meanfaceFrom !== undefined) args.push('--meanface-from', o.meanfaceFrom);
  if (o.boxScale !== undefined) args.push('--box-scale', String(o.boxScale));
  if (o.fp16 === false) args.push('--no-fp16');
  return args;
}

/** Runs `python models/export.py ...` without blocking the event loop; ERR_PYTHON with its stderr on failure. */
export async function exportModel(options: ExportOptions): Promise<ExportSummary> {
  validateCommon(options);
  if (typeof options.out !== 'string' || !options.out.endsWith('.onnx')) {
    throw invalidValue('out', 'a path ending in .onnx', options.out);
  }
  const python = await findPython();
  const args = [exportScript(), ...scriptArgs(options)];
  const { code, signal, stdout, stderr } = await new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
  }>((resolve, reject) => {
    let out = '';
    let err = '';
    const child = spawn(python, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new LandmarkerError('ERR_PYTHON', `could not start ${python}: ${e.message}`)));
    child.on('close', (c, s) => resolve({ code: c, signal: s, stdout: out, stderr: err }));
  });
  if (code !== 0) {
    const tail = stderr.trim().slice(-4000);
    throw new LandmarkerError(
      'ERR_PYTHON',
      `models/export.py ${signal ? `was killed by ${signal}` : `failed with exit code ${code}`} ` +
        `(${python} ${args.slice(1).join(' ')}):\n${tail}`,
    );
  }
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as ExportSummary;
  } catch {
    throw new LandmarkerError('ERR_PYTHON', `models/export.py printed no JSON summary (stdout: ${JSON.stringify(line)})`);
  }
}

/** Hash of the export code: any change to models/*.py yields new cache names. */
function codeHash(): string {
  const dir = path.join(packageRoot(), 'models');
  const h = createHash('sha256');
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.py')).sort()) {
    h.update(name).update('\0').update(readFileSync(path.join(dir, name))).update('\0');
  }
  return h.digest('hex');
}

export function cachePaths(options: EnsureModelOptions, cacheDir = options.cacheDir ?? defaultModelCache()): ModelPaths {
  const landmarks = options.landmarks ?? 68;
  const inputSize = options.inputSize ?? (options.arch === 'pipnet' ? 256 : 224);
  const seed = options.seed ?? 0;
  const key = createHash('sha256')
    .update(JSON.stringify({ arch: options.arch, landmarks, inputSize, seed, opset: 17 }))
    .update(codeHash())
    .digest('hex')
    .slice(0, 12);
  const base = path.join(path.resolve(cacheDir), `${options.arch}-${landmarks}-${inputSize}-s${seed}-${key}`);
  return { fp32: `${base}.onnx`, fp16: `${base}.fp16.onnx` };
}

/**
 * Removes exports of the same arguments made by other versions of models/*.py (only the hash differs), so
 * editing the Python does not pile up copies. A process still using one keeps it open: unlinking is safe.
 */
async function pruneOlderExports(paths: ModelPaths): Promise<void> {
  const dir = path.dirname(paths.fp32);
  const name = path.basename(paths.fp32);
  const prefix = name.slice(0, name.length - '0123456789ab.onnx'.length);
  const stale = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[0-9a-f]{12}(\\.fp16)?\\.onnx$`);
  for (const entry of await fs.readdir(dir)) {
    if (stale.test(entry) && entry !== name && entry !== path.basename(paths.fp16)) {
      await fs.rm(path.join(dir, entry), { force: true });
    }
  }
}

/**
 * Random-weight FP32 + FP16 ONNX for `arch`, exported on first use and cached.
 * Resolves to absolute paths of both files.
 */
export async function ensureModel(options: EnsureModelOptions): Promise<ModelPaths> {
  if (options === null || typeof options !== 'object') throw invalidType('options', 'object', options);
  validateCommon(options);
  if (options.cacheDir !== undefined && typeof options.cacheDir !== 'string') {
    throw invalidType('cacheDir', 'string', options.cacheDir);
  }
  const paths = cachePaths(options);
  const dir = path.dirname(paths.fp32);
  const lockPath = paths.fp32.replace(/\.onnx$/, '.lock');
  const done = () => existsSync(paths.fp32) && existsSync(paths.fp16);
  if (done()) return paths;
  await fs.mkdir(dir, { recursive: true });
  const lock = await acquireLock(lockPath, { timeoutMs: WAIT_LIMIT_MS, errorCode: 'ERR_PYTHON', holderDoing: 'exporting this model' });
  let tmp: string | undefined;
  try {
    if (done()) return paths; // exported by the process we waited for
    tmp = await fs.mkdtemp(path.join(dir, '.tmp-'));
    const summary = await exportModel({
      arch: options.arch,
      out: path.join(tmp, 'model.onnx'),
      landmarks: options.landmarks,
      inputSize: options.inputSize,
      seed: options.seed,
    });
    if (!summary.fp16) throw new LandmarkerError('ERR_PYTHON', 'models/export.py wrote no FP16 model');
    await fs.rename(summary.fp16, paths.fp16);
    await fs.rename(summary.fp32, paths.fp32);
    await pruneOlderExports(paths);
  } finally {
    lock.release();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  }
  return paths;
}
