/**
 * The photo bench's inputs and its hand-written baseline: both pipelines find the same faces and put the points
 * within a few pixels of each other (so the bench compares like with like), on the raw frame and the 12 MP JPEG.
 */
import { readFileSync } from 'node:fs';
import { HandwrittenFacePipeline } from '../../bench/photo-handwritten';
import { makeFrame, makePhoto } from '../../bench/photo';
import { validateDetectorContract } from '../../src/contract/detector';
import { validateContract } from '../../src/contract/validate';
import { TrtLandmarker } from '../../src/landmarker';
import { defaultDetectorFiles, defaultLandmarkFiles } from '../../src/bundled-models';
import type { Face } from '../../src/types';

test('detectFaces and the hand-written pipeline agree on the bench inputs', async () => {
  const df = defaultDetectorFiles();
  const lf = defaultLandmarkFiles();
  const hand = await HandwrittenFacePipeline.create(
    df.model, validateDetectorContract(JSON.parse(readFileSync(df.config, 'utf8')), 'd'),
    lf.model, validateContract(JSON.parse(readFileSync(lf.config, 'utf8')), 'l'),
  );
  const lm = await TrtLandmarker.create({ backend: 'onnxruntime' });
  try {
    for (const [input, n] of [[await makeFrame(), 3], [await makePhoto(), 6]] as const) {
      const ours = await lm.detectFaces(input);
      const theirs = await hand.run(input);
      expect(ours).toHaveLength(n);
      expect(theirs).toHaveLength(n);
      const byX = <T extends { box: ArrayLike<number> }>(fs: readonly T[]) => [...fs].sort((a, b) => a.box[0] - b.box[0]);
      const t = byX(theirs);
      byX<Face>(ours).forEach((f, k) => {
        let d = 0;
        for (let i = 0; i < 68; i++) d += Math.hypot(f.points[2 * i] - t[k].points[2 * i], f.points[2 * i + 1] - t[k].points[2 * i + 1]) / 68;
        expect(d).toBeLessThan(0.03 * f.box[2]);
      });
    }
  } finally {
    await lm.dispose();
    await hand.close();
  }
}, 120_000);
