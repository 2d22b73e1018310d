/**
 * The measurements of docs/scale.md (not a test): queue overhead per job against detect() in this process, and
 * throughput of 1, 2 and 4 worker processes on a folder of images and on a video, with a private redis-server.
 *   nice -n 10 node -r ./test/bench/ts-register.js test/queue/measure.ts [images=1000] [videoSeconds=60] [workers=1,2,4]
 * Needs redis-server, ffmpeg and ../shared (peppa-slim160, helen-test). Prints Markdown rows.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { listImages } from '../../src/input/list-images';
import { TrtLandmarker } from '../../src/landmarker';
import { LandmarkQueue } from '../../src/queue/producer';
import { cpuSeconds, imageFolder, makeVideo, missing, PEPPA, PEPPA_CONTRACT, RedisServer, startWorker, type CliProcess } from './helpers';

async function main(): Promise<void> {
  const why = missing(true);
  if (why) throw new Error(`cannot measure: ${why}`);
  const nImages = Number(process.argv[2] ?? 1000);
  const videoSeconds = Number(process.argv[3] ?? 60);
  const counts = (process.argv[4] ?? '1,2,4').split(',').map(Number);
  const say = (s: string) => process.stdout.write(s + '\n');
  const folder = imageFolder(nImages);
  const video = makeVideo(videoSeconds, 25, 320);
  const redis = await RedisServer.start();
  say(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  try {
    // Overhead per job: one image at a time, alternately detect() in this process and a one-image run through
    // the queue (submit, a worker takes it, the result comes back), so both see the same machine load.
    const files = listImages(folder).slice(0, 40);
    const lm = await TrtLandmarker.create({ model: PEPPA, config: PEPPA_CONTRACT, backend: 'onnxruntime', threads: 1 });
    let workers: CliProcess[] = await Promise.all([startWorker(redis.url, 'm1', ['--lock-ms', '30000'])]);
    const q = await LandmarkQueue.connect({ redis: redis.url, model: PEPPA, config: PEPPA_CONTRACT });
    let t: number;
    try {
      await lm.detect(files[0]);
      await q.images([files[0]]).collect();
      const direct: number[] = [];
      const queued: number[] = [];
      for (const f of files) {
        t = performance.now();
        await lm.detect(f);
        direct.push(performance.now() - t);
        t = performance.now();
        await q.images([f]).collect();
        queued.push(performance.now() - t);
      }
      await lm.dispose();
      const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
      say(`one image, ${files.length} alternating pairs: detect() in process median ${med(direct).toFixed(1)} ms; through the queue median ${med(queued).toFixed(1)} ms; overhead ${(med(queued) - med(direct)).toFixed(1)} ms per job`);

      say('| workers | folder | CPU per image, all processes | Redis CPU per job | video | CPU per frame | load |');
      say('| --- | --- | --- | --- | --- | --- | --- |');
      for (const n of counts) {
        for (const w of workers) w.kill('SIGTERM');
        await Promise.all(workers.map((w) => w.exited));
        workers = await Promise.all(Array.from({ length: n }, (_, i) => startWorker(redis.url, `m${n}-${i}`, ['--lock-ms', '30000'])));
        // CPU of every process of the run (workers with their ffmpeg children, Redis, this producer), per item.
        const cpu = () => workers.reduce((sum, w) => sum + cpuSeconds(w.proc.pid!), 0) + redis.cpuSeconds() + process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6;
        t = performance.now();
        let cpu0 = cpu();
        const redis0 = redis.cpuSeconds();
        const imgs = await q.folder(folder).collect();
        const imgS = (performance.now() - t) / 1000;
        const imgCpuMs = (1000 * (cpu() - cpu0)) / imgs.length;
        const redisMsPerJob = (1000 * (redis.cpuSeconds() - redis0)) / imgs.length;
        const bad = imgs.filter((l) => l.error).length;
        t = performance.now();
        cpu0 = cpu();
        const run = await q.video(video, { segmentSeconds: 5 });
        const frames = await run.collect();
        const vidS = (performance.now() - t) / 1000;
        const frameCpuMs = (1000 * (cpu() - cpu0)) / frames.length;
        say(`| ${n} | ${imgs.length} images (${bad} failed) in ${imgS.toFixed(1)} s = ${(imgs.length / imgS).toFixed(1)}/s | ${imgCpuMs.toFixed(1)} ms | ${redisMsPerJob.toFixed(2)} ms | ${frames.length} frames in ${vidS.toFixed(1)} s = ${(frames.length / vidS).toFixed(1)} fps | ${frameCpuMs.toFixed(1)} ms | ${loadavg()[0].toFixed(1)} |`);
      }
    } finally {
      await q.close();
      for (const w of workers) w.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
    }
  } finally {
    await redis.stop();
    for (const dir of [folder, join(video, '..'), redis.dir]) rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${(e as Error).stack}\n`);
    process.exit(1);
  },
);
