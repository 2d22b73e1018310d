/**
 * The three architectures (random weights, exported by models/export.py through ensureModel, contract embedded in
 * the ONNX metadata) run through the public API on ONNX Runtime: FP32 and FP16 files, result shapes, finite
 * values inside a sane range, batch = single, and the fp16-sibling selection.
 */
import { TrtLandmarker } from '../../src/landmarker';
import { ensureModel, type ExportArch, type ModelPaths } from '../../tools/onnx-export';
import { findPythonSync } from '../../tools/torch-python';
import type { Box, LandmarkResult, RawFrame } from '../../src/types';

let reason = '';
try {
  findPythonSync();
} catch (e) {
  reason = (e as Error).message.split('\n')[0];
}
if (reason) console.log(`test/e2e/architectures: skipped, ${reason}`);
const dd = reason ? describe.skip : describe;

/** The same cases as test/models/architectures.test.ts, so the exports are shared through the model cache. */
const cases: Array<{ arch: ExportArch; landmarks: 68 | 70; size: number; family: 'regression' | 'pipnet' }> = [
  { arch: 'resnet50', landmarks: 68, size: 224, family: 'regression' },
  { arch: 'mobilenetv3', landmarks: 70, size: 224, family: 'regression' },
  { arch: 'pipnet', landmarks: 68, size: 256, family: 'pipnet' },
];

/**
 * A 300x240 frame: smooth colour gradients and a bright ellipse (a stand-in face), all drawn relative to (ox, oy)
 * so that shifting the offset shifts the whole picture.
 */
function frame(seed: number, ox = 0, oy = 0): RawFrame {
  const width = 300;
  const height = 240;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [u, v] = [x - ox, y - oy];
      const inFace = ((u - 150) / 70) ** 2 + ((v - 120) / 90) ** 2 < 1;
      const i = 3 * (y * width + x);
      data[i] = inFace ? 220 : ((u + 100) * 255) / 500;
      data[i + 1] = inFace ? 180 - seed * 10 : ((v + 100) * 255) / 440;
      data[i + 2] = inFace ? 150 : ((u + v + 200 + seed * 40) * 255) / 940;
    }
  }
  return { data, width, height, format: 'rgb' };
}

function checkResult(r: LandmarkResult, landmarks: number, pipnet: boolean, box?: Box): void {
  expect(r.landmarks).toBe(landmarks);
  expect(r.points).toBeInstanceOf(Float32Array);
  expect(r.points.length).toBe(2 * landmarks);
  expect([r.width, r.height]).toEqual([300, 240]);
  // Random weights: the values themselves mean nothing (regression outputs are unbounded), but they are finite.
  for (const v of r.points) expect(Number.isFinite(v)).toBe(true);
  if (pipnet) {
    expect(r.scores).toBeInstanceOf(Float32Array);
    expect(r.scores!.length).toBe(landmarks);
    for (const s of r.scores!) expect(Number.isFinite(s)).toBe(true);
  } else {
    expect(r.scores).toBeUndefined();
  }
  if (box) expect(r.crop.w).toBeGreaterThan(box[2]);
}

dd.each(cases)('$arch ($landmarks points, $size px) on ONNX Runtime', ({ arch, landmarks, size, family }) => {
  let paths: ModelPaths;
  beforeAll(async () => {
    paths = await ensureModel({ arch, landmarks, inputSize: size });
  }, 600_000);

  test('FP32: info from the embedded contract, single and batched results agree', async () => {
    const lm = await TrtLandmarker.create({ model: paths.fp32, backend: 'onnxruntime', precision: 'fp32', maxBatch: 4 });
    try {
      expect(lm.info).toMatchObject({ backend: 'onnxruntime', precision: 'fp32', architecture: family, landmarks, inputWidth: size, inputHeight: size, maxBatch: 4, contractSource: 'metadata' });
      expect(lm.info.versions.onnxruntime).toMatch(/^\d+\.\d+/);
      const boxes: Array<Box | undefined> = [undefined, [90, 40, 120, 150], [-20, -10, 100, 120]];
      const singles: LandmarkResult[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await lm.detect(frame(i), { box: boxes[i] });
        checkResult(r, landmarks, family === 'pipnet', boxes[i]);
        singles.push(r);
      }
      const batch = await lm.detectBatch([frame(0), { input: frame(1), box: boxes[1] }, { input: frame(2), box: boxes[2] }]);
      expect(batch).toHaveLength(3);
      batch.forEach((r, i) => {
        checkResult(r, landmarks, family === 'pipnet', boxes[i]);
        expect(r.crop).toEqual(singles[i].crop);
        // Same model and input, batch 3 vs 1: only summation order differs (far below 0.01 px).
        for (let k = 0; k < r.points.length; k++) expect(Math.abs(r.points[k] - singles[i].points[k])).toBeLessThan(0.01);
      });
      // Different images give different points (the model is really fed the pixels).
      expect(Array.from(singles[0].points)).not.toEqual(Array.from(singles[1].points));
      // Mapping back: the picture and the box shifted by whole pixels (crop inside the image both times) feed the
      // model the same pixels, so every point must shift by exactly the same amount.
      const box: Box = [110, 70, 80, 100];
      const a = await lm.detect(frame(0), { box });
      const b = await lm.detect(frame(0, 13, 7), { box: [box[0] + 13, box[1] + 7, box[2], box[3]] });
      expect(a.crop.x).toBeGreaterThanOrEqual(0);
      expect(b.crop.y + b.crop.h).toBeLessThanOrEqual(240);
      for (let k = 0; k < a.points.length; k += 2) {
        expect(b.points[k] - a.points[k]).toBeCloseTo(13, 2);
        expect(b.points[k + 1] - a.points[k + 1]).toBeCloseTo(7, 2);
      }
    } finally {
      await lm.dispose();
    }
  }, 300_000);

  test('FP16 file runs; precision fp16 on the FP32 path picks the .fp16.onnx sibling', async () => {
    const direct = await TrtLandmarker.create({ model: paths.fp16, backend: 'onnxruntime' });
    const viaSibling = await TrtLandmarker.create({ model: paths.fp32, backend: 'onnxruntime', precision: 'fp16' });
    try {
      expect(direct.info.precision).toBe('fp16');
      expect(viaSibling.info.precision).toBe('fp16');
      expect(viaSibling.info.reason).toContain(`ONNX Runtime runs the FP16 sibling ${paths.fp16}`);
      const box: Box = [90, 40, 120, 150];
      const a = await direct.detect(frame(1), { box });
      const b = await viaSibling.detect(frame(1), { box });
      checkResult(a, landmarks, family === 'pipnet', box);
      expect(Array.from(b.points)).toEqual(Array.from(a.points));
      const batch = await direct.detectBatch([frame(0), { input: frame(1), box }]);
      checkResult(batch[1], landmarks, family === 'pipnet', box);
    } finally {
      await direct.dispose();
      await viaSibling.dispose();
    }
  }, 300_000);
});
