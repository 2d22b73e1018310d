/** The runner, the protocol, the report and the CLI flags, with fake detectors (no model, no addon). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { run as runCli } from '../../src/cli/commands/eval';
import { loadDataset, type Dataset } from '../../src/eval/datasets';
import { labelRuns, parseCrop, runEvaluation, type DisposableDetector } from '../../src/eval/evaluate';
import { summaryMarkdown } from '../../src/eval/report';
import { gtBox, evaluate } from '../../src/eval/runner';
import type { BatchItem, Face, LandmarkResult, LandmarkerInfo } from '../../src/types';
import { face, face70, ldmksText, ptsText, tempDir, writeTree } from './fixtures';

function info(landmarks: number, maxBatch: number): LandmarkerInfo {
  return {
    backend: 'onnxruntime',
    reason: 'fake',
    precision: 'fp32',
    architecture: 'regression',
    inputWidth: 64,
    inputHeight: 64,
    landmarks,
    maxBatch,
    model: 'fake.onnx',
    contractSource: 'option',
    versions: { node: process.versions.node, addon: 'fake', addonVariant: 'cpu' },
  };
}

/** Predicts the ground truth of each image shifted by (dx, dy), as a `landmarks`-point model. */
class FakeDetector implements DisposableDetector {
  readonly info: LandmarkerInfo;
  readonly calls: BatchItem[][] = [];
  disposed = false;
  constructor(
    private readonly truth: Map<string, Float32Array>,
    landmarks = 68,
    maxBatch = 8,
    private readonly shift: [number, number] = [3, 4],
  ) {
    this.info = info(landmarks, maxBatch);
  }
  async detectBatch(items: BatchItem[]): Promise<LandmarkResult[]> {
    this.calls.push(items);
    return items.map((it) => {
      const gt = this.truth.get(it.input as string)!;
      const points = new Float32Array(this.info.landmarks * 2);
      for (let i = 0; i < points.length; i++) points[i] = (gt[i] ?? gt[i % 2]) + this.shift[i % 2];
      return { points, landmarks: this.info.landmarks, width: 200, height: 160, crop: { x: 0, y: 0, w: 200, h: 160 }, timings: { decode: 1, preprocess: 2, inference: 3, postprocess: 4, total: 10 } };
    });
  }
  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

const truthOf = (ds: Dataset) => new Map(ds.samples.map((s) => [s.image, s.points]));

function folder(n: number, points: (k: number) => Float32Array = () => face(), format: 'pts' | 'ldmks' = 'pts'): string {
  const root = tempDir('run');
  const files: Record<string, string | Buffer> = {};
  for (let k = 0; k < n; k++) {
    const name = String(k).padStart(6, '0');
    if (format === 'pts') {
      files[`${name}.jpg`] = Buffer.from('x');
      files[`${name}.pts`] = ptsText(points(k));
    } else {
      files[`${name}.png`] = Buffer.from('x');
      files[`${name}_ldmks.txt`] = ldmksText(points(k));
    }
  }
  writeTree(root, files);
  return root;
}

describe('protocol', () => {
  test('parseCrop', () => {
    expect(parseCrop('none')).toEqual({ kind: 'none' });
    expect(parseCrop('gt')).toEqual({ kind: 'gt' });
    expect(parseCrop('detector')).toEqual({ kind: 'detector' });
    expect(parseCrop('gt:1.1')).toEqual({ kind: 'gt', scale: 1.1 });
    expect(() => parseCrop('box')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: 'Expected "none", "gt", "gt:S" (e.g. gt:1.1) or "detector" for `crop` but received "box"' }));
    expect(() => parseCrop('gt:-1')).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE', message: 'Expected a positive scale in gt:S for `crop` but received "-1"' }));
  });

  test('gtBox: GT landmark box scaled about its centre', () => {
    // face(): x 50..140, y 40..100 -> centre (95, 70)
    expect(gtBox(face(), 1)).toEqual([50, 40, 90, 60]);
    const [x, y, w, h] = gtBox(face(), 0.5);
    expect([x, y, w, h]).toEqual([72.5, 55, 45, 30]);
  });

  test('crop gt passes the GT box, gt:S rescales it by S / contract boxScale, none passes no box', async () => {
    const ds = loadDataset(folder(2));
    const det = new FakeDetector(truthOf(ds));
    await evaluate(det, ds, { batch: 8, crop: { kind: 'gt', boxFactor: 1, label: 'gt' }, norm: 'inter-ocular' });
    expect(det.calls[0].map((i) => i.box)).toEqual([
      [50, 40, 90, 60],
      [50, 40, 90, 60],
    ]);
    const det2 = new FakeDetector(truthOf(ds));
    await evaluate(det2, ds, { batch: 8, crop: { kind: 'gt', boxFactor: 1.1 / 1.4, label: 'gt:1.1' }, norm: 'inter-ocular' });
    const box = det2.calls[0][0].box!;
    // the contract then multiplies by 1.4: side = 1.4 * (1.1 / 1.4) * 90 = 99 = 1.1 x the GT box
    expect(1.4 * box[2]).toBeCloseTo(99, 10);
    expect(box[0] + box[2] / 2).toBeCloseTo(95, 10);
    const det3 = new FakeDetector(truthOf(ds));
    await evaluate(det3, ds, { batch: 8, crop: { kind: 'none' }, norm: 'inter-ocular' });
    expect(det3.calls[0].every((i) => i.box === undefined)).toBe(true);
  });
});

describe('detector protocol', () => {
  test('detection rate counts the annotated faces matched; NME on those, with the matching face of several', async () => {
    const ds = loadDataset(folder(4));
    const truth = truthOf(ds);
    const det = new FakeDetector(truth);
    const decoy: Face = { box: [150, 100, 30, 30], score: 0.99, points: new Float32Array(136), landmarks: 68, crop: { x: 0, y: 0, w: 1, h: 1 } };
    (det as DisposableDetector).detectFaces = async (input) => {
      const k = ds.samples.findIndex((s) => s.image === input);
      const gt = truth.get(input as string)!;
      const points = gt.map((v, i) => v + (i % 2 ? 4 : 3));
      // GT landmark box [50, 40, 90, 60]: a detector box containing its centre, sizes within 2x.
      const found: Face = { box: [45, 30, 100, 80], score: 0.9, points, landmarks: 68, crop: { x: 0, y: 0, w: 1, h: 1 } };
      return k % 2 === 0 ? [decoy, found] : [decoy];
    };
    const run = await evaluate(det, ds, { batch: 8, crop: { kind: 'detector', label: 'detector' }, norm: 'inter-ocular' });
    expect(run.detection).toEqual({ faces: 4, found: 2 });
    expect(run.samples).toHaveLength(2);
    for (const s of run.samples) expect(s.nme).toBeCloseTo(5 / 36, 6);
    expect(run.excluded.map((e) => e.reason)).toEqual(Array(2).fill('the detector found no face matching the annotation (1 found)'));
    expect(det.calls).toHaveLength(0); // no detectBatch: the boxes come from detectFaces
  });
});

describe('evaluate', () => {
  test('uniform (3, 4) shift: NME 5 / 36 for every sample; batches of at most `batch`', async () => {
    const ds = loadDataset(folder(5));
    const det = new FakeDetector(truthOf(ds));
    const progress: number[] = [];
    const run = await evaluate(det, ds, { batch: 2, crop: { kind: 'gt', boxFactor: 1, label: 'gt' }, norm: 'inter-ocular', onProgress: (d) => progress.push(d) });
    expect(det.calls.map((c) => c.length)).toEqual([2, 2, 1]);
    expect(run.samples).toHaveLength(5);
    for (const s of run.samples) expect(s.nme).toBeCloseTo(5 / 36, 6);
    expect(run.scoredPoints).toBe(68);
    expect(run.pointCountNote).toBeUndefined();
    expect(progress).toEqual([0, 2, 4, 5]);
    // decode per image (5 x 1 ms), the other stages once per batch (3 batches)
    expect(run.stageMs).toEqual({ decode: 5, preprocess: 6, inference: 9, postprocess: 12, total: 30 });
  });

  test('a detector that answers a batch with the wrong number of results is ERR_INTERNAL, not a silent misalignment', async () => {
    const ds = loadDataset(folder(3));
    const det = new FakeDetector(truthOf(ds));
    const real = det.detectBatch.bind(det);
    det.detectBatch = async (items: BatchItem[]) => (await real(items)).slice(1);
    await expect(evaluate(det, ds, { batch: 2, crop: { kind: 'none' }, norm: 'inter-ocular' })).rejects.toMatchObject({
      name: 'LandmarkerError',
      code: 'ERR_INTERNAL',
      message: 'detectBatch returned 1 results for 2 inputs',
    });
  });

  test('batch is clamped to the detector maxBatch (fixed-batch models)', async () => {
    const ds = loadDataset(folder(3));
    const det = new FakeDetector(truthOf(ds), 68, 1);
    const run = await evaluate(det, ds, { batch: 8, crop: { kind: 'none' }, norm: 'inter-ocular' });
    expect(det.calls.map((c) => c.length)).toEqual([1, 1, 1]);
    expect(run.batch).toBe(1);
  });

  test('zero inter-ocular distance: excluded, counted, never sent to the model', async () => {
    const degenerate = () => {
      const p = face();
      p[90] = p[72];
      p[91] = p[73];
      return p;
    };
    const ds = loadDataset(folder(4, (k) => (k === 2 ? degenerate() : face())));
    const det = new FakeDetector(truthOf(ds));
    const run = await evaluate(det, ds, { batch: 8, crop: { kind: 'gt', boxFactor: 1, label: 'gt' }, norm: 'inter-ocular' });
    expect(run.excluded).toEqual([{ id: '000002.jpg', reason: 'zero inter-ocular distance in the ground truth' }]);
    expect(run.samples.map((s) => s.id)).toEqual(['000000.jpg', '000001.jpg', '000003.jpg']);
    expect(det.calls.flat()).toHaveLength(3);
  });

  test('68-point model on 70-point data: the common 68, said so', async () => {
    const ds = loadDataset(folder(2, () => face70(), 'ldmks'));
    const run = await evaluate(new FakeDetector(truthOf(ds), 68), ds, { batch: 8, crop: { kind: 'none' }, norm: 'inter-ocular' });
    expect(run.scoredPoints).toBe(68);
    expect(run.samples[0].errors).toHaveLength(68);
    expect(run.pointCountNote).toBe('68-point model on 70-point data (2 samples): scored the common 68 iBUG points');
    expect(run.samples[0].nme).toBeCloseTo(5 / 36, 6);
  });

  test('70-point model on 68-point data: the common 68, said so; 70 on 70 scores all 70', async () => {
    const ds68 = loadDataset(folder(1));
    const r1 = await evaluate(new FakeDetector(truthOf(ds68), 70), ds68, { batch: 8, crop: { kind: 'none' }, norm: 'inter-ocular' });
    expect(r1.scoredPoints).toBe(68);
    expect(r1.pointCountNote).toBe('70-point model on 68-point data (1 samples): scored the common 68 iBUG points');
    const ds70 = loadDataset(folder(1, () => face70(), 'ldmks'));
    const r2 = await evaluate(new FakeDetector(truthOf(ds70), 70), ds70, { batch: 8, crop: { kind: 'none' }, norm: 'inter-pupil' });
    expect(r2.scoredPoints).toBe(70);
    expect(r2.pointCountNote).toBeUndefined();
    // inter-pupil from the pupil points (66,50)-(90,50) = 24
    expect(r2.samples[0].d).toBe(24);
    expect(r2.samples[0].nme).toBeCloseTo(5 / 24, 6);
  });

  test('an undecodable image fails its sample, named with the reason, and the run goes on', async () => {
    const ds = loadDataset(folder(1));
    const det = new FakeDetector(truthOf(ds));
    det.detectBatch = async () => {
      throw Object.assign(new Error('corrupt JPEG'), { code: 'ERR_IMAGE_DECODE' });
    };
    const run = await evaluate(det, ds, { batch: 8, crop: { kind: 'none' }, norm: 'inter-ocular' });
    expect(run.failed).toEqual([{ id: '000000.jpg', reason: '[ERR_IMAGE_DECODE] corrupt JPEG' }]);
    expect(run.samples).toEqual([]);
  });
});

describe('runEvaluation and the report', () => {
  async function realFolder(n: number): Promise<string> {
    const root = tempDir('report');
    for (let k = 0; k < n; k++) {
      const name = `img${k}`;
      await sharp({ create: { width: 200, height: 160, channels: 3, background: { r: 90 + 30 * k, g: 80, b: 70 } } }).jpeg().toFile(join(root, `${name}.jpg`));
      writeTree(root, { [`${name}.pts`]: ptsText(face()) });
    }
    writeTree(root, { 'lonely.jpg': Buffer.from('x'), 'stray.pts': ptsText(face()) });
    return root;
  }

  test('two models, one comparison: report.json, summary.md, ced.png, overlays; expectation per model', async () => {
    const data = await realFolder(3);
    const out = tempDir('out');
    const made: FakeDetector[] = [];
    const result = await runEvaluation({
      runs: [{ model: '/m/a.onnx' }, { model: '/m/b.onnx' }],
      data,
      crop: 'gt:1.1',
      reportDir: out,
      overlays: 2,
      expect: { nmePct: 2.78, tolerance: 0.1 },
      cropPolicyOf: () => ({ boxScale: 1.4, square: true }),
      createDetector: async (spec) => {
        const ds = loadDataset(data);
        // a.onnx: error 1 px per point (shift 0.6, 0.8); b.onnx: 2 px (1.2, 1.6)
        const d = new FakeDetector(truthOf(ds), 68, 8, spec.model.endsWith('a.onnx') ? [0.6, 0.8] : [1.2, 1.6]);
        made.push(d);
        return d;
      },
    });
    expect(made.every((d) => d.disposed)).toBe(true);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.runs.map((r: { label: string }) => r.label)).toEqual(['a', 'b']);
    const [a, b] = report.runs;
    // 1 / 36 = 2.7778 %, AUC@8 = (0.08 - 1/36) / 0.08 = 65.278 %; 2 / 36 = 5.5556 %, AUC@8 = 30.556 %
    expect(a.metrics.all.nmePct).toBeCloseTo(100 / 36, 4);
    expect(a.metrics.all.auc8Pct).toBeCloseTo(65.2778, 3);
    expect(a.metrics.all.failureRate8Pct).toBe(0);
    // squared variant: (1/36)^2 x 100
    expect(a.metrics.all.nmeSquaredPct).toBeCloseTo(100 / 1296, 6);
    expect(b.metrics.all.nmePct).toBeCloseTo(200 / 36, 4);
    expect(b.metrics.all.auc8Pct).toBeCloseTo(30.5556, 3);
    expect(a.protocol.crop).toBe('gt:1.1');
    expect(a.protocol.cropDescription).toBe("gt:1.1 (GT landmark box; crop square, side = S x max(w, h), S = 1.1 overriding the contract's 1.4)");
    expect(a.samples).toHaveLength(3);
    expect(a.perLandmarkNmePct).toHaveLength(68);
    expect(report.dataset.imagesWithoutAnnotation).toEqual({ count: 1, files: ['lonely.jpg'] });
    expect(report.dataset.annotationsWithoutImage).toEqual({ count: 1, files: ['stray.pts'] });
    expect(report.expectation.passed).toBe(false);
    expect(report.expectation.results.map((r: { passed: boolean }) => r.passed)).toEqual([true, false]);
    expect(result.report.expectation!.passed).toBe(false);

    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(md).toContain('| a | onnxruntime | fp32 |');
    expect(md).toContain('| all | 3 | 2.78 |');
    expect(md).toContain('Images without annotation: 1; annotations without image: 1');
    expect(md).toContain('reference-report variant (squared distances), NOT comparable with the literature');

    expect(await sharp(join(out, 'ced.png')).metadata()).toMatchObject({ format: 'png', width: 900, height: 620 });
    for (const f of ['a-best.png', 'a-worst.png', 'b-best.png', 'b-worst.png']) expect(existsSync(join(out, 'overlays', f))).toBe(true);
    const sheet = await sharp(join(out, 'overlays', 'a-best.png')).metadata();
    expect(sheet.width).toBeGreaterThan(1000);
  });

  test('a requested precision that did not run is reported, not hidden', async () => {
    const data = await realFolder(1);
    const { report } = await runEvaluation({
      runs: [{ model: '/m/a.onnx', precision: 'fp16' }],
      data,
      crop: 'none',
      createDetector: async () => new FakeDetector(truthOf(loadDataset(data))),
    });
    expect(report.runs[0].precision).toBe('fp32');
    expect(report.runs[0].requestedPrecision).toBe('fp16');
    expect(report.runs[0].protocol).toMatchObject({ crop: 'none', cropDescription: 'none (whole image)' });
    expect(summaryMarkdown(report)).toContain('fp16 was requested but fp32 ran (fake)');
  });

  test('labels: file name, precision when compared, index when still ambiguous', () => {
    expect(labelRuns([{ model: '/x/m.onnx', precision: 'fp16' }, { model: '/x/m.onnx', precision: 'fp32' }])).toEqual(['m fp16', 'm fp32']);
    expect(labelRuns([{ model: '/x/m.onnx' }, { model: '/y/m.onnx' }])).toEqual(['m #1', 'm #2']);
    expect(labelRuns([{ model: '/x/m.onnx' }, { model: '/y/n.onnx' }])).toEqual(['m', 'n']);
    expect(labelRuns([{ model: '/x/m.onnx', config: '/c/a.json' }, { model: '/x/m.onnx', config: '/c/b.json' }, { model: '/x/n.onnx', config: '/c/a.json' }])).toEqual(['m [a]', 'm [b]', 'n']);
    expect(labelRuns([{ model: '/x/m.onnx', label: 'mine' }, { model: '/x/m.onnx', label: 'mine' }])).toEqual(['mine #1', 'mine #2']);
  });
});

describe('eval CLI flags', () => {
  const err = async (argv: string[]) => {
    try {
      await runCli(argv);
    } catch (e) {
      return e as Error & { code?: string };
    }
    throw new Error('expected an error');
  };

  test('needs --data; --config needs --model', async () => {
    const e = await err(['--model', 'a.onnx']);
    expect(e.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(e.message.split('\n')[0]).toBe('eval needs --data');
    expect((await err(['--config', 'a.json', '--data', '/tmp'])).message).toBe('--config needs --model (the default model brings its own contract)');
  });

  test('one --config per --model', async () => {
    const e = await err(['--model', 'a.onnx', '--model', 'b.onnx', '--config', 'a.json', '--data', '/tmp']);
    expect(e.message).toBe('Give one --config per --model (2 models, 1 configs)');
  });

  test('bad enum and number values', async () => {
    expect((await err(['--model', 'a.onnx', '--data', '/tmp', '--norm', 'eyes'])).message).toBe('--norm must be one of inter-ocular, inter-pupil, box, got "eyes"');
    expect((await err(['--model', 'a.onnx', '--data', '/tmp', '--precision', 'int8'])).message).toBe('--precision must be one of fp16, fp32, got "int8"');
    const batch = await err(['--model', 'a.onnx', '--data', '/tmp', '--batch', '0']);
    expect(batch).toMatchObject({ code: 'ERR_OUT_OF_RANGE', message: 'Expected positive integer for `batch` but received "0"' });
    const tol = await err(['--model', 'a.onnx', '--data', '/tmp', '--expect-nme', '4.78', '--tolerance', 'x']);
    expect(tol).toMatchObject({ code: 'ERR_OUT_OF_RANGE', message: 'Expected a number for `tolerance` but received "x"' });
  });

  test('missing data folder', async () => {
    const e = await err(['--model', 'a.onnx', '--data', '/nonexistent/trtl', '--crop', 'none']);
    expect(e).toMatchObject({ code: 'ERR_DATASET', message: 'Data folder /nonexistent/trtl does not exist' });
  });
});
