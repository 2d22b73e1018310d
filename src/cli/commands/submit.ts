/** `trt-landmarker submit`: send images, a folder or a video to the queue's workers; JSON lines back, in order. */
import { createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { outOfRange } from '../../errors';
import { listImages } from '../../input/list-images';
import { LandmarkQueue, type LandmarkQueueOptions } from '../../queue/producer';
import { progressText, type RunProgress } from '../../queue/progress';
import { DEFAULT_KEEP_SECONDS, MAX_IMAGE_BYTES } from '../../queue/protocol';
import { flag, has, parseArgs, usageError } from '../args';
import { ProgressBar } from '../progress';
import { parseBox } from './detect';
import { validateFaceOptions } from '../../detector/faces';
import { faceOptions } from './detect-faces';

export const usage = `submit <images...|folder> | --video FILE  --redis URL [options]   landmarks by the queue's workers (docs/scale.md)
  --redis URL             redis://HOST:PORT[/DB]
  --queue NAME            queue name (default landmarks)
  --model PATH            the model the workers must run (with --config, as given to the workers) ...
  --config PATH
  --model-id ID           ... or its id (printed by the worker); neither: the one model the live workers serve
  --video FILE            a constant-frame-rate video, cut into segments; one result per frame, in frame order
  --segment-seconds S     video segment length (default 10)
  --box x,y,w,h           face box for every image or frame (default: whole image)
  --faces                 images: every face the workers' detector finds (one "faces" list per image), as \`detect\`
  --max-faces N           with --faces: at most N faces per image (default 10)
  --min-score S           with --faces: detection score threshold 0..1 (default: the detector's)
  --min-face-size PX      with --faces: ignore faces whose larger box side is under PX pixels
  --bytes                 send the image files' bytes (at most ${MAX_IMAGE_BYTES / 1048576} MiB each) instead of their paths
  --out FILE              JSON lines (one per image or frame, in order) to FILE instead of stdout
  --run ID                run id: submitting again with the same id picks up a run whose producer stopped
  --max-pending N         jobs in Redis and not yet written out, at most (default 64)
  --images-per-job N      images per job (default 1)
  --attempts N            tries per job (default 3), exponential backoff from --backoff-ms (default 1000)
  --backoff-ms MS
  --keep-seconds S        results and failed jobs stay in Redis S seconds (default ${DEFAULT_KEEP_SECONDS})
  --failed                print the queue's failed jobs (JSON lines) and exit
Evaluation sets: trt-landmarker eval --redis URL ... shards the images over the workers.`;

function intFlag(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw outOfRange(name, 'a positive integer', text);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, {
    booleans: ['bytes', 'failed', 'faces'],
    values: ['max-faces', 'min-score', 'min-face-size', 'redis', 'queue', 'model', 'config', 'model-id', 'video', 'segment-seconds', 'box', 'out', 'run', 'max-pending', 'images-per-job', 'attempts', 'backoff-ms', 'keep-seconds'],
  });
  const redis = flag(args, 'redis');
  if (!redis) throw usageError(`submit needs --redis URL\n\n${usage}`);
  const video = flag(args, 'video');
  const failedOnly = has(args, 'failed');
  if (!failedOnly && !video && args.positional.length === 0) throw usageError(`submit needs images, a folder or --video FILE\n\n${usage}`);
  if (video && args.positional.length) throw usageError(`Give images or --video, not both`);
  const segmentText = flag(args, 'segment-seconds');
  const segmentSeconds = segmentText === undefined ? undefined : Number(segmentText);
  if (segmentSeconds !== undefined && !(segmentSeconds > 0)) throw outOfRange('segment-seconds', 'a positive number of seconds', segmentText);
  const box = flag(args, 'box') !== undefined ? parseBox(flag(args, 'box')!) : undefined;
  const faceFlags = { maxFaces: flag(args, 'max-faces'), minScore: flag(args, 'min-score'), minFaceSize: flag(args, 'min-face-size') };
  const faces = has(args, 'faces');
  if (!faces && Object.values(faceFlags).some((v) => v !== undefined)) throw usageError('--max-faces, --min-score and --min-face-size go with --faces');
  if (faces && (box || video)) throw usageError('--faces goes with images, without --box');
  const faceOpts = faces ? faceOptions(faceFlags) : undefined;
  if (faceOpts) validateFaceOptions(faceOpts, 0.5); // before Redis is touched, in the API's words
  const options: LandmarkQueueOptions = {
    redis,
    queue: flag(args, 'queue'),
    model: flag(args, 'model'),
    config: flag(args, 'config'),
    modelId: flag(args, 'model-id'),
    maxPending: intFlag('max-pending', flag(args, 'max-pending')),
    imagesPerJob: intFlag('images-per-job', flag(args, 'images-per-job')),
    attempts: intFlag('attempts', flag(args, 'attempts')),
    backoffMs: intFlag('backoff-ms', flag(args, 'backoff-ms')),
    keepSeconds: intFlag('keep-seconds', flag(args, 'keep-seconds')),
  };
  const q = await LandmarkQueue.connect(options);
  try {
    if (failedOnly) {
      for (const f of await q.failedJobs()) process.stdout.write(JSON.stringify(f) + '\n');
      return 0;
    }
    let bar: ProgressBar | null = null;
    const onProgress = (p: RunProgress) => {
      bar ??= new ProgressBar(p.total, 'submit');
      bar.update(p.done + p.failed, progressText(p));
    };
    const common = { box, runId: flag(args, 'run'), onProgress };
    let job;
    if (video) job = await q.video(video, { ...common, segmentSeconds });
    else {
      if (faceOpts) Object.assign(common, { faces: faceOpts });
      const paths = args.positional;
      if (paths.length === 1 && existsSync(paths[0]) && statSync(paths[0]).isDirectory()) {
        job = has(args, 'bytes') ? q.images(listImages(paths[0]).map((f) => readFileSync(f)), common) : q.folder(paths[0], common);
      } else {
        job = q.images(has(args, 'bytes') ? paths.map((f) => readFileSync(f)) : paths, common);
      }
    }
    process.stderr.write(`submit: run ${job.runId}, ${job.total} ${video ? 'frames' : 'images'} to queue ${q.queueName}\n`);
    const outPath = flag(args, 'out');
    const out = outPath ? createWriteStream(outPath) : process.stdout;
    for await (const line of job.results()) {
      if (!out.write(JSON.stringify(line) + '\n')) await once(out, 'drain');
    }
    if (outPath) await new Promise<void>((resolve, reject) => (out as ReturnType<typeof createWriteStream>).end((e?: Error | null) => (e ? reject(e) : resolve())));
    (bar as ProgressBar | null)?.finish();
    const p = job.progress;
    process.stderr.write(`submit: ${progressText(p)} in ${p.elapsedSeconds.toFixed(1)} s\n`);
    for (const f of job.failures) {
      process.stderr.write(`failed: job ${f.jobId} (${f.keys.length} item${f.keys.length === 1 ? '' : 's'}) [${f.code}] ${f.message} after ${f.attempts} attempt(s)\n`);
    }
    return job.failures.length ? 1 : 0;
  } finally {
    await q.close();
  }
}
