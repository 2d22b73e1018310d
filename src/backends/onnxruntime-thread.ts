/**
 * The main thread's handle on an ONNX Runtime session living in a worker thread (onnxruntime-worker.ts says why).
 *
 * - open() starts the thread, which creates the session (the graph was read and checked against its contract
 *   before, by src/model/open.ts); it rejects with ERR_MODEL_LOAD ("ONNX Runtime cannot load <path>: <ORT's
 *   message>") when ORT cannot.
 * - run() requests are queued FIFO and posted one at a time; the input's buffer is transferred, not copied.
 *   A session.run failure rejects that call with ERR_INFERENCE and ORT's message.
 * - If the thread dies (crash, terminate()), the request in flight and every queued one reject with ERR_INFERENCE
 *   naming the exit code, and so does every later run(): the handle is unusable from then on.
 * - close() runs after the queued work, releases the session in the thread and resolves when the thread is gone.
 *   Its owner (the facade, through a pipeline or the detector) calls run() only before close(): a later run() is
 *   a bug, ERR_INTERNAL.
 * - The thread keeps the process alive only while work is queued or running (ref/unref): an undisposed landmarker
 *   lets the process exit once idle, but never in the middle of a call.
 * - Nothing here terminates the thread while it is inside ORT's native code, which would abort the process
 *   (onnxruntime-worker.ts): close() lets it end by itself, terminate() waits for the native call to return, and on
 *   process.exit() an 'exit' hook stops every thread from starting native work and waits (bounded) for the calls
 *   under way to return before Node tears the threads down.
 */
import { performance } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import { LandmarkerError } from '../errors';
import { startWorker } from '../util/worker';
import { ortLocation } from './ort-module';
import { CONTROL_BUSY, CONTROL_STOP, type FromOrtWorker, type OrtWorkerInit, type OrtWorkerOutput, type ToOrtWorker } from './onnxruntime-worker';

export interface OrtRunResult {
  outputs: OrtWorkerOutput[];
  /** Milliseconds from posting the request to receiving the reply (includes both message hops). */
  ms: number;
  /** Milliseconds session.run took inside the thread. */
  coreMs: number;
}

interface RunRequest {
  kind: 'run';
  id: number;
  inputName: string;
  input: Float32Array;
  dims: number[];
  outputNames: string[];
  resolve: (r: OrtRunResult) => void;
  reject: (e: Error) => void;
  posted?: number;
}
interface CloseRequest {
  kind: 'close';
}

/** On process exit, the longest wait for a native ORT call under way to return (one session.run, normally). */
const EXIT_WAIT_MS = 10_000;

/** Threads not yet exited; the process 'exit' hook is installed while there are any. */
const live = new Set<OrtThread>();

function onProcessExit(): void {
  for (const t of live) t.stopNative();
  const deadline = Date.now() + EXIT_WAIT_MS;
  for (const t of live) t.waitNativeSync(deadline);
}

function track(t: OrtThread, alive: boolean): void {
  if (alive) {
    if (live.size === 0) process.on('exit', onProcessExit);
    live.add(t);
  } else if (live.delete(t) && live.size === 0) {
    process.off('exit', onProcessExit);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class OrtThread {
  private readonly queue: Array<RunRequest | CloseRequest> = [];
  private current: RunRequest | null = null;
  private nextId = 1;
  private failure: LandmarkerError | null = null;
  private lastError: Error | null = null;
  private closing: Promise<void> | null = null;
  private readonly exited: Promise<number>;
  private settleOpen: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private gone = false;

  private constructor(
    private readonly worker: Worker,
    private readonly control: Int32Array,
    readonly modelPath: string,
  ) {
    track(this, true);
    this.exited = new Promise((resolve) => worker.once('exit', (code: number) => resolve(code)));
    worker.on('message', (m: FromOrtWorker) => this.onMessage(m));
    // An uncaught error inside the thread: it exits next, and the exit handler reports it.
    worker.on('error', (err: Error) => (this.lastError = err));
    void this.exited.then((code) => this.onExit(code));
  }

  static async open(modelPath: string, threads?: number): Promise<OrtThread> {
    ortLocation(); // ERR_BACKEND_UNAVAILABLE here, with its code, rather than as a load error from the thread
    const control = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
    const init: OrtWorkerInit = { modelPath, control, ...(threads ? { threads } : {}) };
    const worker = startWorker(__dirname, 'onnxruntime-worker', 'ONNX Runtime worker', { ort: init });
    const t = new OrtThread(worker, new Int32Array(control), modelPath);
    try {
      await new Promise<void>((resolve, reject) => (t.settleOpen = { resolve, reject }));
    } catch (err) {
      await t.terminate();
      throw err;
    }
    t.worker.unref();
    return t;
  }

  /** One session.run; see the file comment. `input` is detached by the call (its buffer moves to the thread). */
  run(inputName: string, input: Float32Array, dims: number[], outputNames: string[]): Promise<OrtRunResult> {
    if (this.closing) return Promise.reject(new LandmarkerError('ERR_INTERNAL', `run() after close() of the ONNX Runtime thread for ${this.modelPath}`));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ kind: 'run', id: this.nextId++, inputName, input, dims, outputNames, resolve, reject });
      this.pump();
    });
  }

  /** Idempotent: lets queued runs finish, releases the session and ends the thread. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.failure) {
        this.queue.push({ kind: 'close' });
        this.pump();
      }
      await this.exited;
    })();
    return this.closing;
  }

  /** False once the thread has exited (after close(), a crash or terminate()). */
  get running(): boolean {
    return !this.gone;
  }

  /**
   * Ends the thread as a crash would: the run in flight is abandoned and every pending call rejects with
   * ERR_INFERENCE (tests use it). A native ORT call under way is let return first (see the file comment).
   */
  async terminate(): Promise<number> {
    this.stopNative();
    while (!this.gone && Atomics.load(this.control, CONTROL_BUSY) === 1) await sleep(1);
    await this.worker.terminate();
    return this.exited;
  }

  /** From now on the thread starts no native ORT call and drops results (process exit, terminate()). */
  stopNative(): void {
    Atomics.store(this.control, CONTROL_STOP, 1);
  }

  /** Blocks until no native ORT call is under way in the thread, or until `deadline` (Date.now() ms). */
  waitNativeSync(deadline: number): void {
    while (!this.gone && Atomics.load(this.control, CONTROL_BUSY) === 1) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      Atomics.wait(this.control, CONTROL_BUSY, 1, left);
    }
  }

  /** Posts the next request when none is in flight; keeps the process alive exactly while there is work. */
  private pump(): void {
    if (this.current || this.failure) return;
    const next = this.queue.shift();
    if (!next) {
      this.worker.unref();
      return;
    }
    this.worker.ref();
    if (next.kind === 'close') {
      this.post({ type: 'dispose' });
      return;
    }
    this.current = next;
    let input = next.input;
    // Transfer needs a plain ArrayBuffer covered exactly by the view; anything else is copied first.
    if (!(input.buffer instanceof ArrayBuffer) || input.byteOffset !== 0 || input.byteLength !== input.buffer.byteLength) input = input.slice();
    const msg: ToOrtWorker = { type: 'run', id: next.id, inputName: next.inputName, input, dims: next.dims, outputNames: next.outputNames };
    next.posted = performance.now();
    try {
      this.worker.postMessage(msg, [input.buffer as ArrayBuffer]);
    } catch {
      // An untransferable buffer (e.g. from a pool): copy.
      const copy = input.slice();
      this.worker.postMessage({ ...msg, input: copy }, [copy.buffer]);
    }
  }

  private post(m: ToOrtWorker): void {
    this.worker.postMessage(m);
  }

  private onMessage(m: FromOrtWorker): void {
    switch (m.type) {
      case 'ready':
        this.settleOpen?.resolve();
        this.settleOpen = null;
        break;
      case 'load-error':
        this.settleOpen?.reject(new LandmarkerError('ERR_MODEL_LOAD', `ONNX Runtime cannot load ${this.modelPath}: ${m.message}`, { cause: new Error(m.message) }));
        this.settleOpen = null;
        break;
      case 'result':
      case 'run-error': {
        const c = this.current;
        if (!c || c.id !== m.id) break; // cannot happen: one request in flight, replies in order
        this.current = null;
        if (m.type === 'result') c.resolve({ outputs: m.outputs, coreMs: m.coreMs, ms: performance.now() - c.posted! });
        else c.reject(new LandmarkerError('ERR_INFERENCE', `ONNX Runtime failed running ${this.modelPath}: ${m.message}`, { cause: new Error(m.message) }));
        this.pump();
        break;
      }
      case 'released':
        break; // the thread exits next; close() waits for that
    }
  }

  private onExit(code: number): void {
    this.gone = true;
    track(this, false);
    const why = `exited with code ${code}${this.lastError ? ` (${this.lastError.message})` : ''}`;
    if (this.settleOpen) {
      this.settleOpen.reject(new LandmarkerError('ERR_MODEL_LOAD', `ONNX Runtime cannot load ${this.modelPath}: its worker thread ${why}`, { cause: this.lastError ?? undefined }));
      this.settleOpen = null;
    }
    this.failure = new LandmarkerError(
      'ERR_INFERENCE',
      `The ONNX Runtime worker thread for ${this.modelPath} ${why}; this landmarker cannot run anymore (dispose it and create a new one)`,
      { cause: this.lastError ?? undefined },
    );
    const pending = [...(this.current ? [this.current] : []), ...this.queue.filter((r): r is RunRequest => r.kind === 'run')];
    this.current = null;
    this.queue.length = 0;
    for (const r of pending) r.reject(this.failure);
  }
}
