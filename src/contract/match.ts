/**
 * Checks a validated contract against the model's actual inputs and outputs (names, element types, shapes).
 * Backend-neutral: ONNX Runtime passes its session's input/output metadata; TensorRT can pass its engine's.
 * Every message names the contract field and both values (contract vs model).
 */
import { LandmarkerError } from '../errors';
import type { ModelContract } from './types';

export interface TensorInfo {
  name: string;
  /** Dimensions: numbers, or strings for symbolic (dynamic) ones. Empty when unknown. */
  shape: ReadonlyArray<number | string>;
  /** Element type, e.g. 'float32' (ONNX Runtime's names). Unchecked when absent. */
  type?: string;
}

export interface ModelIo {
  /** The batch size fixed in the model's input shape, if it is fixed (peppa-slim160: 1). */
  fixedBatch?: number;
  /** Values per image of the regression output when the shape says (rowStride >= 2 * landmarks). */
  regressionRowStride?: number;
}

function mismatch(field: string, message: string): never {
  throw new LandmarkerError('ERR_CONTRACT_MISMATCH', `${field}: ${message}`);
}

const fmt = (shape: ReadonlyArray<number | string>) => `[${shape.join(', ')}]`;

function find(list: readonly TensorInfo[], name: string, field: string, kind: string, model: string): TensorInfo {
  const t = list.find((x) => x.name === name);
  if (!t) {
    mismatch(field, `contract says "${name}" but ${model} has no ${kind} of that name (its ${kind}s: ${list.map((x) => `"${x.name}"`).join(', ') || 'none'})`);
  }
  if (t.type !== undefined && t.type !== 'float32') {
    mismatch(field, `${kind} "${name}" of ${model} has element type ${t.type} but the pipeline uses float32`);
  }
  return t;
}

/** Checks dim i of a known shape against `want`; symbolic dims pass. */
function dim(t: TensorInfo, i: number, want: number, field: string, what: string, model: string): void {
  const d = t.shape[i];
  if (typeof d === 'number' && d !== want) {
    mismatch(field, `contract says ${want} ${what} but "${t.name}" of ${model} has ${d} (shape ${fmt(t.shape)})`);
  }
}

function rank(t: TensorInfo, want: number, field: string, layout: string, model: string): boolean {
  if (t.shape.length === 0) return false; // unknown shape: checked at run time by the backend
  if (t.shape.length !== want) {
    mismatch(field, `expected "${t.name}" of ${model} to be ${layout} but its shape is ${fmt(t.shape)}`);
  }
  return true;
}

export function checkContractAgainstModel(
  contract: ModelContract,
  model: string,
  inputs: readonly TensorInfo[],
  outputs: readonly TensorInfo[],
): ModelIo {
  const io: ModelIo = {};
  const inp = find(inputs, contract.input.name, 'contract.input.name', 'input', model);
  const others = inputs.filter((x) => x.name !== inp.name);
  if (others.length > 0) {
    mismatch(
      'contract.input.name',
      `${model} has further inputs the pipeline would leave unfed: ${others.map((x) => `"${x.name}"`).join(', ')}`,
    );
  }
  if (rank(inp, 4, 'contract.input', '[N, 3, height, width]', model)) {
    dim(inp, 1, 3, 'contract.input', 'channels', model);
    dim(inp, 2, contract.input.height, 'contract.input.height', 'rows', model);
    dim(inp, 3, contract.input.width, 'contract.input.width', 'columns', model);
    const n = inp.shape[0];
    if (n === 0) mismatch('contract.input', `${model} has a fixed batch of 0 in its input "${inp.name}"; it cannot run any image`);
    // Negative: a dynamic dimension as some runtimes report it (-1).
    if (typeof n === 'number' && n > 0) io.fixedBatch = n;
  }
  const L = contract.landmarks;
  if (contract.regression) {
    const out = find(outputs, contract.regression.output, 'contract.regression.output', 'output', model);
    if (out.shape.length === 1) {
      mismatch('contract.regression.output', `expected "${out.name}" of ${model} to be [N, values...] but its shape is ${fmt(out.shape)}`);
    }
    const rest = out.shape.slice(1);
    if (rest.length > 0 && rest.every((d): d is number => typeof d === 'number')) {
      const perImage = rest.reduce((a, b) => a * b, 1);
      if (perImage < 2 * L) {
        mismatch(
          'contract.landmarks',
          `contract says ${L} landmarks (${2 * L} values) but "${out.name}" of ${model} has ${perImage} values per image (shape ${fmt(out.shape)})`,
        );
      }
      io.regressionRowStride = perImage;
    }
  }
  if (contract.pipnet) {
    const p = contract.pipnet;
    const gw = contract.input.width / p.stride;
    const gh = contract.input.height / p.stride;
    const heads: Array<[keyof typeof p.outputs, number, string]> = [
      ['cls', L, 'contract.landmarks'],
      ['x', L, 'contract.landmarks'],
      ['y', L, 'contract.landmarks'],
      ['nbX', L * p.neighbors, 'contract.pipnet.neighbors'],
      ['nbY', L * p.neighbors, 'contract.pipnet.neighbors'],
    ];
    for (const [key, channels, field] of heads) {
      const t = find(outputs, p.outputs[key], `contract.pipnet.outputs.${key}`, 'output', model);
      if (!rank(t, 4, `contract.pipnet.outputs.${key}`, '[N, C, h, w]', model)) continue;
      dim(t, 1, channels, field, key.startsWith('nb') ? `channels (landmarks x neighbors)` : 'channels (landmarks)', model);
      dim(t, 2, gh, 'contract.pipnet.stride', `score-map rows (input height ${contract.input.height} / stride ${p.stride})`, model);
      dim(t, 3, gw, 'contract.pipnet.stride', `score-map columns (input width ${contract.input.width} / stride ${p.stride})`, model);
    }
  }
  return io;
}

/**
 * Finds tensor `name` and checks its rank (the number of entries of `layout`, e.g. "[N, priors, 4]") and its fixed
 * dimensions: each check is [dimension index, wanted size, what it counts, contract field to blame].
 */
export function checkTensor(
  list: readonly TensorInfo[],
  name: string,
  field: string,
  kind: string,
  model: string,
  dims: ReadonlyArray<[number, number, string, string]>,
  layout: string,
): TensorInfo {
  const t = find(list, name, field, kind, model);
  if (rank(t, layout.split(',').length, field, layout, model)) {
    for (const [i, want, what, f] of dims) dim(t, i, want, f, what, model);
  }
  return t;
}
