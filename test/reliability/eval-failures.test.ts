/**
 * One bad sample does not end an evaluation: an image that cannot be decoded and a .pts whose points lie outside
 * the image are reported as failed samples (with the file and the reason) and the rest are scored; the CLI then
 * exits 1 ("some files failed"). A backend failure still ends the run. Fake detector: no model, no addon.
 */
import { loadDataset } from '../../src/eval/datasets';
import { evaluate, type EvalDetector } from '../../src/eval/runner';
import { LandmarkerError, outOfRange } from '../../src/errors';
import type { BatchItem, LandmarkResult, LandmarkerInfo } from '../../src/types';
import { face, ptsText, tempDir, writeTree } from '../eval/fixtures';

const info = { landmarks: 68, maxBatch: 8 } as LandmarkerInfo;

/** Fails images whose name contains "broken" (decode) or "outside" (box outside the image); else predicts 0s. */
function detector(failWith?: Error): EvalDetector & { calls: number } {
  const d = {
    info,
    calls: 0,
    async detectBatch(items: BatchItem[]): Promise<LandmarkResult[]> {
      d.calls++;
      if (failWith) throw failWith;
      for (const it of items) {
        const name = it.input as string;
        if (name.includes('broken')) throw new LandmarkerError('ERR_IMAGE_DECODE', `Cannot decode image (${name})`);
        if (name.includes('outside')) throw outOfRange('items[0].box', 'a box that overlaps the 200x160 image', 'box');
      }
      return items.map(() => ({ points: face(), landmarks: 68, width: 200, height: 160, crop: { x: 0, y: 0, w: 200, h: 160 }, timings: { decode: 1, preprocess: 1, inference: 1, postprocess: 1, total: 4 } }));
    },
  };
  return d;
}

function dataset() {
  const root = tempDir('eval-failures');
  const files: Record<string, string> = {};
  for (const name of ['a', 'broken', 'c', 'outside']) {
    files[`${name}.jpg`] = 'x';
    files[`${name}.pts`] = ptsText(face());
  }
  writeTree(root, files);
  return loadDataset(root);
}

test('an undecodable image and ground truth outside the image fail their samples only', async () => {
  const ds = dataset();
  const run = await evaluate(detector(), ds, { batch: 8, crop: { kind: 'gt', boxFactor: 1, label: 'gt' }, norm: 'inter-ocular' });
  expect(run.samples.map((s) => s.id).sort()).toEqual(['a.jpg', 'c.jpg']);
  expect(run.failed.map((f) => f.id).sort()).toEqual(['broken.jpg', 'outside.jpg']);
  const byId = Object.fromEntries(run.failed.map((f) => [f.id, f.reason]));
  expect(byId['broken.jpg']).toMatch(/^\[ERR_IMAGE_DECODE\] Cannot decode image \(.*broken\.jpg\)$/);
  expect(byId['outside.jpg']).toMatch(/^ground truth outside the image .*outside\.jpg: Expected a box that overlaps the 200x160 image/);
  expect(run.excluded.map((f) => f.id).sort()).toEqual(['broken.jpg', 'outside.jpg']);
});

test('a backend failure still ends the evaluation with ERR_INFERENCE', async () => {
  const ds = dataset();
  await expect(
    evaluate(detector(new LandmarkerError('ERR_INFERENCE', 'ONNX Runtime failed')), ds, { batch: 8, crop: { kind: 'none' }, norm: 'inter-ocular' }),
  ).rejects.toMatchObject({ code: 'ERR_INFERENCE', message: expect.stringMatching(/^Evaluation failed on a\.jpg: ONNX Runtime failed$/) });
});
