/**
 * The three architectures exported with random weights (ensureModel, cached) and run with onnxruntime-node:
 * FP32 and FP16, batch 1 and 2, output shapes, the embedded contract against the graph, FP16 against FP32.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { statSync } from 'node:fs';
import type { ModelContract } from '../../src/contract/types';
import { ensureModel, type ExportArch, type ModelPaths } from '../../tools/onnx-export';
import {
  countNonFinite,
  fakeInput,
  maxAbs,
  maxAbsDiff,
  onnxFacts,
  pythonOrReason,
  roundToFloat16,
  run,
  session,
  type OnnxFacts,
  type OnnxValue,
} from './helpers';
import { readOnnxSummary } from '../../src/model/onnx-proto';

const { python, reason } = pythonOrReason();
const d = python ? describe : describe.skip;
if (!python) console.log(`test/models/architectures: skipped, ${reason}`);

/*
 * FP16 vs FP32 tolerance, per output tensor, relative to that output's scale S = max |fp32|:
 *   max |fp16 - fp32| <= clamp(6 x D, 1 % of S, 10 % of S)
 * where D = max |fp32(x rounded to float16) - fp32(x)|: how far the FP32 model moves when only its input
 * is rounded to float16, which is exactly what the FP16 graph's first Cast does.
 * Why not one fixed number: float16 keeps 11 significant bits (steps of 2^-11 = 0.05 %) and the FP16 graph
 * rounds the input, every weight and every activation. How much those roundings grow depends on the net: a
 * trained net damps them, a deep random one amplifies them. Measured on 8 inputs (BatchNorm calibrated on
 * synthetic images): input rounding alone moves ResNet50's output by 0.4-1.3 % of S, MobileNetV3's and
 * PIPNet's by 0.05-0.26 %; the whole FP16 graph differs by 1.6 to 3.3 x that (0.6-2.5 % for ResNet50,
 * 0.1-0.45 % for the others). 6 x D leaves twice the worst ratio seen; 1 % is the floor for nets that damp
 * and 10 % the cap. A broken conversion (a tensor left in the wrong type, a bad Cast, a weight clipped or
 * dropped) moves outputs by a large fraction of S and fails.
 */
const FP16_TOL = { factor: 6, floor: 0.01, cap: 0.1 };
/* Same model, same input, different batch: only summation order may change, so far below fp32 precision. */
const BATCH_REL_TOL = 1e-4;

interface Case {
  arch: ExportArch;
  landmarks: 68 | 70;
  size: number;
}
const cases: Case[] = [
  { arch: 'resnet50', landmarks: 68, size: 224 },
  { arch: 'mobilenetv3', landmarks: 70, size: 224 },
  { arch: 'pipnet', landmarks: 68, size: 256 },
];

/** ONNX TensorProto.FLOAT: the element type of every input and output of the exports. */
const ONNX_FLOAT = 1;

function expectedOutputs(c: Case): Record<string, (string | number)[]> {
  if (c.arch !== 'pipnet') return { landmarks: ['batch', 2 * c.landmarks] };
  const m = c.size / 32;
  return {
    cls: ['batch', c.landmarks, m, m],
    x: ['batch', c.landmarks, m, m],
    y: ['batch', c.landmarks, m, m],
    nb_x: ['batch', 10 * c.landmarks, m, m],
    nb_y: ['batch', 10 * c.landmarks, m, m],
  };
}

d.each(cases)('$arch ($landmarks points, $size px) exported and run in ONNX Runtime', (c) => {
  let paths: ModelPaths;
  let facts: { fp32: OnnxFacts; fp16: OnnxFacts };
  const sessions: Partial<Record<'fp32' | 'fp16', InferenceSession>> = {};

  beforeAll(async () => {
    paths = await ensureModel({ arch: c.arch, landmarks: c.landmarks });
    facts = { fp32: await onnxFacts(python!, paths.fp32), fp16: await onnxFacts(python!, paths.fp16) };
    sessions.fp32 = await session(paths.fp32);
    sessions.fp16 = await session(paths.fp16);
  }, 600_000);

  afterAll(async () => {
    await sessions.fp32?.release();
    await sessions.fp16?.release();
  });

  test('ensureModel returns the cached files on a second call', async () => {
    const again = await ensureModel({ arch: c.arch, landmarks: c.landmarks });
    expect(again).toEqual(paths);
    expect(paths.fp16).toBe(paths.fp32.replace(/\.onnx$/, '.fp16.onnx'));
  });

  test('opset >= 17; FP16 file holds float16 weights and no float32 ones', () => {
    expect(facts.fp32.opset).toBeGreaterThanOrEqual(17);
    expect(facts.fp16.opset).toBeGreaterThanOrEqual(17);
    expect(facts.fp32.initializerTypes.FLOAT).toBeGreaterThan(0);
    expect(facts.fp32.initializerTypes.FLOAT16 ?? 0).toBe(0);
    expect(facts.fp16.initializerTypes.FLOAT16).toBe(facts.fp32.initializerTypes.FLOAT);
    expect(facts.fp16.initializerTypes.FLOAT ?? 0).toBe(0);
    const ratio = statSync(paths.fp16).size / statSync(paths.fp32).size;
    expect(ratio).toBeGreaterThan(0.45);
    expect(ratio).toBeLessThan(0.55);
  });

  test.each(['fp32', 'fp16'] as const)('%s: contract in metadata matches the graph', (p) => {
    const raw = facts[p].metadata.trt_landmarker;
    expect(typeof raw).toBe('string');
    const contract = JSON.parse(raw) as ModelContract;
    const sess = sessions[p]!;
    expect(contract.version).toBe(1);
    expect(contract.architecture).toBe(c.arch === 'pipnet' ? 'pipnet' : 'regression');
    expect(contract.landmarks).toBe(c.landmarks);
    expect(contract.input).toEqual({
      name: 'input',
      width: c.size,
      height: c.size,
      colorOrder: 'rgb',
      scale: 1 / 255,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    });
    expect(contract.crop).toEqual({ boxScale: c.arch === 'pipnet' ? 1.1 : 1.6, square: true });
    expect(sess.inputNames).toEqual([contract.input.name]);
    // The graph's declared inputs/outputs as the python onnx package reads them (independent of our reader).
    const f = facts[p];
    expect(f.inputs).toEqual([{ name: 'input', elemType: ONNX_FLOAT, shape: ['batch', 3, contract.input.height, contract.input.width] }]);

    const want = expectedOutputs(c);
    if (c.arch === 'pipnet') {
      expect(contract.regression).toBeUndefined();
      const spec = contract.pipnet!;
      expect(spec.stride).toBe(32);
      expect(spec.neighbors).toBe(10);
      expect(spec.outputs).toEqual({ cls: 'cls', x: 'x', y: 'y', nbX: 'nb_x', nbY: 'nb_y' });
      expect(spec.meanFace).toHaveLength(2 * c.landmarks);
      for (const v of spec.meanFace) expect(v >= 0 && v <= 1).toBe(true);
    } else {
      expect(contract.pipnet).toBeUndefined();
      expect(contract.regression).toEqual({ output: 'landmarks', layout: 'normalized' });
    }
    expect([...sess.outputNames].sort()).toEqual(Object.keys(want).sort());
    expect(f.outputs.map((o) => o.name).sort()).toEqual(Object.keys(want).sort());
    for (const o of f.outputs) expect(o).toEqual({ name: o.name, elemType: ONNX_FLOAT, shape: want[o.name] });
  });

  test.each(['fp32', 'fp16'] as const)('%s: our protobuf reader (onnx-proto.ts) finds the inputs/outputs python onnx finds', (p) => {
    const ours = readOnnxSummary(paths[p]);
    const typed = (v: OnnxValue) => ({ name: v.name, shape: v.shape, type: v.elemType === ONNX_FLOAT ? 'float32' : `onnx type ${v.elemType}` });
    expect(ours.inputs).toEqual(facts[p].inputs.map(typed));
    expect(ours.outputs).toEqual(facts[p].outputs.map(typed));
  });

  test.each(['fp32', 'fp16'] as const)('%s: batch 1 and batch 2 run; rows match the single run', async (p) => {
    const sess = sessions[p]!;
    const img = fakeInput(2, c.size, 7);
    const one = await run(sess, img.subarray(0, 3 * c.size * c.size), 1, c.size);
    const two = await run(sess, img, 2, c.size);
    for (const [name, dims] of Object.entries(expectedOutputs(c))) {
      expect(one[name].dims).toEqual([1, ...dims.slice(1)]);
      expect(two[name].dims).toEqual([2, ...dims.slice(1)]);
      const a = one[name].data as Float32Array;
      const b = two[name].data as Float32Array;
      expect(countNonFinite(b)).toBe(0);
      const scale = maxAbs(b);
      expect(scale).toBeGreaterThan(0);
      expect(maxAbsDiff(a, b.subarray(0, a.length))).toBeLessThanOrEqual(BATCH_REL_TOL * scale + 1e-6);
      // The second image differs, so must its row: a batch that repeated row 0 would fail here.
      expect(maxAbsDiff(b.subarray(0, a.length), b.subarray(a.length))).toBeGreaterThan(BATCH_REL_TOL * scale);
    }
  });

  test('FP16 matches FP32 within the float16 rounding budget', async () => {
    const img = fakeInput(2, c.size, 11);
    const r32 = await run(sessions.fp32!, img, 2, c.size);
    const r32q = await run(sessions.fp32!, roundToFloat16(img), 2, c.size);
    const r16 = await run(sessions.fp16!, img, 2, c.size);
    for (const name of Object.keys(expectedOutputs(c))) {
      const a = r32[name].data as Float32Array;
      const scale = maxAbs(a);
      const inputRounding = maxAbsDiff(a, r32q[name].data as Float32Array);
      const tol = Math.min(FP16_TOL.cap * scale, Math.max(FP16_TOL.floor * scale, FP16_TOL.factor * inputRounding));
      const diff = maxAbsDiff(a, (r16[name] as Tensor).data as Float32Array);
      expect(countNonFinite((r16[name] as Tensor).data as Float32Array)).toBe(0);
      if (process.env.TRT_LANDMARKER_TEST_VERBOSE) {
        console.log(`${c.arch} ${name}: scale ${scale.toExponential(3)}, fp16 diff ${(diff / scale * 100).toFixed(3)} %, ` +
          `input rounding ${(inputRounding / scale * 100).toFixed(3)} %, tol ${(tol / scale * 100).toFixed(2)} %`);
      }
      expect(diff).toBeLessThanOrEqual(tol);
    }
  });
});
