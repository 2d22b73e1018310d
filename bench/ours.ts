/**
 * trt-landmarker itself, through the public API a user calls: detect() for one image, detectBatch() for more.
 * The stage split is the facade's own result.timings. In a batch the images decode concurrently, so the batch's
 * decode stage is the longest image decode (the wall time the decodes take together, to within scheduling).
 * Inference is timings.inferenceCore where the backend reports it (ONNX Runtime: session.run alone, in the
 * pipeline's worker thread), so the hop to and from that thread counts as overhead ('other'), not as model time.
 */
import { TrtLandmarker } from '../src/landmarker';
import type { Precision } from '../src/types';
import type { StageSample, Subject } from './subject';

export interface OursSubject extends Subject {
  readonly landmarker: TrtLandmarker;
  lastPoints?: Float32Array;
}

export async function createOurs(opts: {
  model: string;
  config?: string;
  backend: 'onnxruntime' | 'tensorrt';
  precision: Precision;
  maxBatch: number;
  threads?: number;
}): Promise<OursSubject> {
  const t0 = performance.now();
  let lastPhase = '';
  const landmarker = await TrtLandmarker.create({
    model: opts.model,
    ...(opts.config ? { config: opts.config } : {}),
    backend: opts.backend,
    precision: opts.precision,
    maxBatch: opts.maxBatch,
    ...(opts.threads ? { threads: opts.threads } : {}),
    onProgress: (p) => (lastPhase = p.phase),
  });
  const setupMs = performance.now() - t0;
  const info = landmarker.info;
  const subject: OursSubject = {
    kind: 'ours',
    label: `trt-landmarker ${info.backend} ${info.precision}`,
    backend: info.backend,
    precision: info.precision,
    setupMs,
    details: {
      note: opts.backend === 'tensorrt' ? `engine ${lastPhase ? `(last phase: ${lastPhase})` : ''}`.trim() : 'session creation',
      reason: info.reason,
      versions: info.versions,
      threads: opts.threads ?? 'ONNX Runtime default',
    },
    landmarker,
    async run(images: Buffer[]): Promise<StageSample> {
      if (images.length === 1) {
        const r = await landmarker.detect(images[0]);
        subject.lastPoints = r.points;
        const t = r.timings;
        return { decode: t.decode, preprocess: t.preprocess, inference: t.inferenceCore ?? t.inference, postprocess: t.postprocess };
      }
      const rs = await landmarker.detectBatch(images);
      subject.lastPoints = rs[0].points;
      const t = rs[0].timings; // preprocess/inference/postprocess are the whole batch's
      return {
        decode: Math.max(...rs.map((r) => r.timings.decode)),
        preprocess: t.preprocess,
        inference: t.inferenceCore ?? t.inference,
        postprocess: t.postprocess,
      };
    },
    dispose: () => landmarker.dispose(),
  };
  return subject;
}
