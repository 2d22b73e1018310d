/**
 * The face-detector contract: how to run an SSD-style face detector (UltraFace and its kin). Like the landmark
 * contract (src/contract/types.ts) it is JSON, validated field by field (messages name the field) and checked
 * against the ONNX graph's inputs and outputs, including the number of priors its settings generate.
 * Schema and formulas: docs/detector.md. The shipped one: models/contracts/ultraface-rfb-320.json.
 */
import { readFileSync } from 'node:fs';
import { LandmarkerError } from '../errors';
import { checkTensor, type TensorInfo } from './match';
import type { InputSpec } from './types';
import { fail, finite, input, noUnknownKeys, obj, oneOf, posInt, str, type Obj } from './validate';

export interface DetectorContract {
  version: 1;
  kind: 'face-detector';
  /** 'ssd': per-prior class scores and (dx, dy, dw, dh) offsets decoded against generated priors. */
  architecture: 'ssd';
  description?: string;
  /** Preprocessing, as for landmark models: value = (pixel * scale - mean[c]) / std[c]. */
  input: InputSpec;
  /** How the whole image becomes the input: 'stretch' (both axes scaled independently) or 'letterbox'. */
  resize: 'stretch' | 'letterbox';
  /** ONNX output names: scores [N, priors, classes] (probabilities; class 1 = face), boxes [N, priors, 4]. */
  outputs: { scores: string; boxes: string };
  /** Prior boxes: per level a stride (feature map ceil(size / stride)) and the prior sides in input pixels. */
  priors: { strides: number[]; minSizes: number[][]; clip: boolean };
  /** Centre and size variances of the box encoding. */
  variances: [number, number];
  nms: { iouThreshold: number; candidates: number };
  /** Default score threshold (detectFaces' minScore). */
  minScore: number;
}

function numberList(v: unknown, path: string, positive: boolean): number[] {
  if (!Array.isArray(v) || v.length === 0) fail(path, positive ? 'a non-empty array of numbers > 0' : 'a non-empty array of numbers', v);
  v.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x) || (positive && x <= 0)) fail(`${path}[${i}]`, 'a finite number > 0', x);
  });
  return v as number[];
}

function priors(v: unknown, path: string): DetectorContract['priors'] {
  const o = obj(v, path);
  noUnknownKeys(o, path, ['strides', 'minSizes', 'clip']);
  const strides = numberList(o.strides, `${path}.strides`, true);
  strides.forEach((s, i) => {
    if (!Number.isInteger(s)) fail(`${path}.strides[${i}]`, 'a positive integer', s);
  });
  if (!Array.isArray(o.minSizes) || o.minSizes.length !== strides.length) {
    fail(`${path}.minSizes`, `an array of ${strides.length} arrays (one per stride)`, o.minSizes);
  }
  const minSizes = o.minSizes.map((m, i) => numberList(m, `${path}.minSizes[${i}]`, true));
  if (o.clip !== undefined && typeof o.clip !== 'boolean') fail(`${path}.clip`, 'true or false', o.clip);
  return { strides, minSizes, clip: o.clip !== false };
}

function nms(v: unknown, path: string): DetectorContract['nms'] {
  const o: Obj = v === undefined ? {} : obj(v, path);
  noUnknownKeys(o, path, ['iouThreshold', 'candidates']);
  const iouThreshold = finite(o, 'iouThreshold', path, 0.3, true);
  if (iouThreshold > 1) fail(`${path}.iouThreshold`, 'a number from 0 to 1', iouThreshold);
  return { iouThreshold, candidates: posInt(o, 'candidates', path, 200, 1 << 20) };
}

/** Validates `raw` (already JSON-parsed); `source` says where it came from in messages. */
export function validateDetectorContract(raw: unknown, source: string): DetectorContract {
  try {
    const path = 'contract';
    const o = obj(raw, path);
    noUnknownKeys(o, path, ['version', 'kind', 'architecture', 'description', 'input', 'resize', 'outputs', 'priors', 'variances', 'nms', 'minScore']);
    if (o.version !== 1) fail(`${path}.version`, '1', o.version);
    if (o.kind !== 'face-detector') fail(`${path}.kind`, '"face-detector"', o.kind);
    oneOf(o, 'architecture', path, ['ssd'] as const);
    if (o.description !== undefined && typeof o.description !== 'string') fail(`${path}.description`, 'a string', o.description);
    const out = obj(o.outputs, `${path}.outputs`);
    noUnknownKeys(out, `${path}.outputs`, ['scores', 'boxes']);
    const variances = numberList(o.variances ?? [0.1, 0.2], `${path}.variances`, true);
    if (variances.length !== 2) fail(`${path}.variances`, 'two numbers (centre, size)', o.variances);
    const minScore = finite(o, 'minScore', path, 0.7, false);
    if (minScore < 0 || minScore > 1) fail(`${path}.minScore`, 'a number from 0 to 1', minScore);
    return {
      version: 1,
      kind: 'face-detector',
      architecture: 'ssd',
      ...(o.description !== undefined ? { description: o.description as string } : {}),
      input: input(o.input, `${path}.input`),
      resize: oneOf(o, 'resize', path, ['stretch', 'letterbox'] as const, 'stretch'),
      outputs: { scores: str(out, 'scores', `${path}.outputs`), boxes: str(out, 'boxes', `${path}.outputs`) },
      priors: priors(o.priors, `${path}.priors`),
      variances: [variances[0], variances[1]],
      nms: nms(o.nms, `${path}.nms`),
      minScore,
    };
  } catch (err) {
    if (err instanceof LandmarkerError) throw new LandmarkerError(err.code, `Invalid detector contract (${source}): ${err.message}`);
    throw err;
  }
}

/** Number of priors the contract generates (what the model's outputs must hold per image). */
export function priorCount(c: DetectorContract): number {
  const { width, height } = c.input;
  return c.priors.strides.reduce((n, s, l) => n + Math.ceil(width / s) * Math.ceil(height / s) * c.priors.minSizes[l].length, 0);
}

/** Checks the contract against the model's inputs and outputs; returns the fixed batch if the model has one. */
export function checkDetectorAgainstModel(c: DetectorContract, model: string, inputs: readonly TensorInfo[], outputs: readonly TensorInfo[]): { fixedBatch?: number } {
  const priorsN = priorCount(c);
  const inp = checkTensor(inputs, c.input.name, 'contract.input.name', 'input', model, [
    [1, 3, 'channels', 'contract.input'],
    [2, c.input.height, 'rows', 'contract.input.height'],
    [3, c.input.width, 'columns', 'contract.input.width'],
  ], '[N, 3, height, width]');
  const others = inputs.filter((x) => x.name !== inp.name);
  if (others.length > 0) {
    throw new LandmarkerError('ERR_CONTRACT_MISMATCH', `contract.input.name: ${model} has further inputs the pipeline would leave unfed: ${others.map((x) => `"${x.name}"`).join(', ')}`);
  }
  const why = `priors (contract.priors and the input size ${c.input.width}x${c.input.height} generate ${priorsN})`;
  checkTensor(outputs, c.outputs.scores, 'contract.outputs.scores', 'output', model, [[1, priorsN, why, 'contract.priors']], '[N, priors, classes]');
  checkTensor(outputs, c.outputs.boxes, 'contract.outputs.boxes', 'output', model, [[1, priorsN, why, 'contract.priors'], [2, 4, 'box values', 'contract.outputs.boxes']], '[N, priors, 4]');
  const scores = outputs.find((t) => t.name === c.outputs.scores)!;
  const classes = scores.shape[2];
  if (typeof classes === 'number' && classes < 2) {
    throw new LandmarkerError('ERR_CONTRACT_MISMATCH', `contract.outputs.scores: "${scores.name}" of ${model} has ${classes} class column(s); expected (background, face)`);
  }
  return typeof inp.shape[0] === 'number' ? { fixedBatch: inp.shape[0] } : {};
}

/** The detector contract given as an object, or read from the JSON file `config` names; validated either way. */
export function readDetectorContract(config: string | object): DetectorContract {
  if (typeof config !== 'string') return validateDetectorContract(config, 'options.detector.config');
  let text: string;
  try {
    text = readFileSync(config, 'utf8');
  } catch (err) {
    throw new LandmarkerError('ERR_FILE_NOT_FOUND', `Detector contract not found: ${config} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new LandmarkerError('ERR_CONTRACT_INVALID', `Detector contract ${config} is not valid JSON: ${(err as Error).message}`);
  }
  return validateDetectorContract(raw, config);
}
