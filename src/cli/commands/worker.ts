/** `trt-landmarker worker`: runs one landmarker (one GPU) taking jobs from a Redis queue until SIGTERM/SIGINT. */
import { outOfRange } from '../../errors';
import { LandmarkWorker } from '../../queue/worker';
import { flag, parseArgs, usageError } from '../args';
import { MODEL_FLAGS, MODEL_USAGE, modelOptions } from '../model-options';

export const usage = `worker --redis redis://HOST:6379 --model m.onnx [options]   take landmark jobs from a Redis queue (docs/scale.md)
  --redis URL         redis://HOST:PORT[/DB] (rediss:// for TLS)
  --queue NAME        queue name (default landmarks); the worker listens on NAME.<model id>
${MODEL_USAGE}
  --device N          GPU index: sets CUDA_VISIBLE_DEVICES=N for this process (run one worker per GPU)
  --concurrency K     jobs at once (default 1)
  --lock-ms MS        a dead worker's job goes to another worker after MS (default 30000)
  --name NAME         worker name in results and logs (default host-pid-random)
SIGTERM or SIGINT: finish the jobs in hand, then exit; a second signal exits at once (the jobs in hand then
go to other workers after --lock-ms).`;

function intFlag(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw outOfRange(name, `an integer >= ${min}`, text);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: [...MODEL_FLAGS, 'redis', 'queue', 'device', 'concurrency', 'lock-ms', 'name'] });
  if (args.positional.length) throw usageError(`Unexpected argument "${args.positional[0]}"\n\n${usage}`);
  const redis = flag(args, 'redis');
  if (!redis) throw usageError(`worker needs --redis URL\n\n${usage}`);
  const landmarker = modelOptions(args, usage);
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const worker = await LandmarkWorker.start({
    redis,
    queue: flag(args, 'queue'),
    landmarker,
    device: intFlag('device', flag(args, 'device'), 0),
    concurrency: intFlag('concurrency', flag(args, 'concurrency'), 1),
    lockMs: intFlag('lock-ms', flag(args, 'lock-ms'), 1),
    name: flag(args, 'name'),
    log,
  });
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    log(signals === 1 ? `${sig}: finishing the jobs in hand, then exiting` : `${sig} again: exiting now`);
    void worker.close(signals > 1);
    if (signals > 1) process.exitCode = 1;
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const { info, identity } = worker;
  log(`worker ${worker.name} ready: queue ${worker.queue}, model ${identity.id} (onnx sha256 ${identity.onnxSha256.slice(0, 12)}, contract ${identity.contractSha256.slice(0, 12)}), ${info.backend} ${info.precision} (${info.reason})`);
  await worker.stopped;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  log(`worker ${worker.name} stopped`);
  return process.exitCode === 1 ? 1 : 0;
}
