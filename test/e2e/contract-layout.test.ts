/**
 * regression.layout through a backend (ONNX Runtime): a model whose output is a constant in model-input pixels,
 * and the image points worked out by hand from docs/contract.md ("With `pixel`: n_x = output_x / W_in").
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeConfig } from '../../src/backends/tensorrt';
import { validateContract } from '../../src/contract/validate';
import { TrtLandmarker } from '../../src/landmarker';
import { intAttr, intsAttr, model, node, regressionContract, tensor, valueInfo } from '../unit/helpers/onnx-builder';

/** A 64x32 (W x H) input: width and height differ, so a swap shows. */
const [W_IN, H_IN] = [64, 32];
/** Landmark k sits at (k, 3k mod 32) model-input pixels, whatever the image. */
const OUT = Array.from({ length: 68 }, (_, k) => [k, (3 * k) % H_IN]).flat();

function constantModel(): Buffer {
  return model({
    nodes: [
      node('ReduceMean', ['input'], ['mean'], [intsAttr('axes', [2, 3]), intAttr('keepdims', 0)]),
      node('MatMul', ['mean', 'w'], ['zero']),
      node('Add', ['zero', 'b'], ['landmarks']),
    ],
    initializers: [tensor('w', [3, 136], new Array(3 * 136).fill(0)), tensor('b', [136], OUT)],
    inputs: [valueInfo('input', ['N', 3, H_IN, W_IN])],
    outputs: [valueInfo('landmarks', ['N', 136])],
  });
}

const dir = mkdtempSync(join(tmpdir(), 'layout-'));
const MODEL = join(dir, 'constant.onnx');
writeFileSync(MODEL, constantModel());
function contractFor(layout: string): Record<string, unknown> {
  const c = regressionContract(W_IN);
  c.input = { ...(c.input as object), width: W_IN, height: H_IN };
  c.regression = { output: 'landmarks', layout };
  return c;
}
const frame = { data: new Uint8Array(128 * 96 * 3).fill(90), width: 128, height: 96, format: 'rgb' as const };

test("layout 'pixel': outputs are divided by the input size, then mapped onto the crop", async () => {
  const contract = contractFor('pixel');
  const lm = await TrtLandmarker.create({ model: MODEL, config: contract as never, backend: 'onnxruntime' });
  try {
    // No box: the crop is the whole 128x96 frame, so x = out_x / 64 * 128 and y = out_y / 32 * 96.
    const r = await lm.detect(frame);
    expect(r.crop).toEqual({ x: 0, y: 0, w: 128, h: 96 });
    const expected = OUT.map((v, i) => (i % 2 === 0 ? v * 2 : v * 3));
    r.points.forEach((p, i) => expect(p).toBeCloseTo(expected[i], 4));
    // A box: crop from the contract's policy, then x = crop.x + out_x / 64 * crop.w, y = crop.y + out_y / 32 * crop.h.
    const b = await lm.detect(frame, { box: [20, 10, 50, 40] });
    const c = b.crop;
    b.points.forEach((p, i) => expect(p).toBeCloseTo(i % 2 === 0 ? c.x + (OUT[i] / W_IN) * c.w : c.y + (OUT[i] / H_IN) * c.h, 4));
  } finally {
    await lm.dispose();
  }
});

test("layout 'normalized' (the default) reads the same outputs as fractions of the crop", async () => {
  const lm = await TrtLandmarker.create({ model: MODEL, config: contractFor('normalized') as never, backend: 'onnxruntime' });
  try {
    const r = await lm.detect(frame);
    r.points.forEach((p, i) => expect(p).toBeCloseTo(i % 2 === 0 ? OUT[i] * 128 : OUT[i] * 96, 3));
  } finally {
    await lm.dispose();
  }
});

test("the TensorRT runtime gets the layout too (its GPU decoding itself is checked only on a GPU)", () => {
  expect(runtimeConfig(validateContract(contractFor('pixel'), 'test'), 4, false)).toMatchObject({ output: 'landmarks', pixel: true, width: 64, height: 32 });
  expect(runtimeConfig(validateContract(contractFor('normalized'), 'test'), 4, false)).toMatchObject({ pixel: false });
});
