/**
 * The landmarker's face detector, opened when first needed: the shipped default opens on the first detectFaces() /
 * trackFaces() call, so that a landmarker used only with boxes never starts the detector's ONNX Runtime thread or
 * builds its TensorRT engine; a detector the user names opens in create(), so that a broken file fails there. The
 * contract is read and validated at once either way (info.detector comes from it).
 *
 * The detector runs on the landmarker's backend, known once the backend is selected: ONNX Runtime
 * (face-detector.ts) or TensorRT (tensorrt-detector.ts), two runners with one interface.
 */
import type { DetectorContract } from '../contract/detector';
import type { NativeFrame } from '../native/addon';
import type { BuildProgress } from '../types';
import { FaceDetector, readDetectorContract, type DetectedBox, type DetectorRunOptions, type DetectorTimings } from './face-detector';
import { TensorRtDetector } from './tensorrt-detector';

/** What both detector runners offer. */
export interface DetectorRunner {
  readonly contract: DetectorContract;
  readonly modelPath: string;
  detect(frame: NativeFrame, o: DetectorRunOptions): Promise<{ faces: DetectedBox[]; timings: DetectorTimings }>;
  dispose(): Promise<void>;
}

/** Where the detector runs: the landmarker's selected backend, and what that backend needs. */
export interface DetectorBackend {
  backend: 'onnxruntime' | 'tensorrt';
  threads?: number;
  /** TensorRT: the engine cache and the build progress callback (the landmarker's). */
  cacheDir: string;
  onProgress?: (p: BuildProgress) => void;
}

export function openDetector(model: string, contract: DetectorContract, b: DetectorBackend): Promise<DetectorRunner> {
  if (b.backend === 'tensorrt') return TensorRtDetector.open(model, contract, { cacheDir: b.cacheDir, onProgress: b.onProgress });
  return FaceDetector.open(model, contract, b.threads);
}

export class DetectorSlot {
  private opening: Promise<DetectorRunner> | null = null;
  private closed = false;

  private constructor(
    readonly model: string,
    readonly contract: DetectorContract,
    private readonly backend: Promise<DetectorBackend>,
  ) {
    // A failed backend selection fails create() itself; an unopened slot must not report it again.
    backend.catch(() => undefined);
  }

  /** `backend` settles when the landmarker's backend is selected (a rejection fails an eager open with it). */
  static async create(model: string, config: string | object, eager: boolean, backend: Promise<DetectorBackend>): Promise<DetectorSlot> {
    const slot = new DetectorSlot(model, readDetectorContract(config as string | DetectorContract), backend);
    if (eager) await slot.get();
    return slot;
  }

  /** The open detector (opened on the first call; a failed open is retried on the next). */
  get(): Promise<DetectorRunner> {
    if (!this.opening) {
      this.opening = this.backend.then((b) => openDetector(this.model, this.contract, b));
      this.opening.catch(() => (this.opening = null));
    }
    return this.opening;
  }

  /** Idempotent; closes the detector if it was opened. */
  async dispose(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const d = await this.opening?.catch(() => null);
    await d?.dispose();
  }
}
