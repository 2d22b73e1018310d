/** Every metric pinned to values computed by hand (the arithmetic is in the comments). */
import {
  auc,
  boundingBox,
  cedCurve,
  failureRate,
  median,
  nme,
  nmeSquared,
  normalizer,
  perLandmarkMean,
  pointErrors,
  scoredPoints,
} from '../../src/eval/metrics';
import { groupMetrics, groupSamples, perLandmarkPct } from '../../src/eval/summary';
import type { SampleResult } from '../../src/eval/runner';
import { face, face70 } from './fixtures';

describe('point errors and NME', () => {
  test('pointErrors are Euclidean distances', () => {
    // (0,0)-(0,0) = 0; (3,4)-(0,0) = 5; (1,1)-(4,5) = 5
    expect(Array.from(pointErrors([0, 0, 3, 4, 1, 1], [0, 0, 0, 0, 4, 5], 3))).toEqual([0, 5, 5]);
  });

  test('pointErrors scores only the first `count` points (68 of 70)', () => {
    expect(pointErrors(face70(), face70([0, 0, 0, 0]), 68).length).toBe(68);
    expect(Array.from(pointErrors(face70(), face70([0, 0, 0, 0]), 68)).every((e) => e === 0)).toBe(true);
  });

  test('pointErrors rejects too few points', () => {
    expect(() => pointErrors([0, 0], [0, 0, 1, 1], 2)).toThrow('pointErrors: need 2 points, got 1 predicted and 2 ground-truth');
  });

  test('NME = mean error / d', () => {
    // (0 + 5 + 5) / 3 / 10 = 1/3
    expect(nme([0, 5, 5], 10)).toBeCloseTo(1 / 3, 12);
    // (2 + 4) / 2 / 6 = 0.5
    expect(nme([2, 4], 6)).toBe(0.5);
  });

  test('reference-report variant squares each normalised distance', () => {
    // ((3/5)^2 + (4/5)^2) / 2 = (0.36 + 0.64) / 2 = 0.5, where the literature NME is (3 + 4) / 2 / 5 = 0.7
    expect(nmeSquared([3, 4], 5)).toBeCloseTo(0.5, 12);
    expect(nme([3, 4], 5)).toBeCloseTo(0.7, 12);
    // (0 + (5/10)^2 + (5/10)^2) / 3 = 0.5 / 3
    expect(nmeSquared([0, 5, 5], 10)).toBeCloseTo(0.5 / 3, 12);
  });

  test('a uniform (3, 4) shift of the face: NME = 5 / 36, NME^2 = (5 / 36)^2', () => {
    const gt = face();
    const pred = gt.map((v, k) => v + (k % 2 === 0 ? 3 : 4));
    const e = pointErrors(pred, gt, 68);
    const d = normalizer(gt, 'inter-ocular');
    expect(d).toBe(36);
    expect(nme(e, d)).toBeCloseTo(5 / 36, 6);
    expect(nmeSquared(e, d)).toBeCloseTo(25 / 1296, 6);
  });
});

describe('normalising distances', () => {
  test('inter-ocular: outer eye corners 36 and 45 (0-based)', () => {
    // (60,50) -> (96,50)
    expect(normalizer(face(), 'inter-ocular')).toBe(36);
  });

  test('inter-pupil without pupils: centroids of 36-41 and 42-47', () => {
    // (66,50) -> (90,50)
    expect(normalizer(face(), 'inter-pupil')).toBeCloseTo(24, 5);
  });

  test('inter-pupil with 70 points uses the pupil points 68 and 69', () => {
    // pupils (10,20) and (16,28): hypot(6, 8) = 10, not the contour centroids' 24
    expect(normalizer(face70([10, 20, 16, 28]), 'inter-pupil')).toBe(10);
  });

  test('box: sqrt(w * h) of the landmark bounding box', () => {
    // x 50..140, y 40..100 -> sqrt(90 * 60) = sqrt(5400)
    expect(boundingBox(face(), 68)).toEqual([50, 40, 90, 60]);
    expect(normalizer(face(), 'box')).toBeCloseTo(Math.sqrt(5400), 5);
  });

  test('degenerate annotation gives d = 0', () => {
    const gt = face();
    gt[2 * 45] = gt[2 * 36];
    gt[2 * 45 + 1] = gt[2 * 36 + 1];
    expect(normalizer(gt, 'inter-ocular')).toBe(0);
  });
});

describe('failure rate, AUC, CED', () => {
  const nmes = [0.02, 0.05, 0.08, 0.09, 0.12];

  test('failure rate counts NME strictly above the threshold', () => {
    // > 0.08: 0.09, 0.12 -> 2/5 ; > 0.10: 0.12 -> 1/5
    expect(failureRate(nmes, 0.08)).toBeCloseTo(0.4, 12);
    expect(failureRate(nmes, 0.1)).toBeCloseTo(0.2, 12);
    expect(failureRate([], 0.08)).toBeNaN();
  });

  test('AUC@8 and AUC@10, exact integral of the step CED', () => {
    // t = 0.08: (0.06 + 0.03 + 0 + 0 + 0) / 5 / 0.08 = 0.225
    expect(auc(nmes, 0.08)).toBeCloseTo(0.225, 12);
    // t = 0.10: (0.08 + 0.05 + 0.02 + 0.01 + 0) / 5 / 0.1 = 0.32
    expect(auc(nmes, 0.1)).toBeCloseTo(0.32, 12);
    // all perfect -> 1, all failing -> 0
    expect(auc([0, 0], 0.08)).toBe(1);
    expect(auc([0.2, 0.3], 0.08)).toBe(0);
  });

  test('AUC agrees with a fine trapezoid integration of the CED curve', () => {
    const { x, y } = cedCurve(nmes, 0.08, 80000);
    let area = 0;
    for (let k = 1; k < x.length; k++) area += ((y[k] + y[k - 1]) / 2) * (x[k] - x[k - 1]);
    expect(area / 0.08).toBeCloseTo(0.225, 4);
  });

  test('CED is the fraction with NME <= x', () => {
    // samples 0.015 and 0.025 on x = 0, 0.01, 0.02, 0.03, 0.04
    const c = cedCurve([0.025, 0.015], 0.04, 4);
    expect(c.x.map((v) => +v.toFixed(6))).toEqual([0, 0.01, 0.02, 0.03, 0.04]);
    expect(c.y).toEqual([0, 0, 0.5, 1, 1]);
  });

  test('median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('per landmark, per group', () => {
  test('per-landmark mean of e / d', () => {
    // landmark 0: (1/1 + 3/2) / 2 = 1.25 ; landmark 1: (2/1 + 4/2) / 2 = 2
    expect(Array.from(perLandmarkMean([[1, 2], [3, 4]], [1, 2], 2))).toEqual([1.25, 2]);
  });

  function sample(id: string, subset: string, nmeValue: number, sq = 0): SampleResult {
    const z = new Float32Array(136);
    return { id, subset, image: id, nme: nmeValue, nmeSquared: sq, d: 1, errors: new Float64Array(68).fill(nmeValue), gt: z, pred: z, crop: { x: 0, y: 0, w: 1, h: 1 } };
  }

  test('group metrics in percent', () => {
    const s = [0.02, 0.05, 0.08, 0.09, 0.12].map((v, k) => sample(`s${k}`, 'a', v, v * v));
    const m = groupMetrics(s);
    expect(m.count).toBe(5);
    // mean = 0.36 / 5 = 0.072 -> 7.2 %
    expect(m.nmePct).toBeCloseTo(7.2, 10);
    expect(m.medianNmePct).toBeCloseTo(8, 10);
    // (0.0004 + 0.0025 + 0.0064 + 0.0081 + 0.0144) / 5 = 0.00636 -> 0.636
    expect(m.nmeSquaredPct).toBeCloseTo(0.636, 10);
    expect(m.failureRate8Pct).toBeCloseTo(40, 10);
    expect(m.failureRate10Pct).toBeCloseTo(20, 10);
    expect(m.auc8Pct).toBeCloseTo(22.5, 10);
    expect(m.auc10Pct).toBeCloseTo(32, 10);
  });

  test('per-landmark percent', () => {
    expect(perLandmarkPct([sample('a', 'x', 0.02), sample('b', 'x', 0.04)], 68)[0]).toBeCloseTo(3, 10);
  });

  test('groups: all, each subset, and the 300W splits present', () => {
    const s = [sample('h', 'helen', 0.03), sample('l', 'lfpw', 0.05), sample('i', 'ibug', 0.1)];
    const g = groupSamples(s);
    expect([...g.keys()].sort()).toEqual(['all', 'common', 'helen', 'ibug', 'lfpw']);
    expect(g.get('common')!.map((x) => x.id)).toEqual(['h', 'l']);
    // one subset only: just 'all'
    expect([...groupSamples([sample('h', 'helen', 0.03)]).keys()]).toEqual(['all']);
  });

  test('68-point model on 70-point data and the reverse: the common 68', () => {
    expect(scoredPoints(68, 70)).toBe(68);
    expect(scoredPoints(70, 68)).toBe(68);
    expect(scoredPoints(70, 70)).toBe(70);
    expect(scoredPoints(68, 68)).toBe(68);
  });
});
