/**
 * Baseline for the photo bench: the face pipeline a Node user writes by hand without this package. sharp resizes the
 * photo to the detector's 320x240 (sharp applies JPEG shrink-on-load by itself), a JS loop builds the NCHW input,
 * onnxruntime-node runs UltraFace, plain JS decodes the priors and runs NMS (bench/ultraface-js.ts), and for each face
 * sharp extracts the crop (black outside the photo) and resizes it to 160x160, a JS loop normalises it and
 * onnxruntime-node runs peppa-slim160. Same models, thresholds and box map as the package.
 */
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { DetectorContract } from '../src/contract/detector';
import type { ModelContract } from '../src/contract/types';
import type { RawFrame } from '../src/types';
import { jsDecodeFaces, jsPriors, type JsFace } from './ultraface-js';

export interface HandFace {
  box: JsFace['box'];
  score: number;
  points: Float32Array;
}

type Input = Buffer | RawFrame;

const sharpOf = (input: Input) =>
  Buffer.isBuffer(input) ? sharp(input) : sharp(input.data, { raw: { width: input.width, height: input.height, channels: 3 } });

export class HandwrittenFacePipeline {
  private readonly priors: number[][];
  private constructor(
    private readonly det: ort.InferenceSession,
    private readonly lmk: ort.InferenceSession,
    private readonly dc: DetectorContract,
    private readonly lc: ModelContract,
  ) {
    this.priors = jsPriors({ width: dc.input.width, height: dc.input.height, strides: dc.priors.strides, minSizes: dc.priors.minSizes, clip: dc.priors.clip });
  }

  static async create(detector: string, dc: DetectorContract, landmarks: string, lc: ModelContract): Promise<HandwrittenFacePipeline> {
    const opts = { executionProviders: ['cpu'], logSeverityLevel: 3 as const };
    return new HandwrittenFacePipeline(await ort.InferenceSession.create(detector, opts), await ort.InferenceSession.create(landmarks, opts), dc, lc);
  }

  async run(input: Input): Promise<HandFace[]> {
    const W = Buffer.isBuffer(input) ? (await sharp(input).metadata()).width! : input.width;
    const H = Buffer.isBuffer(input) ? (await sharp(input).metadata()).height! : input.height;
    const { width: dw, height: dh } = this.dc.input;
    const small = await sharpOf(input).resize(dw, dh, { fit: 'fill' }).removeAlpha().raw().toBuffer();
    const x = new Float32Array(3 * dw * dh);
    for (let i = 0; i < dw * dh; i++) for (let c = 0; c < 3; c++) x[c * dw * dh + i] = (small[3 * i + c] - 127) / 128;
    const out = await this.det.run({ [this.dc.input.name]: new ort.Tensor('float32', x, [1, 3, dh, dw]) });
    const faces = jsDecodeFaces(out[this.dc.outputs.scores].data as Float32Array, out[this.dc.outputs.boxes].data as Float32Array, this.priors, {
      minScore: this.dc.minScore, iouThreshold: this.dc.nms.iouThreshold, candidates: this.dc.nms.candidates, maxFaces: 10, minSize: 0,
      variances: this.dc.variances, crop: { x: 0, y: 0, w: W, h: H },
    });
    const result: HandFace[] = [];
    const side = this.lc.input.width;
    const map = this.lc.detectorBox!;
    for (const f of faces) {
      const [bx, by, bw, bh] = f.box;
      const cx = bx + bw / 2 + map.shiftX * bw;
      const cy = by + bh / 2 + map.shiftY * bh;
      const s = this.lc.crop.boxScale * map.scale * Math.max(bw, bh);
      const left = Math.round(cx - s / 2);
      const top = Math.round(cy - s / 2);
      const size = Math.max(1, Math.round(s));
      // The part inside the photo, padded with black to the full crop (sharp's extend).
      const l = Math.max(0, left);
      const t = Math.max(0, top);
      const r = Math.min(W, left + size);
      const b = Math.min(H, top + size);
      const crop = await sharpOf(input)
        .extract({ left: l, top: t, width: Math.max(1, r - l), height: Math.max(1, b - t) })
        .extend({ left: l - left, top: t - top, right: Math.max(0, left + size - r), bottom: Math.max(0, top + size - b), background: 'black' })
        .resize(side, side, { fit: 'fill' })
        .removeAlpha()
        .raw()
        .toBuffer();
      const y = new Float32Array(3 * side * side);
      // peppa-slim160: BGR, (p - 127) / 127.
      for (let i = 0; i < side * side; i++) for (let c = 0; c < 3; c++) y[c * side * side + i] = (crop[3 * i + (2 - c)] - 127) / 127;
      const o = await this.lmk.run({ [this.lc.input.name]: new ort.Tensor('float32', y, [1, 3, side, side]) });
      const v = o[this.lc.regression!.output].data as Float32Array;
      const points = new Float32Array(136);
      for (let i = 0; i < 136; i += 2) {
        points[i] = left + v[i] * size;
        points[i + 1] = top + v[i + 1] * size;
      }
      result.push({ box: f.box, score: f.score, points });
    }
    return result;
  }

  async close(): Promise<void> {
    await this.det.release();
    await this.lmk.release();
  }
}
