/** What every benchmarked pipeline (ours, the hand-written Node baseline, PyTorch) reports per call. */

export const STAGES = ['decode', 'preprocess', 'inference', 'postprocess'] as const;
export type Stage = (typeof STAGES)[number];

/** Milliseconds spent in each stage for one call on a whole batch. */
export type StageSample = Record<Stage, number>;

export interface Subject {
  /** 'ours' | 'handwritten' (baseline a) | 'pytorch' (baseline b). */
  readonly kind: SubjectKind;
  /** Row label, e.g. "trt-landmarker onnxruntime fp32". */
  readonly label: string;
  readonly backend: string;
  readonly precision: string;
  /** Milliseconds to get ready (session creation; TensorRT: engine build or cache load). */
  readonly setupMs: number;
  /** Extra facts for the report (e.g. session options, engine cache hit). */
  readonly details: Record<string, unknown>;
  /** Runs the full pipeline on encoded images (one batch) and returns the per-stage split. */
  run(images: Buffer[]): Promise<StageSample>;
  dispose(): Promise<void>;
}

export type SubjectKind = 'ours' | 'handwritten' | 'pytorch';
