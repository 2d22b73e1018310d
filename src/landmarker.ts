/**
 * The public facade: validates arguments, opens the model (src/model/open.ts), picks a backend, decodes images,
 * runs batches and shapes results. It alone tracks work in flight: pipelines and the detector offer run and close,
 * and dispose() waits for that work and then closes each once.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from './backends/select';
import { track as trackFrames, type TrackOptions, type TrackResult } from './capture/track';
import type { CaptureSourceSpec } from './capture/ffmpeg-args';
import { FfmpegSource } from './capture/ffmpeg-source';
import { trackFaces as trackFaceFrames, type FaceTrackOptions, type FaceTrackResult } from './capture/track-faces';
import type { LandmarkPipeline, PipelineOutput } from './backends/pipeline';
import { ORT_VERSION } from './backends/onnxruntime';
import type { ModelContract } from './contract/types';
import { invalidType, invalidValue, LandmarkerError, outOfRange } from './errors';
import { computeCrop } from './input/crop';
import { checkInput, decodeInput } from './input/decode';
import { checkBoxShape, isRawFrameLike, NATIVE_CHANNELS, validateBox } from './input/validate';
import { loadAddon } from './native/loader';
import { DetectorSlot, type DetectorBackend } from './detector/slot';
import { landmarkBox, validateFaceOptions } from './detector/faces';
import { openPhoto, pointsToPhoto, toScaled } from './detector/photo';
import { defaultDetectorFiles, defaultLandmarkFiles } from './bundled-models';
import { openLandmarkModel } from './model/open';
import { DisposeGate } from './util/dispose-gate';
import { findNonFinite } from './util/finite';
import type { NativeCrop, NativeFrame } from './native/addon';
import type { Backend, BatchItem, Box, CreateOptions, DetectFacesOptions, DetectOptions, DetectorOption, Face, ImageInput, LandmarkerInfo, LandmarkResult, Precision, RuntimeInfo } from './types';

export const MAX_BATCH_LIMIT = 256;
const DEFAULT_MAX_BATCH = 8;
const BACKENDS: readonly Backend[] = ['auto', 'tensorrt', 'onnxruntime'];
const PRECISIONS: readonly Precision[] = ['fp16', 'fp32'];
const OPTION_KEYS = ['model', 'backend', 'precision', 'maxBatch', 'cacheDir', 'config', 'threads', 'onProgress', 'detector'];
const DETECT_OPTION_KEYS = ['box'];

interface ValidOptions {
  model: string;
  backend: Backend;
  precision: Precision;
  explicitPrecision: boolean;
  maxBatch: number;
  cacheDir: string;
  config?: ModelContract | string;
  threads?: number;
  onProgress?: CreateOptions['onProgress'];
  /** null: no detector (detector: false). explicit: the user named it (opened in create()). */
  detector: { model: string; config: string | object; explicit: boolean } | null;
}

function detectorOption(v: unknown): ValidOptions['detector'] {
  if (v === undefined) return { ...defaultDetectorFiles(), explicit: false };
  if (v === false) return null;
  const expected = 'false or { model: path of an ONNX face detector, config?: its contract object or JSON path }';
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidType('detector', expected, v);
  const d = v as Record<string, unknown>;
  for (const k of Object.keys(d)) if (k !== 'model' && k !== 'config') throw invalidValue('detector', 'only the keys model, config', `key ${k}`);
  if (typeof d.model !== 'string' || d.model.length === 0) throw invalidType('detector.model', 'a path to an ONNX file', d.model);
  const c = d.config;
  if (c !== undefined && typeof c !== 'string' && (typeof c !== 'object' || c === null || Array.isArray(c))) {
    throw invalidType('detector.config', 'a detector contract object or the path of its JSON file', c);
  }
  // Without a config the detector's sidecar <model>.json is its contract.
  return { model: d.model, config: (c as string | object | undefined) ?? d.model.replace(/(\.onnx)?$/i, '.json'), explicit: true };
}

function enumOption<T extends string>(name: string, v: unknown, values: readonly T[], def: T): T {
  if (v === undefined) return def;
  const expected = values.map((x) => `"${x}"`).join(', ');
  if (typeof v !== 'string') throw invalidType(name, `one of ${expected}`, v);
  if (!(values as readonly string[]).includes(v)) throw invalidValue(name, `one of ${expected}`, v);
  return v as T;
}

function intOption(name: string, v: unknown, max: number): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number') throw invalidType(name, `a positive integer <= ${max}`, v);
  if (!Number.isInteger(v) || v < 1 || v > max) throw outOfRange(name, `a positive integer <= ${max}`, v);
  return v;
}

export function validateOptions(options: unknown = {}): ValidOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw invalidType('options', 'an object', options);
  const o = options as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!OPTION_KEYS.includes(k)) throw invalidValue('options', `only the options ${OPTION_KEYS.join(', ')}`, `option ${k}`);
  }
  if (o.model !== undefined && (typeof o.model !== 'string' || o.model.length === 0)) throw invalidType('model', 'a path to an ONNX file', o.model);
  if (o.cacheDir !== undefined && (typeof o.cacheDir !== 'string' || o.cacheDir.length === 0)) {
    throw invalidType('cacheDir', 'a directory path string', o.cacheDir);
  }
  const c = o.config;
  if (c !== undefined && typeof c !== 'string' && (typeof c !== 'object' || c === null || Array.isArray(c))) {
    throw invalidType('config', 'a contract object or the path of a contract JSON file', c);
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw invalidType('onProgress', 'a function', o.onProgress);
  if (o.model === undefined && c !== undefined) throw invalidValue('config', 'no config without a model (the default model brings its own contract)', c);
  // No model: the shipped default and its contract (models/default, models/contracts).
  const defaults = o.model === undefined ? defaultLandmarkFiles() : undefined;
  return {
    model: (o.model as string | undefined) ?? defaults!.model,
    backend: enumOption('backend', o.backend, BACKENDS, 'auto'),
    precision: enumOption('precision', o.precision, PRECISIONS, 'fp16'),
    explicitPrecision: o.precision !== undefined,
    maxBatch: intOption('maxBatch', o.maxBatch, MAX_BATCH_LIMIT) ?? DEFAULT_MAX_BATCH,
    cacheDir: (o.cacheDir as string | undefined) ?? process.env.TRT_LANDMARKER_CACHE ?? join(homedir(), '.cache', 'trt-landmarker'),
    config: (c as ModelContract | string | undefined) ?? defaults?.config,
    threads: intOption('threads', o.threads, 1024),
    onProgress: o.onProgress as CreateOptions['onProgress'],
    detector: detectorOption(o.detector),
  };
}

/** Splits a batch entry into image and box (BatchItem {input, box} or a bare ImageInput). */
function batchEntry(item: unknown, i: number): { input: unknown; box: unknown; name: string; boxName: string } {
  if (typeof item === 'object' && item !== null && !Buffer.isBuffer(item) && !isRawFrameLike(item) && 'input' in item) {
    const b = item as Partial<BatchItem>;
    return { input: b.input, box: b.box, name: `items[${i}].input`, boxName: `items[${i}].box` };
  }
  return { input: item, box: undefined, name: `items[${i}]`, boxName: `items[${i}].box` };
}

export class TrtLandmarker implements AsyncDisposable {
  readonly info: LandmarkerInfo;
  private readonly gate = new DisposeGate('This TrtLandmarker has been disposed');
  /** Captures started by track() and not yet finished; dispose() stops them. */
  private readonly captures = new Set<FfmpegSource>();

  private constructor(
    private readonly pipeline: LandmarkPipeline,
    readonly contract: ModelContract,
    info: LandmarkerInfo,
    private readonly detector: DetectorSlot | null,
  ) {
    this.info = Object.freeze(info);
  }

  /** `options.model` omitted: the shipped default model (and face detector); see docs/api.md. */
  static async create(options?: CreateOptions): Promise<TrtLandmarker> {
    const o = validateOptions(options);
    const model = openLandmarkModel(o.model, o.config);
    const c = model.contract;
    const selecting = selectBackend(o.backend, model, o);
    // The detector runs on the backend the landmark model got: ONNX Runtime, or TensorRT on the probed GPU.
    const detectorBackend = selecting.then((s): DetectorBackend =>
      s.gpu ? { backend: 'tensorrt', gpu: s.gpu, cacheDir: o.cacheDir, onProgress: o.onProgress } : { backend: 'onnxruntime', threads: o.threads },
    );
    const [selected, detector] = await Promise.allSettled([
      selecting,
      o.detector ? DetectorSlot.create(o.detector.model, o.detector.config, o.detector.explicit, detectorBackend) : Promise.resolve(null),
    ]);
    if (selected.status === 'rejected' || detector.status === 'rejected') {
      if (selected.status === 'fulfilled') await selected.value.pipeline.close();
      if (detector.status === 'fulfilled') await detector.value?.close();
      throw selected.status === 'rejected' ? selected.reason : (detector as PromiseRejectedResult).reason;
    }
    const sel = selected.value;
    const det = detector.value;
    const build = loadAddon().buildInfo();
    const pv = sel.pipeline.versions;
    const info: LandmarkerInfo = {
      backend: sel.pipeline.backend,
      reason: sel.reason,
      precision: sel.pipeline.precision,
      architecture: c.architecture,
      inputWidth: c.input.width,
      inputHeight: c.input.height,
      landmarks: c.landmarks,
      maxBatch: sel.pipeline.maxBatch,
      model: o.model,
      contractSource: model.contractSource,
      ...(det ? { detector: { model: det.model, backend: sel.pipeline.backend, inputWidth: det.contract.input.width, inputHeight: det.contract.input.height } } : {}),
      versions: {
        node: process.versions.node,
        addon: build.version,
        addonVariant: build.variant,
        onnxruntime: pv.onnxruntime ?? ORT_VERSION,
        ...(pv.tensorrt ? { tensorrt: pv.tensorrt } : {}),
        ...(pv.cuda ?? build.cudaVersion ? { cuda: pv.cuda ?? build.cudaVersion } : {}),
      },
    };
    return new TrtLandmarker(sel.pipeline, c, info, det);
  }

  /** What changes while this landmarker runs: the CUDA graph status and GPU memory (TensorRT); {} otherwise. */
  runtimeInfo(): RuntimeInfo {
    return this.pipeline.runtimeInfo?.() ?? {};
  }

  /** Landmarks for one image. `options.box`: face box [x, y, w, h], cropped by the model's crop policy. */
  detect(input: ImageInput, options?: DetectOptions): Promise<LandmarkResult> {
    return this.gate.run(async () => {
      if (options !== undefined && (typeof options !== 'object' || options === null)) throw invalidType('options', 'an object', options);
      for (const k of Object.keys(options ?? {})) {
        if (!DETECT_OPTION_KEYS.includes(k)) throw invalidValue('options', `only the options ${DETECT_OPTION_KEYS.join(', ')} (every face in a photo: detectFaces())`, `option ${k}`);
      }
      checkInput(input, 'input');
      if (options?.box !== undefined) checkBoxShape(options.box, 'box');
      const [r] = await this.runBatch([{ input, box: options?.box, name: 'input', boxName: 'box' }]);
      return r;
    });
  }

  /** One batched inference for up to info.maxBatch images (each an ImageInput or {input, box}). */
  detectBatch(inputs: Array<ImageInput | BatchItem>): Promise<LandmarkResult[]> {
    return this.gate.run(async () => {
      if (!Array.isArray(inputs)) throw invalidType('items', 'an array of images or {input, box} items', inputs);
      const max = this.info.maxBatch;
      if (inputs.length > max) throw outOfRange('items', `at most ${max} image${max === 1 ? '' : 's'} (maxBatch is ${max})`, inputs);
      if (inputs.length === 0) return [];
      const entries = inputs.map(batchEntry);
      for (const e of entries) {
        checkInput(e.input, e.name);
        if (e.box !== undefined) checkBoxShape(e.box, e.boxName);
      }
      return this.runBatch(entries);
    });
  }

  /**
   * Every face in the image (best detection score first, at most `maxFaces`): the detector's box and score and the
   * landmarks fitted in that box (through the model contract's detectorBox map). No face: an empty array.
   */
  detectFaces(input: ImageInput, options?: DetectFacesOptions): Promise<Face[]> {
    return this.gate.run(async () => {
      if (!this.detector) {
        throw new LandmarkerError('ERR_BACKEND_UNAVAILABLE', 'This TrtLandmarker was created with `detector: false`: detectFaces() needs a face detector');
      }
      const opts = validateFaceOptions(options, this.detector.contract.minScore);
      checkInput(input, 'input');
      // Large JPEGs: the detector sees a DCT-scaled decode, the landmark model a decode of the face rows (photo.ts).
      const { width: dw, height: dh } = this.detector.contract.input;
      const photo = await openPhoto(input, dw, dh);
      this.gate.assertOpen();
      const det = photo.detection;
      const detector = await this.detector.get();
      this.gate.assertOpen();
      const { faces } = await detector.detect(det.frame, { ...opts, minFaceSize: opts.minFaceSize / Math.min(det.kx, det.ky) });
      const boxes = faces.map((f): Box => [(f.box[0] + det.ox) * det.kx, (f.box[1] + det.oy) * det.ky, f.box[2] * det.kx, f.box[3] * det.ky]);
      const crops = boxes.map((b) => computeCrop(landmarkBox(b, this.contract.detectorBox), this.contract.crop, photo.width, photo.height));
      if (crops.length === 0) return [];
      const srcs = await photo.faceFrames(crops, Math.min(this.contract.input.width, this.contract.input.height));
      this.gate.assertOpen();
      const results = await this.runFrames(srcs.map((s) => s.frame), crops.map((c, i) => toScaled(c, srcs[i])));
      return faces.map((f, i) => ({
        box: boxes[i],
        score: f.score,
        points: pointsToPhoto(results[i].points, srcs[i]),
        ...(results[i].scores ? { scores: results[i].scores } : {}),
        landmarks: results[i].landmarks,
        crop: { ...crops[i] },
      }));
    });
  }

  private async runBatch(entries: Array<{ input: unknown; box: unknown; name: string; boxName: string }>): Promise<LandmarkResult[]> {
    const t0 = performance.now();
    const decoded = await Promise.all(entries.map((e) => decodeInput(e.input, e.name)));
    this.gate.assertOpen();
    const frames: NativeFrame[] = [];
    const crops: NativeCrop[] = [];
    entries.forEach((e, i) => {
      const f = decoded[i].frame;
      const box = e.box === undefined ? undefined : validateBox(e.box, e.boxName, f.width, f.height);
      frames.push(f);
      crops.push(computeCrop(box as Box | undefined, this.contract.crop, f.width, f.height));
    });
    // A raw frame's buffer detached or resized by the caller after it was validated (while the call waited for
    // decoding or for the backend's queue): said in the caller's words rather than the addon's.
    const checkFrames = () =>
      frames.forEach((f, i) => {
        const bytes = f.width * f.height * NATIVE_CHANNELS[f.format];
        if (f.data.length !== bytes) {
          throw outOfRange(`${entries[i]!.name}.data`, `the ${bytes} bytes it had when the call was made (its buffer was detached or resized before the call started)`, f.data);
        }
      });
    checkFrames();
    let out: Awaited<ReturnType<TrtLandmarker['runFrames']>>;
    try {
      out = await this.runFrames(frames, crops);
    } catch (err) {
      checkFrames();
      throw err;
    }
    const total = performance.now() - t0;
    return out.map((r, i) => ({ ...r, timings: { decode: decoded[i].decodeMs, ...r.timings, total } }));
  }

  /** Landmarks for decoded frames and their crop windows, in batches of at most maxBatch. */
  private async runFrames(frames: NativeFrame[], crops: NativeCrop[]): Promise<Array<Omit<LandmarkResult, 'timings'> & { timings: Omit<LandmarkResult['timings'], 'decode' | 'total'> }>> {
    const L = this.contract.landmarks;
    const results = [];
    for (let s = 0; s < frames.length; s += this.info.maxBatch) {
      const fs = frames.slice(s, s + this.info.maxBatch);
      const cs = crops.slice(s, s + this.info.maxBatch);
      const out = await this.pipeline.run(fs, cs);
      this.checkFinite(out);
      results.push(...fs.map((f, i) => ({
        points: out.points.slice(i * L * 2, (i + 1) * L * 2),
        ...(out.scores ? { scores: out.scores.slice(i * L, (i + 1) * L) } : {}),
        landmarks: L,
        width: f.width,
        height: f.height,
        crop: { ...cs[i] },
        timings: out.timings,
      })));
    }
    return results;
  }

  /** Results are finite or the call fails: the backend checks its model outputs; this catches what is left. */
  private checkFinite(out: PipelineOutput): void {
    const L = this.contract.landmarks;
    const bad = findNonFinite(out.points, 2 * L) ?? (out.scores ? findNonFinite(out.scores, L) : undefined);
    if (bad) {
      const outputs = this.contract.pipnet ? Object.values(this.contract.pipnet.outputs) : [this.contract.regression!.output];
      throw new LandmarkerError(
        'ERR_INFERENCE',
        `The ${this.info.backend} run of ${this.info.model} gave a non-finite result (${bad.value} at value ${bad.index} of image ${bad.image}): ` +
          `one of the model's outputs (${outputs.map((n) => `"${n}"`).join(', ')}) is not finite`,
      );
    }
  }

  /** Idempotent. New calls reject with ERR_DISPOSED; calls in flight finish (or reject with ERR_DISPOSED) first. */
  dispose(): Promise<void> {
    // Stopping a capture ends its iterator's wait for a frame; a detect() it has in flight still settles first.
    const stopping = Promise.all([...this.captures].map((c) => c.stop()));
    return this.gate.close(async () => {
      await stopping;
      await Promise.all([this.pipeline.close(), this.detector?.close()]);
    });
  }

  /**
   * Live landmarks from a camera, file or stream via ffmpeg (see docs/capture.md): an async iterator of results,
   * latest frame first. Implemented in src/capture/track.ts.
   */
  track(source: CaptureSourceSpec | FfmpegSource, options?: TrackOptions): AsyncGenerator<TrackResult, void, undefined> {
    this.gate.assertOpen();
    const src = source instanceof FfmpegSource ? source : new FfmpegSource(source);
    const frames = trackFrames(this, src, options);
    // dispose() stops this capture even if the caller abandons the iterator without return(): otherwise ffmpeg and
    // the reader thread would keep the process alive.
    this.captures.add(src);
    const captures = this.captures;
    return (async function* owned() {
      try {
        yield* frames;
      } finally {
        captures.delete(src);
      }
    })();
  }

  /**
   * Every face of a live source with stable ids: the detector acquires, re-acquires after a loss and checks every
   * `faces.detectEvery` frames (src/capture/track-faces.ts, docs/capture.md).
   */
  trackFaces(source: CaptureSourceSpec | FfmpegSource, options?: FaceTrackOptions): AsyncGenerator<FaceTrackResult, void, undefined> {
    this.gate.assertOpen();
    if (!this.detector) throw new LandmarkerError('ERR_BACKEND_UNAVAILABLE', 'This TrtLandmarker was created with `detector: false`: trackFaces() needs a face detector');
    return trackFaceFrames(this, source, options);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
