/**
 * Baseline (a): the pipeline a Node user writes by hand without this package. sharp decodes and resizes the JPEG to the
 * model size in one chain (what the sharp docs suggest; sharp runs it on libuv's pool), a plain JS loop converts the
 * HWC bytes into a normalised NCHW Float32Array, onnxruntime-node runs the model with its default session options,
 * and plain JS decodes the output (PIPNet: argmax over each score map, offsets, neighbour averaging).
 * The stage named "decode" here is sharp's decode+resize chain: a user gets both from one call.
 */
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { ModelContract } from '../src/contract/types';
import type { StageSample, Subject } from './subject';

const now = (): number => performance.now();

/** PIPNet's get_meanface neighbour tables, as a user would port them from lib/functions.py. */
function pipnetTables(meanFace: number[], numNb: number): { rev1: Int32Array; rev2: Int32Array; maxLen: number } {
  const L = meanFace.length / 2;
  const nbs: number[][] = [];
  for (let i = 0; i < L; i++) {
    const d = Array.from({ length: L }, (_, k) => (meanFace[2 * i] - meanFace[2 * k]) ** 2 + (meanFace[2 * i + 1] - meanFace[2 * k + 1]) ** 2);
    nbs.push(Array.from({ length: L }, (_, k) => k).sort((a, b) => d[a] - d[b]).slice(1, 1 + numNb));
  }
  const r1: number[][] = Array.from({ length: L }, () => []);
  const r2: number[][] = Array.from({ length: L }, () => []);
  for (let i = 0; i < L; i++) for (let j = 0; j < numNb; j++) (r1[nbs[i][j]].push(i), r2[nbs[i][j]].push(j));
  const maxLen = Math.max(...r1.map((r) => r.length));
  const rev1 = new Int32Array(L * maxLen);
  const rev2 = new Int32Array(L * maxLen);
  for (let k = 0; k < L; k++) {
    for (let m = 0; m < maxLen; m++) {
      rev1[k * maxLen + m] = r1[k][m % r1[k].length];
      rev2[k * maxLen + m] = r2[k][m % r2[k].length];
    }
  }
  return { rev1, rev2, maxLen };
}

export interface HandwrittenPipeline {
  /** Decoded points for the last call (kept so the bench can check both pipelines agree). */
  lastPoints?: Float32Array;
}

export async function createHandwritten(modelPath: string, c: ModelContract): Promise<Subject & HandwrittenPipeline> {
  const t0 = now();
  // Default options, as a user would write, except the log level: ORT's default prints warnings (e.g. about old
  // exporters) that would clutter the bench output; logging does not change the run time.
  const session = await ort.InferenceSession.create(modelPath, { logSeverityLevel: 3 });
  const setupMs = now() - t0;
  const W = c.input.width;
  const H = c.input.height;
  const plane = W * H;
  const { mean, std, scale } = c.input;
  const bgr = c.input.colorOrder === 'bgr';
  const L = c.landmarks;
  const tables = c.pipnet ? pipnetTables(c.pipnet.meanFace, c.pipnet.neighbors) : undefined;

  const subject: Subject & HandwrittenPipeline = {
    kind: 'handwritten',
    label: 'hand-written: sharp + JS loop + onnxruntime-node (default options) + JS decode',
    backend: 'onnxruntime',
    precision: 'fp32',
    setupMs,
    details: { sessionOptions: 'defaults (log level: errors only)' },
    async run(images: Buffer[]): Promise<StageSample> {
      const n = images.length;
      const ta = now();
      // The user also needs each original size to map points back: sharp reads it from the header, alongside.
      const decoded = await Promise.all(
        images.map(async (img) => {
          const [px, meta] = await Promise.all([
            sharp(img).removeAlpha().resize(W, H, { fit: 'fill' }).raw().toBuffer(),
            sharp(img).metadata(),
          ]);
          return { px, width: meta.width ?? W, height: meta.height ?? H };
        }),
      );
      const tb = now();
      const input = new Float32Array(n * 3 * plane);
      for (let b = 0; b < n; b++) {
        const px = decoded[b].px;
        const o = b * 3 * plane;
        for (let i = 0; i < plane; i++) {
          const r = px[3 * i] * scale;
          const g = px[3 * i + 1] * scale;
          const bl = px[3 * i + 2] * scale;
          input[o + i] = ((bgr ? bl : r) - mean[0]) / std[0];
          input[o + plane + i] = (g - mean[1]) / std[1];
          input[o + 2 * plane + i] = ((bgr ? r : bl) - mean[2]) / std[2];
        }
      }
      const feeds = { [c.input.name]: new ort.Tensor('float32', input, [n, 3, H, W]) };
      const tc = now();
      const out = await session.run(feeds);
      const td = now();
      const points = new Float32Array(n * L * 2);
      for (let b = 0; b < n; b++) {
        const iw = decoded[b].width;
        const ih = decoded[b].height;
        const norm = c.pipnet ? decodePipnet(out, c, tables!, b) : decodeRegression(out, c, b);
        for (let l = 0; l < L; l++) {
          points[(b * L + l) * 2] = norm[2 * l] * iw;
          points[(b * L + l) * 2 + 1] = norm[2 * l + 1] * ih;
        }
      }
      subject.lastPoints = points;
      const te = now();
      return { decode: tb - ta, preprocess: tc - tb, inference: td - tc, postprocess: te - td };
    },
    async dispose() {
      await session.release();
    },
  };
  return subject;
}

function decodeRegression(out: ort.InferenceSession.OnnxValueMapType, c: ModelContract, b: number): Float32Array {
  const t = out[c.regression!.output] as ort.Tensor;
  const row = t.data as Float32Array;
  const stride = row.length / (t.dims[0] as number);
  const res = new Float32Array(2 * c.landmarks);
  for (let i = 0; i < 2 * c.landmarks; i++) {
    const v = row[b * stride + i];
    res[i] = c.regression!.layout === 'pixel' ? v / (i % 2 ? c.input.height : c.input.width) : v;
  }
  return res;
}

/** PIPNet's forward_pip + neighbour merge in plain JS, normalised 0..1 coordinates for item b. */
function decodePipnet(
  out: ort.InferenceSession.OnnxValueMapType,
  c: ModelContract,
  t: { rev1: Int32Array; rev2: Int32Array; maxLen: number },
  b: number,
): Float32Array {
  const p = c.pipnet!;
  const L = c.landmarks;
  const nb = p.neighbors;
  const gw = c.input.width / p.stride;
  const gh = c.input.height / p.stride;
  const hw = gw * gh;
  const cls = (out[p.outputs.cls] as ort.Tensor).data as Float32Array;
  const ox = (out[p.outputs.x] as ort.Tensor).data as Float32Array;
  const oy = (out[p.outputs.y] as ort.Tensor).data as Float32Array;
  const nx = (out[p.outputs.nbX] as ort.Tensor).data as Float32Array;
  const ny = (out[p.outputs.nbY] as ort.Tensor).data as Float32Array;
  const x = new Float32Array(L);
  const y = new Float32Array(L);
  const nbx = new Float32Array(L * nb);
  const nby = new Float32Array(L * nb);
  for (let l = 0; l < L; l++) {
    const base = (b * L + l) * hw;
    let best = 0;
    for (let k = 1; k < hw; k++) if (cls[base + k] > cls[base + best]) best = k;
    const cx = best % gw;
    const cy = Math.floor(best / gw);
    x[l] = (cx + ox[base + best]) / gw;
    y[l] = (cy + oy[base + best]) / gh;
    for (let j = 0; j < nb; j++) {
      const nbase = ((b * L + l) * nb + j) * hw;
      nbx[l * nb + j] = (cx + nx[nbase + best]) / gw;
      nby[l * nb + j] = (cy + ny[nbase + best]) / gh;
    }
  }
  const res = new Float32Array(2 * L);
  for (let l = 0; l < L; l++) {
    let sx = x[l];
    let sy = y[l];
    for (let m = 0; m < t.maxLen; m++) {
      const i = t.rev1[l * t.maxLen + m];
      const j = t.rev2[l * t.maxLen + m];
      sx += nbx[i * nb + j];
      sy += nby[i * nb + j];
    }
    res[2 * l] = sx / (t.maxLen + 1);
    res[2 * l + 1] = sy / (t.maxLen + 1);
  }
  return res;
}
