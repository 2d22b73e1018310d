/** The JSON written to results/ (schema "trt-landmarker-bench/1"): everything the tables are printed from. */
import type { MachineInfo } from './machine';
import type { Measurement } from './runner';
import type { SubjectKind } from './subject';

export const SCHEMA = 'trt-landmarker-bench/1';

export interface Row {
  /** Architecture name (resnet50, mobilenetv3, pipnet) or the file name of a user model. */
  model: string;
  subject: SubjectKind;
  label: string;
  backend: string;
  precision: string;
  batch: number;
  measurement: Measurement;
}

export interface SetupRow {
  model: string;
  subject: SubjectKind;
  backend: string;
  precision: string;
  /** ms: session creation, or TensorRT engine build / cache load. */
  setupMs: number;
  details: Record<string, unknown>;
}

export interface Comparison {
  model: string;
  batch: number;
  backend: string;
  precision: string;
  baseline: 'handwritten' | 'pytorch';
  oursP50Ms: number;
  baselineP50Ms: number;
  /** baseline p50 / ours p50: > 1 means trt-landmarker is faster. */
  speedup: number;
}

export type TargetStatus = 'PASS' | 'MISS' | 'SKIP';

export interface TargetCheck {
  id: 'cpu-speedup' | 'cpu-outside-share' | 'gpu-outside-per-image';
  model: string;
  batch: number;
  backend: string;
  precision: string;
  description: string;
  /** NaN when skipped. */
  measured: number;
  threshold: number;
  comparator: '>=' | '<=';
  unit: string;
  status: TargetStatus;
  note?: string;
}

/** Points of a baseline vs trt-landmarker (ONNX Runtime) on an image at the model's input size (no resampling). */
export interface Agreement {
  model: string;
  pipeline: 'handwritten' | 'pytorch';
  /** Largest |dx| or |dy|, image pixels. */
  maxAbsPx: number;
  meanPx: number;
}

export interface ModelEntry {
  name: string;
  path: string;
  architecture: string;
  landmarks: number;
  input: string;
  contractSource: string;
}

export interface BenchResult {
  schema: typeof SCHEMA;
  createdAt: string;
  durationS: number;
  argv: string[];
  machine: MachineInfo;
  settings: { iterations: number; timeMs: number; warmup: number; rounds: number; batches: number[]; threads: number | null; torchThreads: number };
  image: { source: string; width: number; height: number; bytes: number };
  models: ModelEntry[];
  setup: SetupRow[];
  rows: Row[];
  comparisons: Comparison[];
  targets: TargetCheck[];
  agreement: Agreement[];
  /** Skipped backends/baselines and why, weight checks, anything a reader must know. */
  notes: string[];
}
