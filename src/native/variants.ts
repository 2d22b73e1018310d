/**
 * Where the native addon may be found, in the order the loader tries them.
 * 1. $TRT_LANDMARKER_ADDON (an explicit .node path, e.g. a binding.gyp build under test);
 * 2. prebuilds/<platform>-<arch>/<variant>/trt_landmarker.node, GPU variants before the CPU one;
 * 3. build/Release/trt_landmarker.node (what `npm run build:native` produces).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const ADDON_FILE = 'trt_landmarker.node';
export const ADDON_ENV = 'TRT_LANDMARKER_ADDON';

/** Prebuild variants in order of preference; unknown variant folders come after these, 'cpu' always last. */
export const VARIANT_ORDER: readonly string[] = ['cuda13', 'cuda12'];

export interface AddonCandidate {
  /** Absolute path of the .node file. */
  path: string;
  /** Where the candidate came from, for messages: 'env', 'prebuild:<variant>', 'build'. */
  source: string;
}

let root: string | undefined;

/**
 * The package root: the nearest directory above this file whose package.json is named trt-landmarker.
 * Works from src/native (ts-jest, ts-node) and from dist/src/native (compiled).
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

function variantRank(v: string): number {
  const i = VARIANT_ORDER.indexOf(v);
  if (i >= 0) return i;
  return v === 'cpu' ? VARIANT_ORDER.length + 1 : VARIANT_ORDER.length;
}

/** Every candidate path, existing or not (the loader reports the missing ones too). */
export function listCandidates(env: NodeJS.ProcessEnv = process.env): AddonCandidate[] {
  const out: AddonCandidate[] = [];
  const explicit = env[ADDON_ENV];
  if (explicit !== undefined && explicit !== '') out.push({ path: resolve(explicit), source: 'env' });

  const base = packageRoot();
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
  variants.sort((a, b) => variantRank(a) - variantRank(b) || a.localeCompare(b));
  for (const v of variants) out.push({ path: join(prebuildDir, v, ADDON_FILE), source: `prebuild:${v}` });

  out.push({ path: join(base, 'build', 'Release', ADDON_FILE), source: 'build' });
  return out;
}
