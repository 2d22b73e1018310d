/**
 * One model, opened once: the ONNX file is read once (its top level: metadata, inputs, outputs, initializer types;
 * src/model/onnx-proto.ts), its contract resolved (src/contract/load.ts for landmark models, a detector contract
 * for the face detector) and checked against the graph once, and its FP16 sibling graph is known (opened, and
 * checked, only when the precision policy picks it). Backends receive the opened model, never a path plus a contract.
 */
import { existsSync, statSync } from 'node:fs';
import { checkDetectorAgainstModel, readDetectorContract, type DetectorContract } from '../contract/detector';
import { resolveContract, type ContractSource } from '../contract/load';
import { checkContractAgainstModel, type ModelIo, type TensorInfo } from '../contract/match';
import type { ModelContract } from '../contract/types';
import { LandmarkerError } from '../errors';
import type { Precision } from '../types';
import { readOnnxSummary, weightPrecision, type OnnxSummary } from './onnx-proto';
import { chooseGraph, fp16SiblingPath, type GraphChoice, type GraphRunner } from './precision';

/** One ONNX graph as read from its file, with what the contract check learnt about it. */
export interface OnnxGraph {
  path: string;
  summary: OnnxSummary;
  weights: Precision;
  /** From the contract check: the batch fixed in the input's shape (peppa-slim160: 1), if any. */
  io: ModelIo;
}

type Check<C> = (contract: C, path: string, inputs: readonly TensorInfo[], outputs: readonly TensorInfo[]) => ModelIo;

/** Checks the model file exists and is a file; ERR_MODEL_LOAD otherwise. */
function assertModelFile(modelPath: string): void {
  let isFile = false;
  try {
    isFile = statSync(modelPath).isFile();
  } catch {
    throw new LandmarkerError('ERR_MODEL_LOAD', `Model file not found: ${modelPath}`);
  }
  if (!isFile) throw new LandmarkerError('ERR_MODEL_LOAD', `Model path is not a file: ${modelPath}`);
}

function readGraph(path: string): Omit<OnnxGraph, 'io'> {
  assertModelFile(path);
  const summary = readOnnxSummary(path);
  return { path, summary, weights: weightPrecision(summary) };
}

export class OpenedModel<C> {
  private sibling: OnnxGraph | null | undefined;

  constructor(
    /** The model as named by the caller. */
    readonly path: string,
    readonly contract: C,
    /** Where the contract came from, and its JSON file if it had one. */
    readonly contractSource: ContractSource,
    readonly contractPath: string | undefined,
    /** The graph at `path`, checked against the contract. */
    readonly graph: OnnxGraph,
    private readonly check: Check<C>,
  ) {}

  /** `m.fp16.onnx` beside `m.onnx`, read and checked against the contract on first use; null when there is none. */
  fp16Sibling(): OnnxGraph | null {
    if (this.sibling === undefined) {
      const p = fp16SiblingPath(this.path);
      this.sibling = p !== null && existsSync(p) ? checked(readGraph(p), this.contract, this.check) : null;
    }
    return this.sibling;
  }

  /** The graph to run for `want` on `runner` (src/model/precision.ts: one policy for both backends). */
  chooseGraph(want: Precision | 'as-given', runner: GraphRunner): GraphChoice<OnnxGraph> {
    return chooseGraph(this.graph, fp16SiblingPath(this.path), () => this.fp16Sibling(), want, runner);
  }
}

function checked<C>(g: Omit<OnnxGraph, 'io'>, contract: C, check: Check<C>): OnnxGraph {
  return { ...g, io: check(contract, g.path, g.summary.inputs, g.summary.outputs) };
}

export type LandmarkModel = OpenedModel<ModelContract>;
export type DetectorModel = OpenedModel<DetectorContract>;

/**
 * A landmark model and its contract: options.config (object, JSON path or bundled name) > sidecar > the ONNX
 * metadata (src/contract/load.ts). Throws ERR_MODEL_LOAD, ERR_CONTRACT_* or ERR_FILE_NOT_FOUND naming the file.
 */
export function openLandmarkModel(path: string, config?: ModelContract | string): LandmarkModel {
  const g = readGraph(path);
  const r = resolveContract(path, g.summary.metadata, config);
  return new OpenedModel(path, r.contract, r.source, r.sourcePath, checked(g, r.contract, checkContractAgainstModel), checkContractAgainstModel);
}

/** The detector runs one image at a time: a fixed batch other than 1 is refused. */
const checkDetector: Check<DetectorContract> = (c, path, inputs, outputs) => {
  const io = checkDetectorAgainstModel(c, path, inputs, outputs);
  if (io.fixedBatch !== undefined && io.fixedBatch !== 1) {
    throw new LandmarkerError('ERR_CONTRACT_MISMATCH', `contract.input: the detector ${path} has a fixed batch of ${io.fixedBatch}; it runs one image at a time (batch 1 or dynamic)`);
  }
  return io;
};

/** A face detector and its detector contract (an object or the path of its JSON file). */
export function openDetectorModel(path: string, config: string | object): DetectorModel {
  const contract = readDetectorContract(config);
  // 'option': the caller (the facade) always names the detector's contract, as an object or a JSON path.
  return new OpenedModel(path, contract, 'option', typeof config === 'string' ? config : undefined, checked(readGraph(path), contract, checkDetector), checkDetector);
}
