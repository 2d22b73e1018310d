/**
 * Runs subjects under tinybench: tinybench schedules warm-up and the measured calls (at least `iterations` calls and
 * at least `timeMs` of calls); every measured call records its wall time (total) and the subject's own per-stage
 * split. Warm-up calls are dropped: the collectors reset when the 'run' phase starts.
 * Subjects that are compared with each other are measured in alternating rounds (interleave), so that drift in the
 * machine's state (other work, clocks) hits all of them alike instead of biasing whichever ran during a busy moment.
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
}

/** Raw per-call samples, from tinybench here or from the Python baseline's own loop. */
export interface RawSamples {
  stages: StageSample[];
  totals: number[];
}

export function measure(batch: number, raw: RawSamples): Measurement {
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

/** One tinybench task: warm-up, then the measured calls; returns their raw samples. */
export async function sampleSubject(subject: Subject, images: Buffer[], opts: RunOptions): Promise<RawSamples> {
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
  const result = bench.tasks[0].result;
  if (result.state === 'errored') throw result.error;
  return raw;
}

/**
 * Measures several subjects on the same batch in `rounds` alternating rounds (A B A B ...), each round with its own
 * warm-up and 1/rounds of the call and time budget; the samples of all rounds are pooled per subject.
 */
export async function interleave(subjects: Subject[], images: Buffer[], opts: RunOptions, rounds: number): Promise<Measurement[]> {
  const per: RunOptions = {
    ...opts,
    iterations: Math.max(1, Math.ceil(opts.iterations / rounds)),
    timeMs: opts.timeMs / rounds,
  };
  const pooled: RawSamples[] = subjects.map(() => ({ stages: [], totals: [] }));
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < subjects.length; i++) {
      const raw = await sampleSubject(subjects[i], images, per);
      pooled[i].stages.push(...raw.stages);
      pooled[i].totals.push(...raw.totals);
    }
  }
  return pooled.map((raw) => measure(images.length, raw));
}
