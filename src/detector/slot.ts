/**
 * The landmarker's face detector. Its model is opened in create() (src/model/open.ts: the file read once, the
 * contract checked against the graph; info.detector comes from it); its runner starts when first needed: the
 * shipped default on the first detectFaces() / trackFaces() call, so that a landmarker used only with boxes never
 * starts the detector's ONNX Runtime thread or builds its TensorRT engine; a detector the user names at once, so
 * that a file the backend cannot load fails in create(). The facade owns in-flight work and calls close() once.
 *
 * The runner is the landmarker's backend's, known once the backend is selected: ONNX Runtime (face-detector.ts) or
 * TensorRT on the probed GPU (tensorrt-detector.ts), two DetectorRunners.
 */
import type { DetectorContract } from '../contract/detector';
import { openDetectorModel, type DetectorModel } from '../model/open';
import type { TensorRtGpu } from '../tensorrt/engine';
import type { BuildProgress } from '../types';
import { FaceDetector, type DetectorRunner } from './face-detector';
import { TensorRtDetector } from './tensorrt-detector';

/** Where the detector runs: the landmarker's selected backend, and what that backend needs. */
export type DetectorBackend =
  | { backend: 'onnxruntime'; threads?: number }
  | { backend: 'tensorrt'; gpu: TensorRtGpu; cacheDir: string; onProgress?: (p: BuildProgress) => void };

export function openDetectorRunner(model: DetectorModel, b: DetectorBackend): Promise<DetectorRunner> {
  if (b.backend === 'tensorrt') return TensorRtDetector.open(model, { gpu: b.gpu, cacheDir: b.cacheDir, onProgress: b.onProgress });
  return FaceDetector.open(model, b.threads);
}

export class DetectorSlot {
  private opening: Promise<DetectorRunner> | null = null;

  private constructor(
    private readonly opened: DetectorModel,
    private readonly backend: Promise<DetectorBackend>,
  ) {
    // A failed backend selection fails create() itself; an unopened slot must not report it again.
    backend.catch(() => undefined);
  }

  get model(): string {
    return this.opened.path;
  }

  get contract(): DetectorContract {
    return this.opened.contract;
  }

  /** `backend` settles when the landmarker's backend is selected (a rejection fails an eager open with it). */
  static async create(model: string, config: string | object, eager: boolean, backend: Promise<DetectorBackend>): Promise<DetectorSlot> {
    const slot = new DetectorSlot(openDetectorModel(model, config), backend);
    if (eager) await slot.get();
    return slot;
  }

  /** The running detector (started on the first call; a failed start is retried on the next). */
  get(): Promise<DetectorRunner> {
    if (!this.opening) {
      this.opening = this.backend.then((b) => openDetectorRunner(this.opened, b));
      this.opening.catch(() => (this.opening = null));
    }
    return this.opening;
  }

  /** Closes the runner if it was started. */
  async close(): Promise<void> {
    const d = await this.opening?.catch(() => null);
    await d?.close();
  }
}
