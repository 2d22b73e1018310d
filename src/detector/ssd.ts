/**
 * What both detector runners (ONNX Runtime: face-detector.ts, TensorRT: tensorrt-detector.ts) derive from an SSD
 * detector contract the same way: the priors (generated once by the native core) and the native decoder's flat
 * boxes/scores as DetectedBox objects.
 */
import type { DetectorContract } from '../contract/detector';
import type { NativeAddon } from '../native/addon';

export interface DetectedBox {
  /** [x, y, w, h] in image pixels. */
  box: [number, number, number, number];
  score: number;
}

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

/** boxes [k * 4] (x, y, w, h) and scores [k], as the native decoders return them. */
export function toDetectedBoxes(boxes: Float32Array, scores: Float32Array): DetectedBox[] {
  const faces: DetectedBox[] = [];
  for (let k = 0; k < scores.length; k++) {
    faces.push({ box: [boxes[4 * k], boxes[4 * k + 1], boxes[4 * k + 2], boxes[4 * k + 3]], score: scores[k] });
  }
  return faces;
}
