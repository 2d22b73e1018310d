import { LandmarkerError } from '../errors';

/**
 * Tracks the work in flight of an owner whose dispose() must wait for it. Once closed, new work rejects with
 * ERR_DISPOSED; close() is idempotent (every call returns the same promise) and releases only after the work
 * in flight has settled.
 */
export class DisposeGate {
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing: Promise<void> | null = null;

  /** disposedMessage: the ERR_DISPOSED message for work started after close(). */
  constructor(private readonly disposedMessage: string) {}

  get closed(): boolean {
    return this.closing !== null;
  }

  /** Throws ERR_DISPOSED once closed. */
  assertOpen(): void {
    if (this.closing) throw new LandmarkerError('ERR_DISPOSED', this.disposedMessage);
  }

  /** Runs fn as tracked work (close() waits for it); rejects at once when closed. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new LandmarkerError('ERR_DISPOSED', this.disposedMessage));
    const p = fn();
    this.inFlight.add(p);
    const done = () => this.inFlight.delete(p);
    p.then(done, done);
    return p;
  }

  close(release: () => Promise<void>): Promise<void> {
    if (!this.closing) {
      this.closing = (async () => {
        await Promise.allSettled([...this.inFlight]);
        await release();
      })();
    }
    return this.closing;
  }
}
