/**
 * Engine cache key. An engine is only valid for the exact ONNX bytes, precision mode (TF32 included), optimisation profile,
 * TensorRT version, GPU model and compute capability, and addon version it was built with; all of them go into
 * the key, so a change of any one builds a new engine instead of loading a foreign one.
 */
import { createHash } from 'node:crypto';
import type { Precision } from '../types';

export interface EngineKeyParts {
  /** sha256 (hex) of the ONNX file the engine is built from. */
  onnxSha256: string;
  precision: Precision;
  /** How precision was obtained: 'strongly-typed' (graph types) or 'fp16-flag' (TensorRT 10 kFP16). */
  typing: 'strongly-typed' | 'fp16-flag';
  /** Whether FP32 layers may run as TF32 (TensorRT's default on sm_80+). Always false: an "fp32" engine is FP32. */
  tf32: boolean;
  profile: { input: string; minBatch: number; optBatch: number; maxBatch: number; chw: [number, number, number] };
  tensorrtVersion: string;
  gpuName: string;
  computeCapability: string;
  addonVersion: string;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Canonical JSON of the parts (fixed key order), so equal parts give equal keys. */
export function canonicalKey(p: EngineKeyParts): string {
  return JSON.stringify([
    ['onnxSha256', p.onnxSha256],
    ['precision', p.precision],
    ['typing', p.typing],
    ['tf32', p.tf32],
    ['profile', [p.profile.input, p.profile.minBatch, p.profile.optBatch, p.profile.maxBatch, ...p.profile.chw]],
    ['tensorrt', p.tensorrtVersion],
    ['gpu', p.gpuName],
    ['cc', p.computeCapability],
    ['addon', p.addonVersion],
  ]);
}

/** 32 hex digits of sha256 over the canonical parts. */
export function engineKey(p: EngineKeyParts): string {
  return createHash('sha256').update(canonicalKey(p)).digest('hex').slice(0, 32);
}

/** A readable, filesystem-safe file stem: "<model>-<precision>-b<max>-trt<ver>-sm<cc>-<key>". */
export function engineFileStem(modelName: string, p: EngineKeyParts): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 48);
  const cc = p.computeCapability.replace('.', '');
  return `${safe(modelName)}-${p.precision}-b${p.profile.maxBatch}-trt${safe(p.tensorrtVersion)}-sm${cc}-${engineKey(p)}`;
}

/** Timing caches depend on the GPU and TensorRT version only (TensorRT checks this too). */
export function timingCacheName(tensorrtVersion: string, gpuName: string, computeCapability: string): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');
  return `timing-trt${safe(tensorrtVersion)}-${safe(gpuName)}-sm${computeCapability.replace('.', '')}.cache`;
}
