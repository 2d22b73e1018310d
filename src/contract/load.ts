/**
 * Finds a model's contract: options.config (object, JSON path, or the name of a contract bundled in the package's
 * models/contracts/, e.g. "peppa-slim160") > sidecar `<model minus .onnx>.json`
 * (or `<model>.json`) > the ONNX file's metadata_props key `trt_landmarker`. The ONNX file itself is read by
 * src/model/open.ts, which passes its metadata here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LandmarkerError } from '../errors';
import { packageRoot } from '../util/package-root';
import type { ModelContract } from './types';
import { validateContract } from './validate';

export const METADATA_KEY = 'trt_landmarker';

export type ContractSource = 'metadata' | 'sidecar' | 'option';

export interface ResolvedContract {
  contract: ModelContract;
  source: ContractSource;
  /** The JSON file the contract came from (sidecar or options.config path). */
  sourcePath?: string;
}

/** Sidecar paths tried in order: `m.json` for `m.onnx`, then `m.onnx.json`. */
export function sidecarPaths(modelPath: string): string[] {
  const stripped = modelPath.replace(/\.onnx$/i, '');
  return stripped === modelPath ? [`${modelPath}.json`] : [`${stripped}.json`, `${modelPath}.json`];
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new LandmarkerError('ERR_CONTRACT_INVALID', `${what} is not valid JSON: ${(err as Error).message}`);
  }
}

function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new LandmarkerError('ERR_FILE_NOT_FOUND', `${what} not found: ${path}`);
    throw new LandmarkerError('ERR_CONTRACT_INVALID', `Cannot read ${what} ${path}: ${code ?? (err as Error).message}`);
  }
  return parseJson(text, `${what} ${path}`);
}

/** Names of the contracts bundled with the package (models/contracts/<name>.json). */
export function bundledContractNames(): string[] {
  try {
    return readdirSync(join(packageRoot(), 'models', 'contracts'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .sort();
  } catch {
    return [];
  }
}

/**
 * The file a config string names: an existing path as given; otherwise a bare name ("peppa-slim160", no slash, no
 * .json) of a bundled contract, so that it works from any project directory; otherwise the path as given (its
 * ERR_FILE_NOT_FOUND then lists the bundled names).
 */
function isBareName(config: string): boolean {
  return /^[\w.-]+$/.test(config) && !config.endsWith('.json');
}

export function resolveContractPath(config: string): string {
  if (existsSync(config) || !isBareName(config)) return config;
  const bundled = join(packageRoot(), 'models', 'contracts', `${config}.json`);
  return existsSync(bundled) ? bundled : config;
}

/** The contract of the model at `modelPath`, whose ONNX metadata_props are `metadata` (see the file comment). */
export function resolveContract(modelPath: string, metadata: ReadonlyMap<string, string>, config?: ModelContract | string): ResolvedContract {
  if (config !== undefined) {
    if (typeof config === 'string') {
      const path = resolveContractPath(config);
      if (!existsSync(path)) {
        const names = bundledContractNames();
        throw new LandmarkerError(
          'ERR_FILE_NOT_FOUND',
          `Contract file not found: ${config}` +
            (isBareName(config) ? ` (bundled contracts, usable by name: ${names.join(', ') || 'none'})` : ''),
        );
      }
      const raw = readJsonFile(path, 'Contract file');
      return { contract: validateContract(raw, `config ${config}`), source: 'option', sourcePath: path };
    }
    return { contract: validateContract(config, 'options.config'), source: 'option' };
  }
  const sidecars = sidecarPaths(modelPath);
  for (const p of sidecars) {
    if (existsSync(p)) {
      const raw = readJsonFile(p, 'Sidecar contract');
      return { contract: validateContract(raw, `sidecar ${p}`), source: 'sidecar', sourcePath: p };
    }
  }
  const meta = metadata.get(METADATA_KEY);
  if (meta !== undefined) {
    const raw = parseJson(meta, `ONNX metadata_props "${METADATA_KEY}" of ${modelPath}`);
    return { contract: validateContract(raw, `metadata_props "${METADATA_KEY}" of ${modelPath}`), source: 'metadata' };
  }
  throw new LandmarkerError(
    'ERR_CONTRACT_MISSING',
    `No model contract for ${modelPath}: the ONNX file has no metadata_props key "${METADATA_KEY}" and there is no ` +
      `sidecar ${sidecars.join(' or ')}. Embed one (models/export.py does), write the sidecar, or pass ` +
      `options.config / --config (schema: docs/contract.md).`,
  );
}
