/**
 * The landmarker's face detector. Its model is opened in create() (src/model/open.ts: the file read once, the
 * contract checked against the graph; info.detector comes from it); its runner starts when first needed: the
 * shipped default on the first detectFaces() / trackFaces() call, so that a landmarker used only with boxes never
 * starts the detector's ONNX Runtime thread; a detector the user names at once, so that a file ONNX Runtime cannot
 * load fails in create(). The facade owns in-flight work and calls close() once.
 */
import type { DetectorContract } from '../contract/detector';
import { openDetectorModel, type DetectorModel } from '../model/open';
import { FaceDetector, type DetectorRunner } from './face-detector';

/** Starts a detector backend for an opened model (ONNX Runtime: FaceDetector.open). */
export type OpenDetectorRunner = (model: DetectorModel, threads?: number) => Promise<DetectorRunner>;

export class DetectorSlot {
  private opening: Promise<DetectorRunner> | null = null;

  private constructor(
    private readonly opened: DetectorModel,
    private readonly threads: number | undefined,
    private readonly openRunner: OpenDetectorRunner,
  ) {}

  get model(): string {
    return this.opened.path;
  }

  get contract(): DetectorContract {
    return this.opened.contract;
  }

  static async create(model: string, config: string | object, eager: boolean, threads?: number, openRunner: OpenDetectorRunner = FaceDetector.open): Promise<DetectorSlot> {
    const slot = new DetectorSlot(openDetectorModel(model, config), threads, openRunner);
    if (eager) await slot.get();
    return slot;
  }

  /** The running detector (started on the first call; a failed start is retried on the next). */
  get(): Promise<DetectorRunner> {
    if (!this.opening) {
      this.opening = this.openRunner(this.opened, this.threads);
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
