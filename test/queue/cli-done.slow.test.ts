/**
 * The "done when": with a local redis-server and 3 worker processes, a 300-image folder and a video
 * submitted from the CLI come back complete, in order and without duplicates, while one worker is killed
 * (SIGKILL, in the middle of a video segment) and Redis is restarted (AOF) mid-run. The video's results are
 * also compared, frame by frame, with the landmarker run directly on the decoded video (an independent check
 * of the frame order).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { readFrames } from '../../src/capture/ffmpeg-source';
import { listImages } from '../../src/input/list-images';
import { TrtLandmarker } from '../../src/landmarker';
import { modelIdentity } from '../../src/queue/identity';
import { QUEUE_PREFIX, queueName, type ItemResult } from '../../src/queue/protocol';
import { activeJob, CliProcess, imageFolder, jsonLines, makeVideo, missing, PEPPA, PEPPA_CONTRACT, RedisServer, startWorker, tempDir, waitFor } from './helpers';

const why = missing(true);
if (why) console.warn(`test/queue/cli-done: skipped (${why})`);
const d = why ? describe.skip : describe;

d('CLI: 300 images and a video over 3 workers, one SIGKILLed and Redis restarted mid-run', () => {
  let redis: RedisServer;
  let folder: string;
  let video: string;
  let out: string;
  const workers: CliProcess[] = [];
  const names = ['w1', 'w2', 'w3'];

  beforeAll(async () => {
    redis = await RedisServer.start({ aof: true });
    folder = imageFolder(300);
    video = makeVideo(20, 10); // 200 frames, 5 segments of 4 s
    out = tempDir('trtl-queue-out-');
    workers.push(...(await Promise.all(names.map((n) => startWorker(redis.url, n)))));
  }, 240000);

  afterAll(async () => {
    for (const w of workers) w.kill();
    await Promise.all(workers.map((w) => w.exited));
    await redis?.stop();
    for (const dir of [folder, video && join(video, '..'), out, redis?.dir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('complete, in order, each item once', async () => {
    const id = modelIdentity(PEPPA, PEPPA_CONTRACT).id;
    const model = ['--model', PEPPA, '--config', PEPPA_CONTRACT];
    const imagesOut = join(out, 'images.jsonl');
    const videoOut = join(out, 'video.jsonl');
    const common = ['--redis', redis.url, ...model, '--backoff-ms', '200', '--max-pending', '16'];
    const images = new CliProcess(['submit', ...common, folder, '--out', imagesOut]);
    const vid = new CliProcess(['submit', ...common, '--video', video, '--segment-seconds', '4', '--out', videoOut]);

    // Kill the worker that holds a video segment (a job of about 40 frames: well inside it).
    const inspector = new Redis(redis.url, { maxRetriesPerRequest: null });
    inspector.on('error', () => undefined);
    const queue = new Queue(queueName('landmarks', id), { connection: inspector, prefix: QUEUE_PREFIX });
    queue.on('error', () => undefined);
    const seg = await activeJob(queue, (j) => j.data.kind === 'video' && Boolean(j.processedBy), 60000);
    expect(seg).toBeDefined();
    const victim = { name: seg!.processedBy!, keys: [seg!.data.firstFrame, seg!.data.firstFrame + seg!.data.frameCount - 1] as number[] };
    workers[names.indexOf(victim.name)].kill('SIGKILL');
    await queue.close();
    inspector.disconnect();

    // Restart Redis once the image run is well under way.
    await waitFor(() => { try { return String(readFileSync(imagesOut, 'utf8').split('\n').length > 60); } catch { return 'false'; } }, 'true', 120000, '60 image results');
    await redis.restart(1000);

    const [imagesCode, videoCode] = await Promise.all([images.exited, vid.exited]);
    if (imagesCode !== 0 || videoCode !== 0) throw new Error(`submit exited ${imagesCode} / ${videoCode}:\n${images.stderr.slice(-1500)}\n${vid.stderr.slice(-1500)}`);

    const imageLines = jsonLines<ItemResult>(readFileSync(imagesOut, 'utf8'));
    expect(imageLines.map((l) => l.key)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(imageLines.map((l) => l.source)).toEqual(listImages(folder));
    expect(imageLines.filter((l) => l.error || !l.points || l.points.length !== 136)).toEqual([]);
    expect(new Set(imageLines.map((l) => l.model))).toEqual(new Set([id]));

    const frameLines = jsonLines<ItemResult>(readFileSync(videoOut, 'utf8'));
    expect(frameLines.map((l) => l.key)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(frameLines.filter((l) => l.error)).toEqual([]);
    // The killed worker's segment was finished by another worker.
    const [a, b] = victim.keys;
    expect(frameLines.slice(a, b + 1).filter((l) => l.worker === victim.name)).toEqual([]);

    // Frame order: the same points as the landmarker run directly on the decoded frames, in order.
    const lm = await TrtLandmarker.create({ model: PEPPA, config: PEPPA_CONTRACT, backend: 'onnxruntime', threads: 1 });
    try {
      let i = 0;
      for await (const f of readFrames({ input: video, realtime: false })) {
        const r = await lm.detect(f.frame);
        const got = frameLines[i++].points!;
        for (let k = 0; k < 136; k++) expect(Math.abs(got[k] - r.points[k])).toBeLessThanOrEqual(0.006);
      }
      expect(i).toBe(200);
    } finally {
      await lm.dispose();
    }
  }, 480000);
});
