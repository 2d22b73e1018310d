/**
 * MultiFaceTracker with a fake landmarker: acquisition on the first frame, stable ids while tracking, a detection
 * every N frames that verifies the tracks, re-acquisition in the same frame after a loss, and nothing tracked where
 * the detector finds no face even though the landmark model returns points.
 */
import { MultiFaceTracker, type FaceFinder } from '../../src/capture/face-tracker';
import { DEFAULT_TRACKING } from '../../src/capture/tracker';
import type { Box, Face, LandmarkResult, RawFrame } from '../../src/types';

const frame: RawFrame = { data: new Uint8Array(640 * 480 * 3), width: 640, height: 480, format: 'rgb' };

/** 68 points spread over the box [x, y, w, h] (their bounding box is the box). */
function pointsIn([x, y, w, h]: Box): Float32Array {
  const p = new Float32Array(136);
  for (let i = 0; i < 68; i++) {
    p[2 * i] = x + (w * (i % 8)) / 7;
    p[2 * i + 1] = y + (h * Math.floor(i / 8)) / 8;
  }
  return p;
}

/** A world of faces (detector boxes) per frame; the fake landmark model returns points in the box it is given. */
class World implements FaceFinder {
  faces: Box[] = [];
  detections = 0;
  crops = 0;
  /** Landmark boxes returned for a crop, overriding "the crop shrunk to the face" (to simulate a jump). */
  override: Box | null = null;
  async detectFaces(): Promise<Face[]> {
    this.detections++;
    return this.faces.map((box, i) => ({ box, score: 0.9 - i * 0.01, points: pointsIn(box), landmarks: 68, crop: { x: box[0], y: box[1], w: box[2], h: box[3] } }));
  }
  async detect(_f: RawFrame, { box }: { box: Box }): Promise<LandmarkResult> {
    this.crops++;
    const points = pointsIn(this.override ?? box);
    return { points, landmarks: 68, width: 640, height: 480, crop: { x: box[0], y: box[1], w: box[2], h: box[3] }, timings: { decode: 0, preprocess: 0, inference: 0, postprocess: 0, total: 0 } };
  }
}

const tracker = (w: World, detectEvery = 3) => new MultiFaceTracker(w, { detectEvery, maxFaces: 10, minIou: 0.3 }, { ...DEFAULT_TRACKING });

describe('MultiFaceTracker', () => {
  test('acquires on the first frame, follows between detections, keeps ids through detection frames', async () => {
    const w = new World();
    w.faces = [[100, 100, 80, 100], [400, 120, 60, 80]];
    const t = tracker(w, 3);
    const f1 = await t.update(frame);
    expect(f1.detected).toBe(true);
    expect(f1.faces.map((f) => f.id)).toEqual([1, 2]);
    const f2 = await t.update(frame);
    expect(f2.detected).toBe(false);
    expect(f2.faces.map((f) => [f.id, f.detected])).toEqual([[1, false], [2, false]]);
    await t.update(frame);
    expect(w.detections).toBe(1);
    expect((await t.update(frame)).detected).toBe(true); // fourth frame: detection due (frames 1, 4, 7, ...)
    expect(w.detections).toBe(2);
    // The faces move a little: the same ids.
    w.faces = [[104, 103, 80, 100], [396, 118, 60, 80]];
    for (let i = 0; i < 3; i++) await t.update(frame);
    const last = await t.update(frame);
    expect(last.faces.map((f) => f.id).sort()).toEqual([1, 2]);
  });

  test('a new face gets a new id; a face gone at a detection frame is dropped; ids are never reused', async () => {
    const w = new World();
    w.faces = [[100, 100, 80, 100]];
    const t = tracker(w, 2);
    await t.update(frame);
    w.faces = [[100, 100, 80, 100], [400, 120, 60, 80]];
    await t.update(frame);
    const r = await t.update(frame); // detection frame
    expect(r.detected).toBe(true);
    expect(r.faces.map((f) => f.id)).toEqual([1, 2]);
    w.faces = [[400, 120, 60, 80]];
    await t.update(frame);
    const r2 = await t.update(frame);
    expect(r2.faces.map((f) => f.id)).toEqual([2]);
    expect(t.lostIds).toEqual([1]);
    w.faces = [[400, 120, 60, 80], [100, 100, 80, 100]];
    await t.update(frame);
    expect((await t.update(frame)).faces.map((f) => f.id)).toEqual([2, 3]);
  });

  test('a lost track (landmarks jump) re-runs the detector in the same frame', async () => {
    const w = new World();
    w.faces = [[100, 100, 80, 100]];
    const t = tracker(w, 100);
    await t.update(frame);
    w.override = [300, 300, 80, 100]; // the landmark model's points leave the face: a jump
    const r = await t.update(frame);
    expect(r.detected).toBe(true);
    expect(w.detections).toBe(2);
    expect(r.faces.map((f) => f.id)).toEqual([2]);
  });

  test('no face found: nothing is tracked, whatever the landmark model would say', async () => {
    const w = new World();
    const t = tracker(w, 5);
    for (let i = 0; i < 6; i++) expect((await t.update(frame)).faces).toEqual([]);
    expect(w.crops).toBe(0);
    expect(w.detections).toBe(6); // no track: the detector looks on every frame
  });
});
