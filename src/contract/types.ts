/**
 * The model contract: how to run one landmark model. Stored in the ONNX file's metadata_props under the key
 * `trt_landmarker` (a JSON string) or in a sidecar `<model>.json` beside the ONNX file (sidecar wins).
 * See README "Model contract" for the documented schema; src/contract/validate.ts enforces it.
 *
 * Preprocessing: for each channel c of the model input,  value = (pixel * scale - mean[c]) / std[c]
 * with pixel in 0..255 in `input.colorOrder` channel order, NCHW float32.
 *
 * Geometry: every model output is first turned into coordinates normalised to the model input
 * (0..1 across the crop); frame pixel = crop.x + n * crop.w (likewise for y). 0-indexed pixels.
 */
export interface ModelContract {
  /** Schema version, currently 1. */
  version: 1;
  architecture: 'pipnet' | 'regression';
  /** 68 (iBUG) or 70 (iBUG + 2 pupils, Fake-It). */
  landmarks: 68 | 70;
  input: InputSpec;
  crop: CropPolicy;
  /** Present iff architecture === 'regression'. */
  regression?: RegressionSpec;
  /** Present iff architecture === 'pipnet'. */
  pipnet?: PipnetSpec;
  /** Free text: where the weights come from, licence, training data. */
  description?: string;
  /** How a box of the built-in face detector maps to the box this model's crop policy expects (detectFaces). */
  detectorBox?: DetectorBoxMap;
}

/**
 * Detector box (x, y, w, h) -> landmark box: centre (x + w/2 + shiftX * w, y + h/2 + shiftY * h), sides scale * w and
 * scale * h; the crop policy is then applied to that box. Calibrated per detector (scripts/calibrate-detector-box.js).
 */
export interface DetectorBoxMap {
  /** Which detector it was calibrated for (free text, e.g. "ultraface-rfb-320"). */
  detector?: string;
  shiftX: number;
  shiftY: number;
  scale: number;
  /** How it was computed (free text). */
  calibration?: string;
}

export interface InputSpec {
  /** ONNX input tensor name. */
  name: string;
  width: number;
  height: number;
  colorOrder: 'rgb' | 'bgr';
  /** Multiplies the 0..255 pixel before mean/std (1/255 for ImageNet-style models). */
  scale: number;
  mean: [number, number, number];
  std: [number, number, number];
}

export interface CropPolicy {
  /** Side of the crop = boxScale x the box side (x max(w, h) when square). */
  boxScale: number;
  /** true: a square of side boxScale * max(w, h) centred on the box; false: boxScale * w by boxScale * h. */
  square: boolean;
}

export interface RegressionSpec {
  /** ONNX output tensor name; shape [N, >= 2 * landmarks]; the first 2 * landmarks values are x,y pairs. */
  output: string;
  /** 'normalized': 0..1 of the model input; 'pixel': model-input pixels (0..width). */
  layout: 'normalized' | 'pixel';
}

export interface PipnetSpec {
  /** Network stride: the score map is (height / stride) x (width / stride). */
  stride: number;
  /** Neighbour count (num_nb). */
  neighbors: number;
  /** Mean face: landmarks x (x, y) values, normalised 0..1, flattened. PIPNet derives neighbours from it. */
  meanFace: number[];
  /** ONNX output names of the five heads: [N, L, h, w] for cls/x/y, [N, L * neighbors, h, w] for nbX/nbY. */
  outputs: { cls: string; x: string; y: string; nbX: string; nbY: string };
}
