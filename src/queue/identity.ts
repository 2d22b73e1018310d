/**
 * A model's identity on the queue: the sha256 of the ONNX bytes and the sha256 of its contract (canonical JSON,
 * keys sorted), and a short id made of both. Jobs carry the id and go to a queue named after it, so a worker only
 * ever takes jobs made for the exact model and contract it runs: a worker with another version is never handed
 * them, and one that is handed them anyway refuses (ERR_MODEL_MISMATCH) instead of mixing results.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { openLandmarkModel } from '../model/open';
import type { ModelContract } from '../contract/types';
import { LandmarkerError } from '../errors';
import { sha256 } from '../tensorrt/cache-key';

export interface ModelIdentity {
  /** 16 hex digits of sha256(onnxSha256 + ':' + contractSha256). */
  id: string;
  onnxSha256: string;
  contractSha256: string;
}

/** JSON with object keys sorted at every level, so equal contracts hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function identityOf(onnxSha256: string, contract: ModelContract): ModelIdentity {
  const contractSha256 = createHash('sha256').update(canonicalJson(contract)).digest('hex');
  const id = createHash('sha256').update(`${onnxSha256}:${contractSha256}`).digest('hex').slice(0, 16);
  return { id, onnxSha256, contractSha256 };
}

/** The identity of a model file under the contract `detect` would use (config option, sidecar or metadata). */
export function modelIdentity(model: string, config?: string | ModelContract): ModelIdentity {
  const { contract } = openLandmarkModel(model, config);
  let bytes: Buffer;
  try {
    bytes = readFileSync(model);
  } catch (err) {
    throw new LandmarkerError('ERR_MODEL_LOAD', `Cannot read model ${model}: ${(err as Error).message}`);
  }
  return identityOf(sha256(bytes), contract);
}

const ID_PATTERN = /^[0-9a-f]{16}$/;

export function isModelId(text: string): boolean {
  return ID_PATTERN.test(text);
}
