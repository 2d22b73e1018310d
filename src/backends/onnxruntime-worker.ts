/**
 * The ONNX Runtime session, run in a worker thread (one per OnnxRuntimePipeline, started by onnxruntime.ts).
 *
 * Why a thread: onnxruntime-node's InferenceSession.create and session.run execute synchronously on the calling
 * JS thread (a 150 ms PIPNet run is 150 ms of frozen event loop). Here they freeze only this thread; ORT still
 * spreads each run over its own intra-op threads. The main thread posts one request at a time (its queue is FIFO)
 * with the input's buffer transferred; the reply carries the requested outputs with their buffers transferred.
 * This module holds no policy: errors go back as plain messages and the main side turns them into
 * LandmarkerErrors with the package's codes.
 *
 * The graph's inputs/outputs are not asked of the session: the main thread reads them from the file once, when
 * it opens the model (src/model/open.ts), so both backends check a contract against the same facts (and older
 * onnxruntime-node releases, which lack inputMetadata/outputMetadata, would do too).
 *
 * Termination hazard (onnxruntime-node 1.30, measured): terminating this thread while it is inside ORT's native
 * code (loading the binding, InferenceSession.create, session.run) aborts the whole process ("terminate called
 * after throwing an instance of 'Napi::Error'", SIGABRT) when ORT returns into the dying isolate; that includes
 * the implicit termination by process.exit(). So every native call here is bracketed by a BUSY flag in shared
 * memory, and a STOP flag set by the main thread keeps new native calls from starting; the main thread waits for
 * BUSY to clear before anything terminates this thread (onnxruntime-thread.ts). Idle termination is safe.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type * as Ort from 'onnxruntime-common';
import { loadOrt } from './ort-module';

export interface OrtWorkerInit {
  modelPath: string;
  /** Intra-op threads (ORT's default when absent). */
  threads?: number;
  /** Int32Array(2) over it: [BUSY, STOP] (see the file comment). */
  control: SharedArrayBuffer;
}

export const CONTROL_BUSY = 0;
export const CONTROL_STOP = 1;

export type ToOrtWorker =
  | { type: 'run'; id: number; inputName: string; input: Float32Array; dims: number[]; outputNames: string[] }
  | { type: 'dispose' };

/** One output as it crosses back: `data` is absent unless the output is a numeric tensor. */
export interface OrtWorkerOutput {
  name: string;
  type: string;
  dims: number[];
  data?: Float32Array;
}

export type FromOrtWorker =
  | { type: 'ready' }
  | { type: 'load-error'; message: string }
  | { type: 'result'; id: number; outputs: OrtWorkerOutput[]; coreMs: number }
  | { type: 'run-error'; id: number; message: string }
  | { type: 'released' };

/** Posts a result, transferring the outputs' buffers; copies an output whose buffer cannot move (shared, partial). */
function postResult(port: MessagePort, id: number, out: Ort.InferenceSession.ReturnType, names: string[], coreMs: number): void {
  const outputs: OrtWorkerOutput[] = names.map((name) => {
    const t = out[name];
    if (!t) return { name, type: 'missing', dims: [] };
    const d = t.type === 'float32' ? (t.data as Float32Array) : undefined;
    return { name, type: t.type, dims: [...t.dims], ...(d ? { data: d } : {}) };
  });
  const whole = (a: Float32Array) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer;
  for (const o of outputs) if (o.data && !whole(o.data)) o.data = o.data.slice();
  const msg: FromOrtWorker = { type: 'result', id, outputs, coreMs };
  // Two outputs may share one buffer: transfer each buffer once.
  const transfer = [...new Set(outputs.flatMap((o) => (o.data ? [o.data.buffer as ArrayBuffer] : [])))];
  try {
    port.postMessage(msg, transfer);
  } catch {
    // ORT's buffer may be external and marked untransferable: copy into fresh ArrayBuffers (a few hundred KB).
    for (const o of outputs) if (o.data) o.data = o.data.slice();
    port.postMessage(msg, outputs.flatMap((o) => (o.data ? [o.data.buffer as ArrayBuffer] : [])));
  }
}

const STOPPED = Symbol('stopped');

async function main(port: MessagePort, init: OrtWorkerInit): Promise<void> {
  const control = new Int32Array(init.control);
  /** Runs fn (which enters ORT's native code) unless the main thread has asked this thread to stop. */
  const native = async <T>(fn: () => T | Promise<T>): Promise<T | typeof STOPPED> => {
    Atomics.store(control, CONTROL_BUSY, 1);
    try {
      return Atomics.load(control, CONTROL_STOP) ? STOPPED : await fn();
    } finally {
      Atomics.store(control, CONTROL_BUSY, 0);
      Atomics.notify(control, CONTROL_BUSY);
    }
  };
  let ort: typeof Ort;
  let session: Ort.InferenceSession;
  try {
    const loaded = await native(() => loadOrt());
    if (loaded === STOPPED) return;
    ort = loaded;
    const created = await native(() =>
      ort.InferenceSession.create(init.modelPath, {
        executionProviders: ['cpu'],
        logSeverityLevel: 3,
        graphOptimizationLevel: 'all',
        ...(init.threads ? { intraOpNumThreads: init.threads } : {}),
      }),
    );
    if (created === STOPPED) return;
    session = created;
  } catch (err) {
    port.postMessage({ type: 'load-error', message: (err as Error).message } satisfies FromOrtWorker);
    port.close();
    return;
  }
  port.postMessage({ type: 'ready' } satisfies FromOrtWorker);

  // The main thread sends one request at a time; the chain keeps order even if a later ORT ran asynchronously.
  let chain = Promise.resolve();
  port.on('message', (m: ToOrtWorker) => {
    chain = chain.then(async () => {
      if (m.type === 'run') {
        try {
          const t0 = performance.now();
          const tensor = new ort.Tensor('float32', m.input, m.dims);
          const out = await native(() => session.run({ [m.inputName]: tensor }, m.outputNames));
          // Once asked to stop, results are dropped: the main thread is about to end this thread.
          if (out !== STOPPED && !Atomics.load(control, CONTROL_STOP)) postResult(port, m.id, out, m.outputNames, performance.now() - t0);
        } catch (err) {
          port.postMessage({ type: 'run-error', id: m.id, message: (err as Error).message } satisfies FromOrtWorker);
        }
      } else {
        await native(() => session.release()).catch(() => undefined);
        port.postMessage({ type: 'released' } satisfies FromOrtWorker);
        // Nothing else keeps this thread alive: it exits with code 0.
        port.close();
      }
    });
  });
}

if (parentPort && workerData?.ort) void main(parentPort, workerData.ort as OrtWorkerInit);
