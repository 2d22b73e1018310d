/**
 * Several faces across frames, with stable ids. The face detector acquires faces on the first frame, re-acquires
 * when a track is lost, and checks every `detectEvery` frames; between detections each face is followed by cropping
 * around its previous landmarks (as the single-face tracker does, src/capture/tracker.ts).
 *
 * A detection frame also verifies the tracks: a track that no detected face overlaps is dropped. So a landmark
 * model's points on something that is not a face (a test pattern) never become a tracked face: the detector finds
 * no face there and nothing is tracked.
 * Association: greedy by IoU between the detector's box and the track's detector-style box (its last detection
 * box moved with the landmarks), highest first, at least `minIou`; unmatched detections start new tracks with
 * fresh ids (ids are never reused).
 */
import type { Box, Face, LandmarkResult, RawFrame } from '../types';
import { expandBox, landmarkBox, lossReason, type LossReason, type ResolvedTracking } from './tracker';

/** What the face tracker needs from a landmarker (TrtLandmarker satisfies it). */
export interface FaceFinder {
  detectFaces(frame: RawFrame, options?: { maxFaces?: number; minScore?: number }): Promise<Face[]>;
  detect(frame: RawFrame, options: { box: Box }): Promise<LandmarkResult>;
}

export interface FaceTrackingOptions {
  /** Run the detector every N processed frames (and whenever there is no track or a track was lost). Default 10. */
  detectEvery: number;
  maxFaces: number;
  /** Detection score threshold; default: the detector contract's. */
  minScore?: number;
  /** Smallest IoU between a detection and a track for them to be the same face. Default 0.3. */
  minIou: number;
}

export const DEFAULT_FACE_TRACKING: Readonly<FaceTrackingOptions> = Object.freeze({ detectEvery: 10, maxFaces: 10, minIou: 0.3 });

export interface TrackedFace {
  /** Stable while the face is tracked; a face found again after a loss gets a new id. */
  id: number;
  /** The detector's box from the last detection frame, moved with the landmarks since (image pixels). */
  box: Box;
  /** Detection score of the last detection frame. */
  score: number;
  /** The landmark model's result for this face in this frame. */
  result: LandmarkResult | Face;
  points: Float32Array;
  /** Found by the detector in this frame (true) or followed from the previous frame's landmarks (false). */
  detected: boolean;
}

interface Track {
  id: number;
  box: Box;
  score: number;
  /** Landmark box of the last accepted result and the crop box for the next frame. */
  landmarks: Box;
  next: Box;
}

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

export class MultiFaceTracker {
  private tracks: Track[] = [];
  private nextId = 1;
  private sinceDetection = 0;
  /** Ids of the tracks lost in the last update (their One-Euro filters can go). */
  lostIds: number[] = [];

  constructor(
    private readonly finder: FaceFinder,
    private readonly faces: FaceTrackingOptions,
    private readonly tracking: ResolvedTracking,
  ) {}

  /** Faces in this frame. Runs the detector when due, else follows each track. */
  async update(frame: RawFrame): Promise<{ faces: TrackedFace[]; detected: boolean }> {
    this.lostIds = [];
    const due = this.tracks.length === 0 || this.sinceDetection >= this.faces.detectEvery - 1;
    if (!due) {
      const out: TrackedFace[] = [];
      let lost = false;
      for (const t of this.tracks) {
        const r = await this.finder.detect(frame, { box: t.next });
        const lb = landmarkBox(r.points);
        const why: LossReason | null = lossReason(lb, t.landmarks, r.scores, frame, this.tracking);
        if (why) {
          lost = true;
          this.lostIds.push(t.id);
          continue;
        }
        // Move the detector-style box with the landmarks so that the next association compares like with like.
        const dx = lb[0] + lb[2] / 2 - (t.landmarks[0] + t.landmarks[2] / 2);
        const dy = lb[1] + lb[3] / 2 - (t.landmarks[1] + t.landmarks[3] / 2);
        const s = Math.max(lb[2], lb[3]) / Math.max(t.landmarks[2], t.landmarks[3]);
        const [bx, by, bw, bh] = t.box;
        const cx = bx + bw / 2 + dx;
        const cy = by + bh / 2 + dy;
        t.box = [cx - (bw * s) / 2, cy - (bh * s) / 2, bw * s, bh * s];
        t.landmarks = lb;
        t.next = expandBox(lb, this.tracking.expand);
        out.push({ id: t.id, box: [...t.box], score: t.score, result: r, points: r.points, detected: false });
      }
      this.tracks = this.tracks.filter((t) => !this.lostIds.includes(t.id));
      this.sinceDetection++;
      // A loss is re-acquired in the same frame: the detector looks again at once.
      if (!lost) return { faces: out, detected: false };
    }
    return { faces: await this.detectAndAssociate(frame), detected: true };
  }

  private async detectAndAssociate(frame: RawFrame): Promise<TrackedFace[]> {
    this.sinceDetection = 0;
    const found = await this.finder.detectFaces(frame, { maxFaces: this.faces.maxFaces, ...(this.faces.minScore !== undefined ? { minScore: this.faces.minScore } : {}) });
    const pairs: Array<[number, number, number]> = [];
    found.forEach((f, i) => this.tracks.forEach((t, k) => {
      const v = iou(f.box, t.box);
      if (v >= this.faces.minIou) pairs.push([v, i, k]);
    }));
    pairs.sort((a, b) => b[0] - a[0]);
    const faceTrack = new Map<number, Track>();
    const usedTracks = new Set<number>();
    for (const [, i, k] of pairs) {
      if (faceTrack.has(i) || usedTracks.has(k)) continue;
      faceTrack.set(i, this.tracks[k]);
      usedTracks.add(k);
    }
    this.lostIds.push(...this.tracks.filter((_, k) => !usedTracks.has(k)).map((t) => t.id));
    const tracks: Track[] = [];
    const out = found.map((f, i) => {
      const lb = landmarkBox(f.points);
      const t: Track = { id: faceTrack.get(i)?.id ?? this.nextId++, box: [...f.box], score: f.score, landmarks: lb, next: expandBox(lb, this.tracking.expand) };
      tracks.push(t);
      return { id: t.id, box: [...f.box] as Box, score: f.score, result: f, points: f.points, detected: true };
    });
    this.tracks = tracks;
    return out.sort((a, b) => a.id - b.id);
  }
}
