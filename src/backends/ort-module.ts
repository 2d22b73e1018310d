/**
 * Where this package's ONNX Runtime comes from, in the order tried:
 * 1. vendor/onnxruntime-node/ inside the package (scripts/vendor-ort.js writes it at `npm pack`): onnxruntime-node's
 *    JS and its CPU binaries for the platforms bundled (linux-x64), without its postinstall. onnxruntime-node's
 *    postinstall downloads a CUDA provider from nuget.org and fails an offline `npm install`; this package never
 *    uses that provider (its GPU path is TensorRT), so a consumer installs no onnxruntime-node at all. Used when it
 *    holds this platform's binding and its version is the installed onnxruntime-common's (binding and JS API must
 *    come from one release; a copy left over from an older `npm pack` in a checkout is passed over).
 * 2. onnxruntime-node resolved from the package: a development checkout (a devDependency) or a user on another
 *    platform who installed it.
 * 3. Neither: LandmarkerError ERR_BACKEND_UNAVAILABLE saying which version to install.
 * Nothing here loads the native binding except loadOrt(), which the ONNX Runtime worker thread calls.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as Ort from 'onnxruntime-common';
import { LandmarkerError } from '../errors';
import { findPackageDir, packageRoot } from '../util/package-root';

export interface OrtLocation {
  /** 'bundled': vendor/onnxruntime-node inside this package; 'installed': an onnxruntime-node package. */
  source: 'bundled' | 'installed';
  /** The package directory to require. */
  dir: string;
  version: string;
}

/** What loadOrt() returns: onnxruntime-node's exports (onnxruntime-common's API, run by the native binding). */
export type OrtApi = typeof Ort;

const VENDORED = join('vendor', 'onnxruntime-node');

function readVersion(pkgJson: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** The version of the package `name` that `from` resolves to, or undefined (found from its main entry: onnxruntime-common exports no package.json). */
function resolvedVersion(name: string, from: string): string | undefined {
  let main: string;
  try {
    main = require.resolve(name, { paths: [from] });
  } catch {
    return undefined;
  }
  const dir = findPackageDir(dirname(main), name);
  return dir === undefined ? undefined : readVersion(join(dir, 'package.json'));
}

/** The platform-arch pairs the vendored copy holds a binding for ("linux-x64"). */
function vendoredPlatforms(vendored: string): string[] {
  const bin = join(vendored, 'bin', 'napi-v6');
  const out: string[] = [];
  try {
    for (const platform of readdirSync(bin)) {
      for (const arch of readdirSync(join(bin, platform))) {
        if (existsSync(join(bin, platform, arch, 'onnxruntime_binding.node'))) out.push(`${platform}-${arch}`);
      }
    }
  } catch {
    // no vendor/ (a development checkout before `npm pack`)
  }
  return out.sort();
}

/**
 * Where ONNX Runtime is loaded from (see the file comment). `root` is this package's root, `platform`/`arch` those
 * of the running process; both are parameters so tests can point them elsewhere.
 */
export function locateOrt(root: string = packageRoot(), platform: string = process.platform, arch: string = process.arch): OrtLocation {
  const vendored = join(root, VENDORED);
  const platforms = vendoredPlatforms(vendored);
  const here = `${platform}-${arch}`;
  const bundledVersion = readVersion(join(vendored, 'package.json'));
  const commonVersion = resolvedVersion('onnxruntime-common', vendored);
  let passedOver = '';
  if (platforms.includes(here) && bundledVersion) {
    if (bundledVersion === commonVersion) return { source: 'bundled', dir: vendored, version: bundledVersion };
    passedOver = ` (the bundled ONNX Runtime ${bundledVersion} was passed over: onnxruntime-common is ${commonVersion ?? 'not installed'})`;
  }
  let installed: string | undefined;
  try {
    installed = dirname(require.resolve('onnxruntime-node/package.json', { paths: [root] }));
  } catch {
    installed = undefined;
  }
  const installedVersion = installed && readVersion(join(installed, 'package.json'));
  if (installed && installedVersion) return { source: 'installed', dir: installed, version: installedVersion };
  const wanted = commonVersion ?? bundledVersion;
  const install = `run \`npm install onnxruntime-node${wanted ? `@${wanted}` : ''}\` in your project`;
  const why = platforms.length
    ? `ONNX Runtime is bundled for ${platforms.join(', ')} only; on ${here} ${install}`
    : `this trt-landmarker holds no bundled ONNX Runtime (it is added by \`npm pack\`) and onnxruntime-node is not installed: ${install}`;
  throw new LandmarkerError('ERR_BACKEND_UNAVAILABLE', `ONNX Runtime backend unavailable: ${why}${passedOver}`);
}

let here: OrtLocation | undefined;

/**
 * locateOrt() for this package and process, found once per thread: the package's files do not change while it
 * runs, and every ONNX Runtime thread opened (one per landmarker and detector) asks. A failure is not kept.
 */
export function ortLocation(): OrtLocation {
  here ??= locateOrt();
  return here;
}

/** Loads ONNX Runtime from where locateOrt() finds it (this loads the native binding into the calling thread). */
export function loadOrt(): OrtApi {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(ortLocation().dir) as OrtApi;
}

/** The version locateOrt() finds ("1.30.0"), or "unavailable"; loads nothing. */
export function ortVersion(): string {
  try {
    return ortLocation().version;
  } catch {
    return 'unavailable';
  }
}

/** For `trt-landmarker info`: "1.30.0 (CPU, bundled)", "1.30.0 (CPU, onnxruntime-node)", or "unavailable: <why>"; loads nothing. */
export function describeOrt(): string {
  try {
    const l = ortLocation();
    return `${l.version} (CPU, ${l.source === 'bundled' ? 'bundled' : 'onnxruntime-node'})`;
  } catch (err) {
    return `unavailable: ${(err as Error).message}`;
  }
}
