/**
 * Everything measured for one model: trt-landmarker on TensorRT (each precision alone), then the CPU pipelines
 * (trt-landmarker on ONNX Runtime and the hand-written Node pipeline) in alternating rounds so that both see the
 * same machine state, then PyTorch in its own process. Only one subject runs at any moment; an idle ONNX Runtime
 * session's threads stop spinning within microseconds of its last run, long before the other subject's call ends.
 */
import { openLandmarkModel } from '../src/model/open';
import type { ExportArch } from '../tools/onnx-export';
import type { Precision } from '../src/types';
import type { BenchConfig } from './args';
import { createHandwritten } from './handwritten';
import { syntheticFaceJpeg, type BenchImage } from './image';
import { createOurs, type OursSubject } from './ours';
import { runPytorchBaseline } from './pytorch';
import type { Agreement, ModelEntry, Row, SetupRow } from './result';
import { interleave, type Measurement, type RunOptions } from './runner';
import type { Subject } from './subject';

const log = (line: string): void => void process.stderr.write(line + '\n');

export interface ModelJob {
  name: string;
  path: string;
  config?: string;
  /** Set for the built-in architectures: the PyTorch baseline rebuilds the same weights from it. */
  arch?: ExportArch;
}

export interface JobContext {
  cfg: BenchConfig;
  image: BenchImage;
  run: RunOptions;
  /** ONNX Runtime intra-op threads for trt-landmarker; undefined: ONNX Runtime's default. */
  threads?: number;
  /** torch.set_num_threads for the PyTorch baseline. */
  torchThreads: number;
  oursConfigs: { backend: 'onnxruntime' | 'tensorrt'; precision: Precision }[];
  /** Interpreter with torch, when the PyTorch baseline runs. */
  python?: string;
}

export interface JobResult {
  model: ModelEntry;
  rows: Row[];
  setup: SetupRow[];
  agreement: Agreement[];
  notes: string[];
  versions: { tensorrt?: string; cuda?: string; python?: string; torch?: string };
}

/** All batch sizes for a group of subjects measured in alternating rounds (a group of one: just measured). */
async function benchGroup(subjects: Subject[], model: string, ctx: JobContext, rows: Row[], batches: number[]): Promise<void> {
  for (const batch of batches) {
    const images = Array.from({ length: batch }, () => ctx.image.jpeg);
    const ms: Measurement[] = await interleave(subjects, images, ctx.run, subjects.length > 1 ? ctx.cfg.rounds : 1);
    subjects.forEach((subject, i) => {
      const m = ms[i];
      log(`  ${subject.kind} ${subject.backend} batch ${batch}: p50 ${m.stages.total.p50.toFixed(2)} ms, ${m.throughput.toFixed(1)} img/s (n=${m.stages.total.n})`);
      rows.push({ model, subject: subject.kind, label: subject.label, backend: subject.backend, precision: subject.precision, batch, measurement: m });
    });
  }
}

function compareGeometry(model: string, pipeline: Agreement['pipeline'], ref: ArrayLike<number>, got: ArrayLike<number>, landmarks: number): Agreement {
  let maxAbsPx = 0;
  let sum = 0;
  for (let l = 0; l < landmarks; l++) {
    const dx = got[2 * l] - ref[2 * l];
    const dy = got[2 * l + 1] - ref[2 * l + 1];
    maxAbsPx = Math.max(maxAbsPx, Math.abs(dx), Math.abs(dy));
    sum += Math.hypot(dx, dy);
  }
  return { model, pipeline, maxAbsPx, meanPx: sum / landmarks };
}

export async function benchModel(job: ModelJob, ctx: JobContext): Promise<JobResult> {
  const { contract, contractSource: source } = openLandmarkModel(job.path, job.config);
  const out: JobResult = {
    model: {
      name: job.name,
      path: job.path,
      architecture: contract.architecture,
      landmarks: contract.landmarks,
      input: `${contract.input.width}x${contract.input.height} ${contract.input.colorOrder}`,
      contractSource: source,
    },
    rows: [],
    setup: [],
    agreement: [],
    notes: [],
    versions: {},
  };
  const L = contract.landmarks;
  // At exactly the model's input size no pipeline resamples, so all of them must find the same points (up to float
  // rounding and, for PyTorch, PIL's JPEG decoder): proof that the baselines compute what trt-landmarker computes.
  const agree = await syntheticFaceJpeg(contract.input.width, contract.input.height);
  const maxBatch = Math.max(...ctx.cfg.batches);
  let reference: Float32Array | undefined;
  // A model with a fixed batch dimension (e.g. 1) clamps trt-landmarker's maxBatch; larger batches cannot run at all.
  let batches = ctx.cfg.batches;
  const clampBatches = (limit: number) => {
    const skipped = batches.filter((b) => b > limit);
    if (skipped.length) out.notes.push(`${job.name}: batch ${skipped.join(', ')} skipped: the model accepts at most ${limit} per run`);
    batches = batches.filter((b) => b <= limit);
  };

  const cpu: Subject[] = [];
  try {
    for (const oc of ctx.oursConfigs) {
      log(`${job.name}: trt-landmarker ${oc.backend} ${oc.precision}`);
      let ours: OursSubject;
      try {
        ours = await createOurs({ model: job.path, config: job.config, ...oc, maxBatch, threads: ctx.threads });
      } catch (err) {
        // TensorRT loads here (probed) but this engine could not be made: report it and keep benchmarking the rest.
        if (oc.backend !== 'tensorrt') throw err;
        const e = err as Error & { code?: string };
        out.notes.push(`${job.name}: TensorRT ${oc.precision} rows skipped: ${e.code ? `[${e.code}] ` : ''}${e.message}`);
        continue;
      }
      out.setup.push({ model: job.name, subject: 'ours', backend: ours.backend, precision: ours.precision, setupMs: ours.setupMs, details: ours.details });
      out.versions.tensorrt ??= ours.landmarker.info.versions.tensorrt;
      out.versions.cuda ??= ours.landmarker.info.versions.cuda;
      clampBatches(ours.landmarker.info.maxBatch);
      if (ours.backend === 'onnxruntime') {
        reference = (await ours.landmarker.detect(agree.jpeg)).points;
        cpu.push(ours); // measured below, alternating with the hand-written pipeline
        continue;
      }
      try {
        await benchGroup([ours], job.name, ctx, out.rows, batches);
      } finally {
        await ours.dispose();
      }
    }
    if (ctx.cfg.baselines.includes('handwritten')) {
      const hand = await createHandwritten(job.path, contract);
      cpu.push(hand);
      out.setup.push({ model: job.name, subject: 'handwritten', backend: hand.backend, precision: hand.precision, setupMs: hand.setupMs, details: { note: 'session creation, default options' } });
      await hand.run([agree.jpeg]);
      if (reference && hand.lastPoints) out.agreement.push(compareGeometry(job.name, 'handwritten', reference, hand.lastPoints, L));
    }
    if (cpu.length) {
      log(`${job.name}: ${cpu.map((c) => c.label.split(':')[0]).join(' / ')}${cpu.length > 1 ? ` (${ctx.cfg.rounds} alternating rounds)` : ''}`);
      await benchGroup(cpu, job.name, ctx, out.rows, batches);
    }
  } finally {
    for (const c of cpu) await c.dispose();
  }

  if (ctx.python && job.arch) {
    log(`${job.name}: PyTorch eager (${ctx.python})`);
    let py: Awaited<ReturnType<typeof runPytorchBaseline>> | undefined;
    try {
      py = await runPytorchBaseline({
        python: ctx.python,
        modelPath: job.path,
        contract,
        weights: { arch: job.arch, seed: 0 },
        image: ctx.image.jpeg,
        agreeImage: agree.jpeg,
        batches,
        run: ctx.run,
        threads: ctx.torchThreads,
      });
    } catch (err) {
      out.notes.push(`${job.name}: PyTorch baseline skipped: ${(err as Error).message}`);
    }
    if (py) {
      out.versions.python = `${ctx.python} (Python ${py.versions.python})`;
      out.versions.torch = `${py.versions.torch} (${py.threads} threads; its default here: ${py.defaultThreads}), NumPy ${py.versions.numpy}, Pillow ${py.versions.pillow}`;
      const wc = py.weightsCheck;
      out.notes.push(`${job.name}: PyTorch vs ONNX weights check: ${wc.detail} (max |diff| ${wc.maxAbsDiff.toExponential(2)}, max |output| ${wc.maxAbsRef.toExponential(2)})`);
      out.setup.push({ model: job.name, subject: 'pytorch', backend: 'pytorch', precision: 'fp32', setupMs: py.setupMs, details: { note: 'model construction' } });
      if (reference && py.agreePoints) out.agreement.push(compareGeometry(job.name, 'pytorch', reference, py.agreePoints, L));
      if (wc.ok) {
        for (const m of py.measurements) {
          log(`  pytorch batch ${m.batch}: p50 ${m.stages.total.p50.toFixed(2)} ms, ${m.throughput.toFixed(1)} img/s (n=${m.stages.total.n})`);
          out.rows.push({ model: job.name, subject: 'pytorch', label: 'PyTorch eager + PIL/NumPy', backend: 'pytorch', precision: 'fp32', batch: m.batch, measurement: m });
        }
      } else {
        out.notes.push(`${job.name}: PyTorch rows dropped: its weights differ from the ONNX model's`);
      }
    }
  }
  return out;
}
