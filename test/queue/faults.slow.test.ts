/**
 * The faults of issue 15, each against a real redis-server with worker processes standing in for machines:
 * a worker SIGKILLed mid-job, SIGTERM (graceful), Redis restarted without persistence, a poison image, a
 * producer that disappears, and a worker of another model version.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { modelIdentity } from '../../src/queue/identity';
import { LandmarkQueue } from '../../src/queue/producer';
import { QUEUE_PREFIX, queueName, type ItemResult } from '../../src/queue/protocol';
import { activeJob, CliProcess, imageFolder, MODEL_ARGS, missing, PEPPA, PEPPA_CONTRACT, RedisServer, sleep, startWorker, tempDir, waitFor } from './helpers';

const why = missing();
if (why) console.warn(`test/queue/faults: skipped (${why})`);
const d = why ? describe.skip : describe;

const keysOf = (lines: ItemResult[]) => lines.map((l) => l.key);
const upTo = (n: number) => Array.from({ length: n }, (_, i) => i);

d('queue faults (redis-server, worker processes)', () => {
  let redis: RedisServer;
  const cleanup: string[] = [];
  const procs: CliProcess[] = [];
  const id = why ? '' : modelIdentity(PEPPA, PEPPA_CONTRACT).id;
  const connect = (extra: Partial<Parameters<typeof LandmarkQueue.connect>[0]> = {}) =>
    LandmarkQueue.connect({ redis: redis.url, model: PEPPA, config: PEPPA_CONTRACT, backoffMs: 100, ...extra });
  const worker = async (name: string, extra: string[] = [], model?: string[]) => {
    const w = await startWorker(redis.url, name, extra, model);
    procs.push(w);
    return w;
  };
  /** A BullMQ view of a queue, for looking at job states. */
  const inspect = (name = queueName('landmarks', id)) => {
    const c = new Redis(redis.url, { maxRetriesPerRequest: null });
    c.on('error', () => undefined);
    const q = new Queue(name, { connection: c, prefix: QUEUE_PREFIX });
    q.on('error', () => undefined);
    return { q, close: async () => (await q.close(), c.disconnect()) };
  };

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterEach(async () => {
    for (const p of procs.splice(0)) p.kill();
  });
  afterAll(async () => {
    await redis?.stop();
    for (const dir of [...cleanup, redis?.dir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('SIGKILL mid-job: the job completes on another worker; every image exactly once', async () => {
    const folder = imageFolder(60);
    cleanup.push(folder);
    const [w1, w2] = await Promise.all([worker('k1'), worker('k2')]);
    // 10 images a job (about a second each here): a kill lands inside one.
    const q = await connect({ imagesPerJob: 10 });
    const view = inspect();
    try {
      const run = q.folder(folder, { runId: 'kill' });
      const lines = run.collect();
      const held = await activeJob(view.q, (j) => Boolean(j.processedBy) && j.data.kind === 'images');
      expect(held).toBeDefined();
      const victim = { name: held!.processedBy!, keys: held!.data.items.map((it: { key: number }) => it.key) as number[] };
      (victim.name === 'k1' ? w1 : w2).kill('SIGKILL');
      const out = await lines;
      expect(keysOf(out)).toEqual(upTo(60));
      expect(out.filter((l) => l.error)).toEqual([]);
      const survivor = victim.name === 'k1' ? 'k2' : 'k1';
      expect(new Set(out.filter((l) => victim.keys.includes(l.key)).map((l) => l.worker))).toEqual(new Set([survivor]));
    } finally {
      await view.close();
      await q.close();
    }
  }, 300000);

  test('SIGTERM: the worker finishes the job in hand, then exits 0', async () => {
    const folder = imageFolder(20);
    cleanup.push(folder);
    const w = await worker('t1');
    const q = await connect({ imagesPerJob: 5 });
    const view = inspect();
    try {
      const lines = q.folder(folder, { runId: 'term' }).collect();
      const held = await activeJob(view.q, (j) => j.processedBy === 't1');
      expect(held).toBeDefined();
      w.kill('SIGTERM');
      expect(await w.exited).toBe(0);
      expect(w.stderr).toContain('SIGTERM: finishing the jobs in hand');
      // The job it held was finished by it, not left to expire.
      const after = await Job.fromId(view.q, String(held!.id));
      expect(await after!.getState()).toBe('completed');
      expect(after!.returnvalue.worker).toBe('t1');
      await worker('t2');
      const out = await lines;
      expect(keysOf(out)).toEqual(upTo(20));
      expect(out.filter((l) => l.error)).toEqual([]);
    } finally {
      await view.close();
      await q.close();
    }
  }, 300000);

  test('Redis restarted without persistence: producer and worker reconnect, lost jobs are added again, nothing lost or doubled', async () => {
    const folder = imageFolder(40);
    cleanup.push(folder);
    await worker('r1');
    const q = await connect({ maxPending: 8 });
    try {
      const run = q.folder(folder, { runId: 'restart' });
      const lines = run.collect();
      await waitFor(() => String(run.progress.done >= 10), 'true', 120000, '10 results');
      await redis.restart(500);
      const out = await lines;
      expect(keysOf(out)).toEqual(upTo(40));
      expect(out.filter((l) => l.error)).toEqual([]);
      expect(run.stats.readded).toBeGreaterThan(0);
    } finally {
      await q.close();
    }
  }, 300000);

  test('poison image: fails with ERR_IMAGE_DECODE after its retries, listed with its code; the others finish', async () => {
    const folder = imageFolder(12, [3]);
    cleanup.push(folder);
    await worker('p1');
    const q = await connect({ attempts: 2, maxPending: 4 });
    try {
      const run = q.folder(folder, { runId: 'poison' });
      const out = await run.collect();
      expect(keysOf(out)).toEqual(upTo(12));
      expect(out[3].error?.code).toBe('ERR_IMAGE_DECODE');
      expect(out[3].source).toBe(join(folder, '0003.jpg'));
      expect(out.filter((l) => l.error).map((l) => l.key)).toEqual([3]);
      expect(run.failures).toEqual([expect.objectContaining({ jobId: 'poison.3', keys: [3], code: 'ERR_IMAGE_DECODE', attempts: 2 })]);
      const failed = await q.failedJobs();
      expect(failed.map((f) => [f.jobId, f.code, f.attempts])).toEqual([['poison.3', 'ERR_IMAGE_DECODE', 2]]);
    } finally {
      await q.close();
    }
  }, 300000);

  test('a producer that disappears: its jobs finish and stay; the same run id picks the results up', async () => {
    const folder = imageFolder(30);
    const out = tempDir('trtl-queue-out-');
    cleanup.push(folder, out);
    await worker('d1');
    const first = join(out, 'first.jsonl');
    const producer = new CliProcess(['submit', '--redis', redis.url, '--model', PEPPA, '--config', PEPPA_CONTRACT, '--run', 'gone', '--max-pending', '10', folder, '--out', first]);
    await waitFor(() => { try { return String(readFileSync(first, 'utf8').split('\n').length > 3); } catch { return 'false'; } }, 'true', 120000, 'first results');
    producer.kill('SIGKILL');
    await producer.exited;
    const view = inspect();
    try {
      // Its jobs in Redis run to the end without it.
      for (let i = 0; i < 600; i++) {
        const c = await view.q.getJobCounts('waiting', 'active', 'delayed');
        if (c.waiting + c.active + c.delayed === 0) break;
        await sleep(100);
      }
      const done = await view.q.getCompleted();
      expect(done.length).toBeGreaterThanOrEqual(4);
      const finishedOn = new Map(done.map((j) => [String(j.id), j.finishedOn]));
      const q = await connect();
      try {
        const lines = await q.folder(folder, { runId: 'gone' }).collect();
        expect(keysOf(lines)).toEqual(upTo(30));
        // Finished jobs were read back, not run again.
        for (const [jid, t] of finishedOn) expect((await Job.fromId(view.q, jid))!.finishedOn).toBe(t);
      } finally {
        await q.close();
      }
    } finally {
      await view.close();
    }
  }, 300000);

  test('a worker of another model version is never handed the jobs, and refuses one put on its queue', async () => {
    const folder = imageFolder(5);
    const dir = tempDir('trtl-queue-contract-');
    cleanup.push(folder, dir);
    const other = join(dir, 'peppa-1.5.json');
    const contract = JSON.parse(readFileSync(PEPPA_CONTRACT, 'utf8'));
    writeFileSync(other, JSON.stringify({ ...contract, crop: { ...contract.crop, boxScale: 1.5 } }));
    const otherId = modelIdentity(PEPPA, other).id;
    expect(otherId).not.toBe(id);
    const otherArgs = MODEL_ARGS.map((a) => (a === PEPPA_CONTRACT ? other : a));
    // A queue name of its own: workers killed by the other tests stay in the registry until their entry expires.
    const wrong = await worker('v2', ['--queue', 'versions'], otherArgs);
    expect(wrong.stderr).toContain(`model ${otherId}`);

    const q = await connect({ queue: 'versions' });
    const mine = inspect(queueName('versions', id));
    const theirs = inspect(queueName('versions', otherId));
    try {
      const run = q.folder(folder, { runId: 'version' });
      const lines = run.collect();
      await sleep(4000);
      expect(run.progress.done).toBe(0);
      expect((await mine.q.getJobCounts('waiting')).waiting).toBe(5);
      expect((await q.workers()).map((w) => w.model.id)).toEqual([otherId]);

      // A job for this model put on the other model's queue by hand: refused at once, not run.
      await theirs.q.add('images', { kind: 'images', model: id, items: [{ key: 0, path: join(folder, '0000.jpg') }] }, { jobId: 'misrouted', attempts: 3 });
      for (let i = 0; i < 200 && (await theirs.q.getJobState('misrouted')) !== 'failed'; i++) await sleep(50);
      const refused = await Job.fromId(theirs.q, 'misrouted');
      expect(refused!.failedReason).toMatch(/^\[ERR_MODEL_MISMATCH\] /);
      expect(refused!.attemptsMade).toBe(1);

      await worker('v1', ['--queue', 'versions']);
      const out = await lines;
      expect(keysOf(out)).toEqual(upTo(5));
      expect(new Set(out.map((l) => [l.model, l.worker].join(' ')))).toEqual(new Set([`${id} v1`]));
    } finally {
      await mine.close();
      await theirs.close();
      await q.close();
    }
  }, 300000);
});
