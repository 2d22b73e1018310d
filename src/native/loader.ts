/**
 * Loads the native addon once. Tries each candidate of listCandidates() in order; the first that loads and
 * exports the whole NativeAddon interface wins. When none does, throws ONE LandmarkerError('ERR_NATIVE_LOAD')
 * listing every path with its reason and what to do.
 * This file and addon.ts are the only places the addon's untyped export is cast.
 */
import { existsSync } from 'node:fs';
import { LandmarkerError } from '../errors';
import type { NativeAddon } from './addon';
import { ADDON_ENV, compareVersions, glibcRuntime, listCandidates, type AddonCandidate } from './variants';

/** Functions every addon build exports (GPU builds export more). */
const REQUIRED: readonly (keyof NativeAddon)[] = [
  'buildInfo',
  'gpuStatus',
  'preprocess',
  'preprocessSync',
  'decodePipnet',
  'decodeRegression',
  'tryLockFile',
  'unlockFile',
];

let cached: { addon: NativeAddon; path: string } | undefined;

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0] ?? msg;
}

/** Why a binary that needs glibc `needed` cannot load on this system, or undefined when it can (or unknown). */
export function glibcTooOld(needed: string | undefined, runtime: string | undefined = glibcRuntime()): string | undefined {
  if (!needed || !runtime || compareVersions(runtime, needed) >= 0) return undefined;
  return (
    `needs glibc >= ${needed} but this system has glibc ${runtime} (prebuilt binaries are built on Debian 12; ` +
    'build the addon here instead: `npm rebuild trt-landmarker`)'
  );
}

/** What a dlopen error about symbol versions means for the user (" (...)"), or "". */
export function explainLoadError(message: string): string {
  const m = /(GLIBCXX|CXXABI|GLIBC)_([\d.]+)' not found/.exec(message);
  if (!m) return '';
  if (m[1] === 'GLIBC') return ` (${glibcTooOld(m[2]) ?? `needs glibc >= ${m[2]}`})`;
  return (
    ` (needs libstdc++ with ${m[1]}_${m[2]}, newer than this system's (GCC >= 11 runtime); ` +
    'build the addon here instead: `npm rebuild trt-landmarker`)'
  );
}

function tryLoad(c: AddonCandidate): { addon?: NativeAddon; reason?: string } {
  if (!existsSync(c.path)) return { reason: 'not found' };
  // Checked before dlopen, whose own message ("version `GLIBC_2.34' not found") does not say what to do.
  const tooOld = glibcTooOld(c.meta?.glibc);
  if (tooOld) return { reason: `skipped: ${tooOld}` };
  let exported: unknown;
  try {
    // require() of a .node file runs process.dlopen; the module is cached by Node per path.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exported = require(c.path);
  } catch (err) {
    return { reason: `failed to load: ${firstLine(err)}${explainLoadError(firstLine(err))}` };
  }
  const obj = exported as Record<string, unknown>;
  const missing = REQUIRED.filter((k) => typeof obj?.[k] !== 'function');
  if (missing.length > 0) return { reason: `loaded but does not export ${missing.join(', ')} (stale build?)` };
  return { addon: exported as NativeAddon };
}

/**
 * The first candidate that loads, or ERR_NATIVE_LOAD listing each one tried with its reason. A prebuild that
 * cannot load here (glibc too old, missing symbols) is reported and the next candidate is tried.
 */
export function loadFirst(candidates: readonly AddonCandidate[]): { addon: NativeAddon; path: string } {
  const tried: string[] = [];
  for (const c of candidates) {
    const r = tryLoad(c);
    if (r.addon) return { addon: r.addon, path: c.path };
    tried.push(`  ${c.path} [${c.source}]: ${r.reason}${c.note ? ` (${c.note})` : ''}`);
    // An explicit TRT_LANDMARKER_ADDON that fails is an error on its own: do not silently use another build.
    if (c.source === 'env') break;
  }
  throw new LandmarkerError(
    'ERR_NATIVE_LOAD',
    `Could not load the trt-landmarker native addon. Tried:\n${tried.join('\n')}\n` +
      `Build it with \`npm run build:native\` (needs cmake >= 3.19 and a C++17 compiler; CUDA/TensorRT optional), ` +
      `or set ${ADDON_ENV} to the path of a trt_landmarker.node. As a dependency: \`npm rebuild trt-landmarker\` ` +
      `(npm 11 skips dependencies' install scripts until \`npm install-scripts approve trt-landmarker\`). See docs/native.md.`,
  );
}

/** The addon (cached after the first successful load). Throws LandmarkerError ERR_NATIVE_LOAD. */
export function loadAddon(): NativeAddon {
  if (!cached) cached = loadFirst(listCandidates());
  return cached.addon;
}

/** Path of the loaded addon, or undefined before loadAddon() succeeded. */
export function loadedAddonPath(): string | undefined {
  return cached?.path;
}
