/**
 * Assembles fixed-size raw frames from the chunks ffmpeg writes to its stdout.
 *
 * Pipe reads arrive in arbitrary pieces (64 KiB on Linux), so a frame may be split over many chunks and a chunk
 * may hold the end of one frame, whole frames and the start of the next. Each frame costs at most one copy:
 * a frame lying wholly inside one chunk is returned as a view of it (zero copy; Node never reuses a read
 * chunk's memory), and a frame spanning chunks is copied once, piece by piece, into its own buffer.
 */
import { outOfRange } from '../errors';

export class FrameParser {
  readonly frameSize: number;
  /** The frame being assembled from several chunks, or null between frames. */
  private partial: Buffer | null = null;
  private filled = 0;
  private total = 0;

  constructor(frameSize: number) {
    if (!Number.isSafeInteger(frameSize) || frameSize <= 0) {
      throw outOfRange('frameSize', 'positive integer', frameSize);
    }
    this.frameSize = frameSize;
  }

  /** Every frame completed by this chunk, in order (possibly none). */
  push(chunk: Uint8Array): Buffer[] {
    const frames: Buffer[] = [];
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.total += buf.length;
    let offset = 0;
    if (this.partial) {
      const n = Math.min(this.frameSize - this.filled, buf.length);
      buf.copy(this.partial, this.filled, 0, n);
      this.filled += n;
      offset = n;
      if (this.filled === this.frameSize) {
        frames.push(this.partial);
        this.partial = null;
        this.filled = 0;
      }
    }
    while (buf.length - offset >= this.frameSize) {
      frames.push(buf.subarray(offset, offset + this.frameSize));
      offset += this.frameSize;
    }
    if (offset < buf.length) {
      // allocUnsafe: every byte is overwritten before the frame is handed out.
      this.partial = Buffer.allocUnsafe(this.frameSize);
      buf.copy(this.partial, 0, offset);
      this.filled = buf.length - offset;
    }
    return frames;
  }

  /** Bytes of an unfinished frame held now (non-zero at end of stream means a truncated frame). */
  get pendingBytes(): number {
    return this.filled;
  }

  /** Bytes pushed so far. */
  get bytesSeen(): number {
    return this.total;
  }
}
