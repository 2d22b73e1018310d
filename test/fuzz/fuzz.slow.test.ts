/** The fuzz tier, long (test:all): at least 2,000 inputs of each class, each class in its own child process. */
import { CLASSES, fuzz } from './run-fuzz';

const seed = Number(process.env.TRT_LANDMARKER_FUZZ_SEED ?? 2026);

test.each(CLASSES)('%s: 2,000 inputs, only finite results and coded errors', async (cls) => {
  const [o] = await fuzz([cls], 2000, seed, 540_000);
  expect(o!.bad).toEqual([]);
  expect(o!.inputs).toBeGreaterThanOrEqual(2000);
}, 700_000);
