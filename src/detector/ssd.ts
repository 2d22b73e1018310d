/**
 * What both detector runners (ONNX Runtime: face-detector.ts, TensorRT: tensorrt-detector.ts) derive from an SSD
 * detector contract the same way: the priors (generated once by the native core), the preprocessing parameters,
 * and the native decoder's flat boxes/scores as DetectedBox objects.
 */
import type { DetectorContract } from '../contract/detector';
import { LandmarkerError } from '../errors';
import type { NativeAddon, NativePreprocessParams } from '../native/addon';
import type { DetectedBox } from './face-detector';

/** The contract's priors: cx, cy, w, h per prior, normalised to the input (native/core/detector_decode.cc). */
export function detectorPriors(addon: NativeAddon, contract: DetectorContract): Float32Array {
  const p = contract.priors;
  return addon.generatePriors({
    inputWidth: contract.input.width,
    inputHeight: contract.input.height,
    clip: p.clip,
    levels: p.strides.map((stride, l) => ({ stride, minSizes: p.minSizes[l] })),
  });
}

export function detectorPreprocess(contract: DetectorContract): NativePreprocessParams {
  const i = contract.input;
  return { width: i.width, height: i.height, bgr: i.colorOrder === 'bgr', scale: i.scale, mean: i.mean, std: i.std };
}

/** boxes [k * 4] (x, y, w, h) and scores [k], as the native decoders return them. */
export function toDetectedBoxes(boxes: Float32Array, scores: Float32Array): DetectedBox[] {
  const faces: DetectedBox[] = [];
  for (let k = 0; k < scores.length; k++) {
    faces.push({ box: [boxes[4 * k], boxes[4 * k + 1], boxes[4 * k + 2], boxes[4 * k + 3]], score: scores[k] });
  }
  return faces;
}

/** Both runners feed one image per run: a detector graph with a fixed batch other than 1 cannot be used. */
export function assertOneImageBatch(io: { fixedBatch?: number }, modelPath: string): void {
  if (io.fixedBatch !== undefined && io.fixedBatch !== 1) {
    throw new LandmarkerError('ERR_CONTRACT_MISMATCH', `contract.input: the detector ${modelPath} has a fixed batch of ${io.fixedBatch}; it runs one image at a time (batch 1 or dynamic)`);
  }
}
