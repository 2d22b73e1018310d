/**
 * Faces over the queue: `submit --faces` sends images without a box, a worker runs detectFaces on each and the
 * result lists every face, as the local detectFaces() on the same image does (the shipped default models).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { TrtLandmarker } from '../../src/landmarker';
import { CliProcess, HAS_REDIS, REDIS_SERVER, ROOT, RedisServer, startWorker } from './helpers';

const why = HAS_REDIS ? '' : `no ${REDIS_SERVER} (apt-get install redis-server)`;
if (why) console.warn(`test/queue/faces: skipped (${why})`);
const d = why ? describe.skip : describe;
const SAMPLE = join(ROOT, 'samples/astronaut.png');

d('submit --faces (redis-server, a worker process with the default models)', () => {
  let redis: RedisServer;
  const procs: CliProcess[] = [];
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    for (const p of procs) p.kill();
    await redis?.stop();
    if (redis) rmSync(redis.dir, { recursive: true, force: true });
  });

  test('each image without a box comes back with every face, as detectFaces() gives locally', async () => {
    procs.push(await startWorker(redis.url, 'faces1', ['--threads', '1', '--backend', 'onnxruntime'], []));
    const submit = new CliProcess(['submit', '--redis', redis.url, '--faces', '--max-faces', '5', SAMPLE, SAMPLE, '--bytes']);
    procs.push(submit);
    const code = await submit.exited;
    if (code !== 0) throw new Error(`submit exited ${code}:\n${submit.stderr.slice(-1500)}`);
    const lines = submit.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.key)).toEqual([0, 1]);

    const lm = await TrtLandmarker.create({ backend: 'onnxruntime' });
    try {
      const local = await lm.detectFaces(SAMPLE, { maxFaces: 5 });
      expect(local.length).toBe(1);
      for (const line of lines) {
        expect(line.error).toBeUndefined();
        expect(line.faces).toHaveLength(local.length);
        const [f] = line.faces;
        f.box.forEach((v: number, i: number) => expect(v).toBeCloseTo(local[0].box[i], 1));
        expect(f.score).toBeCloseTo(local[0].score, 3);
        expect(f.points).toHaveLength(136);
        f.points.forEach((v: number, i: number) => expect(Math.abs(v - local[0].points[i])).toBeLessThanOrEqual(0.011));
      }
    } finally {
      await lm.dispose();
    }
  });
});
