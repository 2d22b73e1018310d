/**
 * On-disk engine cache: <dir>/<stem>.engine plus <stem>.json (key parts, sha256 and size of the engine).
 *
 * Lookup without the lock first (the common, warm case). On a miss or a bad file, take the cross-process lock
 * <stem>.engine.lock, look again (another process may have just built it), and only then build, write the engine
 * and its metadata atomically, and release. A truncated or corrupt file (size/sha256 disagree with the metadata),
 * a metadata file for another key, or an engine TensorRT refuses to deserialise (other TensorRT version or GPU,
 * garbage) is reported through `warn` and rebuilt; it never crashes the process.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LandmarkerError } from '../errors';
import { writeFileAtomic } from './atomic-write';
import { engineKey, sha256, type EngineKeyParts } from './cache-key';
import { acquireLock, type LockOptions } from '../util/file-lock';

export interface EngineMeta {
  format: 1;
  key: string;
  parts: EngineKeyParts;
  sha256: string;
  bytes: number;
  created: string;
  buildSeconds: number;
}

export interface EngineRequest<T> {
  dir: string;
  stem: string;
  parts: EngineKeyParts;
  /** Builds the serialized engine (only called while holding the lock). */
  build: () => Promise<Uint8Array>;
  /** Deserialises an engine. A rejection with code ERR_TENSORRT means "this file is unusable": rebuild. */
  open: (engine: Uint8Array) => Promise<T>;
  warn?: (message: string) => void;
  lock?: LockOptions;
}

export interface EngineResult<T> {
  value: T;
  path: string;
  /** true when this call built the engine; false when it came from the cache. */
  built: boolean;
  buildSeconds?: number;
}

export function enginePaths(dir: string, stem: string): { engine: string; meta: string; lock: string } {
  const engine = join(dir, `${stem}.engine`);
  return { engine, meta: join(dir, `${stem}.json`), lock: `${engine}.lock` };
}

type Lookup<T> = { ok: true; value: T } | { ok: false; problem?: string };

/** Why a cached engine/metadata pair cannot be used, or undefined if it looks intact. */
export function checkCachedFile(engine: Uint8Array, metaText: string, key: string): string | undefined {
  let meta: Partial<EngineMeta>;
  try {
    meta = JSON.parse(metaText) as Partial<EngineMeta>;
  } catch {
    return 'its metadata is not valid JSON';
  }
  if (meta.format !== 1 || meta.key !== key) return `its metadata belongs to another key (${String(meta.key)})`;
  if (meta.bytes !== engine.length) return `it is ${engine.length} bytes, expected ${String(meta.bytes)} (truncated?)`;
  if (meta.sha256 !== sha256(engine)) return 'its sha256 does not match the metadata (corrupt)';
  return undefined;
}

async function lookup<T>(req: EngineRequest<T>, paths: ReturnType<typeof enginePaths>, key: string): Promise<Lookup<T>> {
  if (!existsSync(paths.engine) && !existsSync(paths.meta)) return { ok: false };
  let engine: Buffer;
  let metaText: string;
  try {
    engine = readFileSync(paths.engine);
    metaText = readFileSync(paths.meta, 'utf8');
  } catch (err) {
    return { ok: false, problem: `it cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  const bad = checkCachedFile(engine, metaText, key);
  if (bad) return { ok: false, problem: bad };
  try {
    return { ok: true, value: await req.open(engine) };
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.code !== 'ERR_TENSORRT') throw err; // CUDA errors, contract mismatches: rebuilding would not help
    return { ok: false, problem: `TensorRT could not deserialise it (${e.message})` };
  }
}

export async function getOrBuildEngine<T>(req: EngineRequest<T>): Promise<EngineResult<T>> {
  const key = engineKey(req.parts);
  const paths = enginePaths(req.dir, req.stem);
  const warn = req.warn ?? ((m: string) => process.emitWarning(m, { code: 'TRT_LANDMARKER_ENGINE_CACHE' }));

  const fast = await lookup(req, paths, key);
  if (fast.ok) return { value: fast.value, path: paths.engine, built: false };

  const lock = await acquireLock(paths.lock, req.lock);
  let engine: Uint8Array;
  let buildSeconds: number;
  try {
    const again = await lookup(req, paths, key);
    if (again.ok) return { value: again.value, path: paths.engine, built: false };
    if (again.problem) {
      warn(`Cached TensorRT engine ${paths.engine} is unusable: ${again.problem}; rebuilding it`);
      rmSync(paths.engine, { force: true });
      rmSync(paths.meta, { force: true });
    }
    const t0 = Date.now();
    engine = await req.build();
    buildSeconds = (Date.now() - t0) / 1000;
    if (!engine || engine.length === 0) throw new LandmarkerError('ERR_TENSORRT', 'The engine build returned no data');
    const meta: EngineMeta = {
      format: 1,
      key,
      parts: req.parts,
      sha256: sha256(engine),
      bytes: engine.length,
      created: new Date().toISOString(),
      buildSeconds,
    };
    // Engine first, metadata second: a reader never sees metadata for an engine that is not there yet.
    writeFileAtomic(paths.engine, engine);
    writeFileAtomic(paths.meta, Buffer.from(JSON.stringify(meta, null, 2)));
  } finally {
    lock.release();
  }
  // A fresh engine that still fails to open is a real error (not a cache problem): no second rebuild.
  return { value: await req.open(engine), path: paths.engine, built: true, buildSeconds };
}
