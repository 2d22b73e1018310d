/**
 * The fuzz tier, short (npm test): every input class (encoded images of every format sharp reads, raw frames
 * with shared/resizable/detached buffers, boxes, contracts, ONNX files, CLI folders with FIFOs, devices, loops)
 * through the public API in one child process: no crash, no hang, no uncoded error, no non-finite result.
 * fuzz.slow.test.ts runs 2,000 inputs per class.
 */
import { CLASSES, fuzz } from './run-fuzz';

test('every input class, 10 inputs each: only finite results and coded errors', async () => {
  const seed = Number(process.env.TRT_LANDMARKER_FUZZ_SEED ?? 13);
  const out = await fuzz(CLASSES, 10, seed, 20_000);
  expect(out.map((o) => o.cls)).toEqual([...CLASSES]);
  for (const o of out) {
    expect({ cls: o.cls, bad: o.bad }).toEqual({ cls: o.cls, bad: [] });
    expect(o.inputs).toBeGreaterThanOrEqual(10);
  }
}, 180_000);
