/**
 * Headless reproduction of the reference model's accuracy (../shared/models/README.md): peppa-slim160 on the 330
 * HELEN test images of 300W, box = GT landmark box, square crop 1.4 x its larger side, inter-ocular NME 4.78 +- 0.1.
 * Skips when ../shared is absent; needs the native addon built (npm run build:native).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { run as runCli } from '../../src/cli/commands/eval';
import { loadDataset } from '../../src/eval/datasets';
import { runEvaluation } from '../../src/eval/evaluate';
import { boundingBox } from '../../src/eval/metrics';
import { tempDir } from './fixtures';

const repo = resolve(__dirname, '..', '..');
const shared = resolve(repo, '..', 'shared');
const model = join(shared, 'models', 'peppa-slim160', 'slim_160_latest.onnx');
const data = join(shared, 'data', 'helen-test');
const config = join(repo, 'models', 'contracts', 'peppa-slim160.json');
const REFERENCE_NME = 4.78;
const TOLERANCE = 0.1;

const present = existsSync(model) && existsSync(data);
if (!present) console.log(`helen-test: skipped, ${model} or ${data} is absent (../shared is not checked out here)`);
const d = present ? describe : describe.skip;

d('reference model on helen-test (300W common, HELEN part)', () => {
  test(`NME is ${REFERENCE_NME} +- ${TOLERANCE} with the README protocol (ONNX Runtime, CPU)`, async () => {
    const { report } = await runEvaluation({ runs: [{ model, config }], data, crop: 'gt', norm: 'inter-ocular', backend: 'onnxruntime', batch: 8 });
    const run = report.runs[0];
    const m = run.metrics.all;
    console.log(`helen-test: N ${m.count}, NME ${m.nmePct.toFixed(3)} %, FR@8 ${m.failureRate8Pct.toFixed(2)} %, AUC@8 ${m.auc8Pct.toFixed(2)} %, ${run.timing.seconds.toFixed(1)} s`);
    expect(report.dataset.samples).toBe(330);
    expect(m.count).toBe(330);
    expect(run.counts.excluded).toBe(0);
    expect(report.dataset.imagesWithoutAnnotation.count + report.dataset.annotationsWithoutImage.count).toBe(0);
    expect(Math.abs(m.nmePct - REFERENCE_NME)).toBeLessThanOrEqual(TOLERANCE);
    // The crop really is the README's: square, 1.4 x the larger side of the GT landmark box.
    const first = loadDataset(data).samples[0];
    const [bx, by, bw, bh] = boundingBox(first.points, 68);
    const side = 1.4 * Math.max(bw, bh);
    expect(run.samples[0].id).toBe(first.id);
    expect(run.samples[0].crop.w).toBeCloseTo(side, 3);
    expect(run.samples[0].crop.h).toBeCloseTo(side, 3);
    expect(run.samples[0].crop.x + side / 2).toBeCloseTo(bx + bw / 2, 3);
    expect(run.samples[0].crop.y + side / 2).toBeCloseTo(by + bh / 2, 3);
  });

  test('the CI command writes a report and exits 0 within tolerance, 1 outside it', async () => {
    const out = tempDir('helen-report');
    const out2 = tempDir('helen-report-off');
    const args = ['--model', model, '--config', config, '--data', data, '--crop', 'gt', '--backend', 'onnxruntime'];
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write; // keep the jest log short
    let ok: number;
    let off: number;
    try {
      ok = await runCli([...args, '--report', out, '--overlays', '4', '--expect-nme', String(REFERENCE_NME), '--tolerance', String(TOLERANCE)]);
      off = await runCli([...args, '--report', out2, '--limit', '20', '--overlays', '0', '--expect-nme', '9.99', '--tolerance', String(TOLERANCE)]);
    } finally {
      process.stdout.write = write;
    }
    expect(ok).toBe(0);
    expect(off).toBe(1);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.runs[0].counts.evaluated).toBe(330);
    expect(report.expectation).toMatchObject({ nmePct: REFERENCE_NME, tolerance: TOLERANCE, passed: true });
    for (const f of ['summary.md', 'ced.png', 'overlays/slim_160_latest-best.png', 'overlays/slim_160_latest-worst.png']) expect(existsSync(join(out, f))).toBe(true);
    const report2 = JSON.parse(readFileSync(join(out2, 'report.json'), 'utf8'));
    expect(report2.runs[0].counts.evaluated).toBe(20);
    expect(report2.expectation.passed).toBe(false);
  });
});
