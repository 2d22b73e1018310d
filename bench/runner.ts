/**
 * Runs one subject at one batch size under tinybench: tinybench schedules warm-up and the measured iterations
 * (at least `iterations` calls and at least `timeMs` of calls); every measured call records its wall time (total)
 * and the subject's own per-stage split. Warm-up calls are dropped: the collectors reset when the 'run' phase starts.
 */
import type * as Tinybench from 'tinybench';
import { STAGES, type Stage, type StageSample, type Subject } from './subject';
import { summarize, type Summary } from './stats';

export interface RunOptions {
  iterations: number;
  timeMs: number;
  warmupIterations: number;
  warmupMs: number;
}

export interface Measurement {
  batch: number;
  /**
   * Per-call milliseconds for the whole batch. Derived per call: 'outside' = total - inference (everything but the
   * model run, image decode included); 'overhead' = total - inference - decode (what the pipeline adds around the
   * model for an already decoded frame, e.g. a camera frame).
   */
  stages: Record<Stage | 'other' | 'outside' | 'overhead' | 'total', Summary>;
  /** Share of the wall time spent outside the model run: p50(total - inference) / p50(total). */
  outsideInference: number;
  /** Same without image decode: p50(total - inference - decode) / p50(total). */
  overheadShare: number;
  /** Milliseconds per image outside the model run: p50(total - inference) / batch. */
  outsidePerImageMs: number;
  /** Milliseconds per image around the model, image decode excluded: p50(total - inference - decode) / batch. */
  overheadPerImageMs: number;
  /** Images per second from the mean wall time per call. */
  throughput: number;
  /** tinybench's relative margin of error of the mean call time, percent. */
  rme: number;
}

/** Raw per-call samples, from tinybench here or from the Python baseline's own loop. */
export interface RawSamples {
  stages: StageSample[];
  totals: number[];
}

export function measure(batch: number, raw: RawSamples, rme = NaN): Measurement {
  const per = (f: (s: StageSample, i: number) => number) => summarize(raw.stages.map(f));
  const stages = {} as Measurement['stages'];
  for (const st of STAGES) stages[st] = per((s) => s[st]);
  // 'other': wall time no stage accounts for (JS glue, promise hops, copies between stages).
  stages.other = per((s, i) => Math.max(0, raw.totals[i] - STAGES.reduce((a, st) => a + s[st], 0)));
  stages.outside = per((s, i) => raw.totals[i] - s.inference);
  stages.overhead = per((s, i) => raw.totals[i] - s.inference - s.decode);
  stages.total = summarize(raw.totals);
  return {
    batch,
    stages,
    outsideInference: stages.outside.p50 / stages.total.p50,
    overheadShare: stages.overhead.p50 / stages.total.p50,
    outsidePerImageMs: stages.outside.p50 / batch,
    overheadPerImageMs: stages.overhead.p50 / batch,
    throughput: (1000 * batch) / stages.total.mean,
    rme,
  };
}

type TinybenchModule = typeof Tinybench;
let tinybench: Promise<TinybenchModule> | undefined;

/**
 * tinybench 6 is an ES module. This package compiles to CommonJS, where TypeScript would turn import() into
 * require(), which only loads ES modules from Node 20.19 on; a real dynamic import works on every Node 20.
 */
function loadTinybench(): Promise<TinybenchModule> {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  tinybench ??= (new Function('specifier', 'return import(specifier)') as (s: string) => Promise<TinybenchModule>)('tinybench');
  return tinybench;
}

export async function benchSubject(subject: Subject, images: Buffer[], opts: RunOptions): Promise<Measurement> {
  const { Bench } = await loadTinybench();
  let raw: RawSamples = { stages: [], totals: [] };
  const bench = new Bench({
    time: opts.timeMs,
    iterations: opts.iterations,
    warmupTime: opts.warmupMs,
    warmupIterations: opts.warmupIterations,
    throws: true,
  });
  bench.add(
    subject.label,
    async () => {
      const t0 = performance.now();
      const s = await subject.run(images);
      raw.totals.push(performance.now() - t0);
      raw.stages.push(s);
    },
    {
      beforeAll(mode) {
        if (mode === 'run') raw = { stages: [], totals: [] };
      },
    },
  );
  await bench.run();
  const task = bench.tasks[0];
  const result = task.result;
  if (result.state === 'errored') throw result.error;
  const rme = 'latency' in result ? result.latency.rme : NaN;
  return measure(images.length, raw, rme);
}
