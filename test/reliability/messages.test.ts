/**
 * Error messages speak of what the caller passed (`input.data`, `items[1].box`), never of internal names
 * (`frames[0].data`, `crops[0].x`, `inputs[0].box[2]`); each test asserts the class, the code and the message.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrtLandmarker } from '../../src/landmarker';
import { regressionContract, tinyRegression, writeModel } from '../unit/helpers/onnx-builder';
import { failure } from '../unit/helpers/failure';

const dir = mkdtempSync(join(tmpdir(), 'messages-'));
const frame = () => ({ data: new Uint8Array(40 * 30 * 3).fill(50), width: 40, height: 30, format: 'rgb' as const });


let lm: TrtLandmarker;
beforeAll(async () => {
  const m = writeModel(join(dir, 'reg.onnx'), tinyRegression({ metadata: { trt_landmarker: JSON.stringify(regressionContract(32)) } }));
  lm = await TrtLandmarker.create({ model: m, backend: 'onnxruntime', maxBatch: 2 });
});
afterAll(() => lm.dispose());

test('a raw frame detached after detect() was called names input.data', async () => {
  const f = frame();
  const p = lm.detect(f);
  structuredClone(f.data.buffer, { transfer: [f.data.buffer] });
  expect(await failure(p)).toEqual({
    name: 'RangeError',
    code: 'ERR_OUT_OF_RANGE',
    message: 'Expected the 3600 bytes it had when the call was made (its buffer was detached or resized before the call started) for `input.data` but received Uint8Array of length 0',
  });
});

test('in a batch, the frame is named by its item', async () => {
  const f = frame();
  const p = lm.detectBatch([frame(), { input: f }]);
  structuredClone(f.data.buffer, { transfer: [f.data.buffer] });
  expect((await failure(p)).message).toBe(
    'Expected the 3600 bytes it had when the call was made (its buffer was detached or resized before the call started) for `items[1].input.data` but received Uint8Array of length 0',
  );
});

test('a bad box in a batch names the item, not an index into the box', async () => {
  expect(await failure(lm.detectBatch([frame(), { input: frame(), box: [0, 0, 10, -1] }]))).toEqual({
    name: 'RangeError',
    code: 'ERR_OUT_OF_RANGE',
    message: 'Expected a box height > 0 and <= 1e7 pixels for `items[1].box` but received -1',
  });
});

test('too many items says images and maxBatch', async () => {
  expect(await failure(lm.detectBatch([frame(), frame(), frame()]))).toEqual({
    name: 'RangeError',
    code: 'ERR_OUT_OF_RANGE',
    message: 'Expected at most 2 images (maxBatch is 2) for `items` but received array of length 3',
  });
});
