/**
 * The landmarker's face detector, opened when first needed: the shipped default opens on the first detectFaces() /
 * trackFaces() call, so that a landmarker used only with boxes never starts the detector's ONNX Runtime thread; a
 * detector the user names opens in create(), so that a broken file fails there. The contract is read and validated
 * at once either way (info.detector comes from it).
 */
import type { DetectorContract } from '../contract/detector';
import { FaceDetector, readDetectorContract } from './face-detector';

export class DetectorSlot {
  private opening: Promise<FaceDetector> | null = null;
  private closed = false;

  private constructor(
    readonly model: string,
    readonly contract: DetectorContract,
    private readonly threads: number | undefined,
  ) {}

  static async create(model: string, config: string | object, eager: boolean, threads?: number): Promise<DetectorSlot> {
    const slot = new DetectorSlot(model, readDetectorContract(config as string | DetectorContract), threads);
    if (eager) await slot.get();
    return slot;
  }

  /** The open detector (opened on the first call; a failed open is retried on the next). */
  get(): Promise<FaceDetector> {
    if (!this.opening) {
      this.opening = FaceDetector.open(this.model, this.contract, this.threads);
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
