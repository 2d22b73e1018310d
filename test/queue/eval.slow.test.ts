/**
 * An evaluation set sharded over two worker processes through the queue gives the report of the same
 * evaluation run in this process (NME per image within the 0.01 px rounding of the results' JSON).
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runEvaluation } from '../../src/eval/evaluate';
import { LandmarkQueue } from '../../src/queue/producer';
import { CliProcess, HELEN, missing, PEPPA, PEPPA_CONTRACT, RedisServer, startWorker, tempDir } from './helpers';

const why = missing();
if (why) console.warn(`test/queue/eval: skipped (${why})`);
const d = why ? describe.skip : describe;

d('evaluation sharded over queue workers', () => {
  let redis: RedisServer;
  const workers: CliProcess[] = [];
  let out: string;

  beforeAll(async () => {
    redis = await RedisServer.start();
    out = tempDir('trtl-queue-eval-');
    workers.push(...(await Promise.all(['e1', 'e2'].map((n) => startWorker(redis.url, n)))));
  }, 240000);

  afterAll(async () => {
    for (const w of workers) w.kill();
    await redis?.stop();
    for (const dir of [out, redis?.dir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('same NME as the in-process evaluation; the report is written by the producer', async () => {
    const common = { runs: [{ model: PEPPA, config: PEPPA_CONTRACT }], data: HELEN, crop: 'gt', norm: 'inter-ocular' as const, limit: 40, overlays: 0 };
    const q = await LandmarkQueue.connect({ redis: redis.url, model: PEPPA, config: PEPPA_CONTRACT });
    let sharded;
    try {
      sharded = await q.evaluate({ ...common, batch: 16, reportDir: join(out, 'report') });
    } finally {
      await q.close();
    }
    const direct = await runEvaluation({ ...common, backend: 'onnxruntime', threads: 1 });
    const [a] = [...sharded.runs.values()];
    const [b] = [...direct.runs.values()];
    expect(a.samples.map((s) => s.id)).toEqual(b.samples.map((s) => s.id));
    expect(a.samples.length).toBe(40);
    a.samples.forEach((s, i) => expect(Math.abs(s.nme - b.samples[i].nme)).toBeLessThan(1e-4));
    expect(sharded.report.runs[0].metrics.all.nmePct).toBeCloseTo(direct.report.runs[0].metrics.all.nmePct, 2);
    expect(sharded.report.runs[0].info.reason).toContain('sharded over the queue');
    expect(existsSync(join(out, 'report', 'report.json'))).toBe(true);
  }, 300000);
});
