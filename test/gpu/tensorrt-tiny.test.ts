/**
 * The TensorRT path on a GPU with tiny hand-built ONNX models (test/unit/helpers/onnx-builder.ts: a regression
 * and a PIPNet-shaped model, dynamic batch), so the fast tier exercises the GPU without PyTorch: FP32 engines
 * against ONNX Runtime + the CPU decoders within 1e-3 px, batches 1, 4, 8 and back to 1, with and without CUDA
 * graphs, and runtimeInfo(). The full models (export.py) are in tensorrt-e2e.slow.test.ts.
 * Needs a GPU and TensorRT: skips with the reason, or fails listing it with TRT_LANDMARKER_REQUIRE_GPU=1.
 * NOT YET RUN ON A GPU (none has been available to this project): see docs/tensorrt.md.
 */
import { join } from 'node:path';
import { probeTensorRt } from '../../src/backends/tensorrt';
import type { ModelContract } from '../../src/contract/types';
import { TrtLandmarker } from '../../src/landmarker';
import type { RawFrame } from '../../src/types';
import { pipnetContract, regressionContract, tinyPipnet, tinyRegression, writeModel } from '../unit/helpers/onnx-builder';
import { gpuDescribe, tempDir } from './helpers';

const probe = probeTensorRt();

function frame(w: number, h: number, seed: number): RawFrame {
  const data = new Uint8Array(w * h * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return { data, width: w, height: h, format: 'rgb' };
}
const FRAMES = Array.from({ length: 8 }, (_, i) => frame(96 + 8 * i, 80 + 4 * i, 11 + i));
const items = (n: number) => FRAMES.slice(0, n).map((input, i) => ({ input, box: [4 + i, 3, 60, 56] as [number, number, number, number] }));
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Number.isNaN(v - b[i]) ? Infinity : Math.abs(v - b[i])), 0);

gpuDescribe('TensorRT on the GPU with tiny models', probe.available ? [] : [`a GPU with TensorRT (${probe.reason})`], () => {
  let t: ReturnType<typeof tempDir>;
  beforeAll(() => (t = tempDir('trtl-tiny-')));
  afterAll(() => t?.cleanup());

  const cases = [
    ['regression', () => tinyRegression(), () => regressionContract(32)],
    ['pipnet', () => tinyPipnet(), () => pipnetContract(64)],
  ] as const;
  for (const [name, bytes, contract] of cases) {
    for (const graphs of [false, true]) {
      test(`${name}: batches 1, 4, 8, 1 ${graphs ? 'with' : 'without'} CUDA graphs match the CPU reference within 1e-3 px`, async () => {
        const model = writeModel(join(t.dir, `${name}.onnx`), bytes());
        const config = contract() as unknown as ModelContract;
        const ort = await TrtLandmarker.create({ model, config, backend: 'onnxruntime', maxBatch: 8 });
        const ref = await ort.detectBatch(items(8));
        await ort.dispose();
        const before = process.env.TRT_LANDMARKER_CUDA_GRAPH;
        process.env.TRT_LANDMARKER_CUDA_GRAPH = graphs ? '1' : '0';
        const lm = await TrtLandmarker.create({ model, config, backend: 'tensorrt', precision: 'fp32', maxBatch: 8, cacheDir: t.dir }).finally(() => {
          if (before === undefined) delete process.env.TRT_LANDMARKER_CUDA_GRAPH;
          else process.env.TRT_LANDMARKER_CUDA_GRAPH = before;
        });
        try {
          for (const n of [1, 1, 4, 4, 8, 8, 1, 1]) {
            const out = await lm.detectBatch(items(n));
            out.forEach((r, k) => {
              expect(maxDiff(r.points, ref[k].points)).toBeLessThanOrEqual(1e-3);
              if (name === 'pipnet') expect(maxDiff(r.scores!, ref[k].scores!)).toBeLessThanOrEqual(1e-5);
            });
          }
          expect(lm.runtimeInfo().cudaGraph).toBe(graphs ? 'on' : 'off');
        } finally {
          await lm.dispose();
        }
      });
    }
  }
});
