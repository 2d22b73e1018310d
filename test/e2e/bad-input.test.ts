/**
 * Every bad input of the foundation issue, through the public API (TrtLandmarker), each with its error class,
 * `code` and exact message. Uses tiny ONNX models built in the test (test/unit/helpers/onnx-builder.ts), so it
 * needs neither Python nor ../shared.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { probeTensorRt } from '../../src/backends/tensorrt';
import { TrtLandmarker } from '../../src/landmarker';
import { pipnetContract, regressionContract, tinyPipnet, tinyRegression, model, node, valueInfo } from '../unit/helpers/onnx-builder';
import { failure } from '../unit/helpers/failure';

const dir = mkdtempSync(join(tmpdir(), 'bad-input-'));
const file = (name: string, bytes: Buffer | string) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const meta = (c: unknown) => ({ trt_landmarker: JSON.stringify(c) });


function pngClaiming(w: number, h: number): Buffer {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = table[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const td = Buffer.concat([Buffer.from(type), data]);
    const out = Buffer.alloc(td.length + 8);
    out.writeUInt32BE(data.length, 0);
    td.copy(out, 4);
    out.writeUInt32BE(crc(td), td.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(8))), chunk('IEND', Buffer.alloc(0))]);
}

describe('create(): bad models and contracts', () => {
  test('missing model file', async () => {
    const m = join(dir, 'nowhere.onnx');
    expect(await failure(TrtLandmarker.create({ model: m }))).toEqual({ name: 'LandmarkerError', code: 'ERR_MODEL_LOAD', message: `Model file not found: ${m}` });
  });

  test('a file that is not ONNX', async () => {
    const m = file('image.onnx', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    expect(await failure(TrtLandmarker.create({ model: m }))).toEqual({ name: 'LandmarkerError', code: 'ERR_MODEL_LOAD', message: `${m} is not an ONNX model: unsupported wire type 7 at byte 0` });
  });

  test('ONNX without a contract names both ways', async () => {
    const m = file('bare.onnx', tinyRegression());
    const f = await failure(TrtLandmarker.create({ model: m, backend: 'onnxruntime' }));
    expect(f.code).toBe('ERR_CONTRACT_MISSING');
    expect(f.message).toContain('metadata_props key "trt_landmarker"');
    expect(f.message).toContain(`sidecar ${join(dir, 'bare.json')} or ${join(dir, 'bare.onnx.json')}`);
  });

  test('a contract that does not match the model (input size)', async () => {
    const m = file('mismatch.onnx', tinyRegression({ size: 32, metadata: meta(regressionContract(48)) }));
    expect(await failure(TrtLandmarker.create({ model: m, backend: 'onnxruntime' }))).toEqual({
      name: 'LandmarkerError',
      code: 'ERR_CONTRACT_MISMATCH',
      message: `contract.input.height: contract says 48 rows but "input" of ${m} has 32 (shape [N, 3, 32, 32])`,
    });
  });

  test('a contract naming an output the model lacks', async () => {
    const c = regressionContract(32, { regression: { output: 'points' } });
    const m = file('noout.onnx', tinyRegression({ metadata: meta(c) }));
    expect(await failure(TrtLandmarker.create({ model: m, backend: 'onnxruntime' }))).toEqual({
      name: 'LandmarkerError',
      code: 'ERR_CONTRACT_MISMATCH',
      message: `contract.regression.output: contract says "points" but ${m} has no output of that name (its outputs: "landmarks")`,
    });
  });

  test('a 69-point model: rejected as a contract, and as a graph under a 68-point contract', async () => {
    const c69 = { ...pipnetContract(64), landmarks: 69 };
    const m1 = file('p69a.onnx', tinyPipnet({ landmarks: 69, metadata: meta(c69) }));
    expect(await failure(TrtLandmarker.create({ model: m1, backend: 'onnxruntime' }))).toEqual({
      name: 'LandmarkerError',
      code: 'ERR_CONTRACT_INVALID',
      message: `Invalid model contract (metadata_props "trt_landmarker" of ${m1}): contract.landmarks: expected 68 or 70 but received 69`,
    });
    const m2 = file('p69b.onnx', tinyPipnet({ landmarks: 69, metadata: meta(pipnetContract(64)) }));
    expect(await failure(TrtLandmarker.create({ model: m2, backend: 'onnxruntime' }))).toEqual({
      name: 'LandmarkerError',
      code: 'ERR_CONTRACT_MISMATCH',
      message: `contract.landmarks: contract says 68 channels (landmarks) but "cls" of ${m2} has 69 (shape [N, 69, 2, 2])`,
    });
    // A 69-point regression model (138 outputs) under a 70-point contract.
    const m3 = file('r69.onnx', tinyRegression({ outputs: 138, metadata: meta({ ...regressionContract(), landmarks: 70 }) }));
    expect(await failure(TrtLandmarker.create({ model: m3, backend: 'onnxruntime' }))).toEqual({
      name: 'LandmarkerError',
      code: 'ERR_CONTRACT_MISMATCH',
      message: `contract.landmarks: contract says 70 landmarks (140 values) but "landmarks" of ${m3} has 138 values per image (shape [N, 138])`,
    });
  });

  test('valid protobuf that ONNX Runtime rejects (unknown operator)', async () => {
    const bytes = model({ nodes: [node('NoSuchOp', ['input'], ['landmarks'])], initializers: [], inputs: [valueInfo('input', ['N', 3, 32, 32])], outputs: [valueInfo('landmarks', ['N', 136])], metadata: meta(regressionContract()) });
    const m = file('badop.onnx', bytes);
    const f = await failure(TrtLandmarker.create({ model: m, backend: 'onnxruntime' }));
    expect(f.code).toBe('ERR_MODEL_LOAD');
    expect(f.message).toMatch(new RegExp(`^ONNX Runtime cannot load ${m}: .*NoSuchOp`));
  });

  const trt = probeTensorRt();
  (trt.available ? test.skip : test)('backend "tensorrt" where TensorRT is unavailable says why', async () => {
    const m = file('trt.onnx', tinyRegression({ metadata: meta(regressionContract()) }));
    expect(await failure(TrtLandmarker.create({ model: m, backend: 'tensorrt' }))).toEqual({
      name: 'LandmarkerError',
      code: 'ERR_BACKEND_UNAVAILABLE',
      message: `TensorRT backend requested but unavailable: ${trt.reason}`,
    });
    const auto = await TrtLandmarker.create({ model: m });
    expect(auto.info.backend).toBe('onnxruntime');
    expect(auto.info.reason).toContain(`auto: TensorRT unavailable (${trt.reason}); using ONNX Runtime on the CPU`);
    await auto.dispose();
  });
});

describe('detect() / detectBatch(): bad images, boxes and batches', () => {
  let lm: TrtLandmarker;
  let jpeg: Buffer;
  const good = { data: new Uint8Array(40 * 30 * 3).fill(128), width: 40, height: 30, format: 'rgb' as const };
  beforeAll(async () => {
    const m = file('tiny.onnx', tinyRegression({ metadata: meta(regressionContract()) }));
    lm = await TrtLandmarker.create({ model: m, backend: 'onnxruntime', maxBatch: 3 });
    jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 90, g: 120, b: 150 } } }).jpeg().toBuffer();
  });
  afterAll(() => lm.dispose());

  test('a good input works (the cases below are failures of otherwise working calls)', async () => {
    const r = await lm.detect(good, { box: [5, 5, 20, 20] });
    expect(r.points.length).toBe(136);
    expect((await lm.detect(jpeg)).width).toBe(64);
  });

  test('missing file', async () => {
    const p = join(dir, 'no-such.jpg');
    expect(await failure(lm.detect(p))).toEqual({ name: 'LandmarkerError', code: 'ERR_FILE_NOT_FOUND', message: `Image file not found: ${p}` });
  });

  test('unreadable, corrupt and truncated images', async () => {
    const garbage = file('garbage.jpg', 'this is text, not a JPEG');
    expect(await failure(lm.detect(garbage))).toEqual({
      name: 'LandmarkerError',
      code: 'ERR_IMAGE_DECODE',
      message: `Cannot decode image (${garbage}): Input buffer contains unsupported image format`,
    });
    const truncated = jpeg.subarray(0, jpeg.length >> 1);
    const t = await failure(lm.detect(truncated));
    expect(t.code).toBe('ERR_IMAGE_DECODE');
    expect(t.message).toMatch(new RegExp(`^Cannot decode image \\(Buffer of length ${truncated.length}\\): `));
    expect(await failure(lm.detect(Buffer.alloc(0)))).toEqual({ name: 'LandmarkerError', code: 'ERR_IMAGE_DECODE', message: 'Cannot decode image (Buffer of length 0): it is empty' });
    expect(await failure(lm.detect(dir))).toEqual({ name: 'LandmarkerError', code: 'ERR_IMAGE_DECODE', message: `Cannot read image ${dir}: it is a directory` });
  });

  test('zero and 30000x30000 dimensions', async () => {
    expect(await failure(lm.detect({ ...good, width: 0 }))).toEqual({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE', message: 'Expected an integer from 1 to 16384 for `input.width` but received 0' });
    expect(await failure(lm.detect({ ...good, height: 0 }))).toEqual({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE', message: 'Expected an integer from 1 to 16384 for `input.height` but received 0' });
    expect(await failure(lm.detect({ data: new Uint8Array(3), width: 30000, height: 30000, format: 'rgb' }))).toEqual({
      name: 'RangeError',
      code: 'ERR_OUT_OF_RANGE',
      message: 'Expected an integer from 1 to 16384 for `input.width` but received 30000',
    });
    const big = pngClaiming(30000, 30000);
    expect(await failure(lm.detect(big))).toEqual({
      name: 'RangeError',
      code: 'ERR_OUT_OF_RANGE',
      message: `Expected an image of 1 to 16384 pixels per side for \`input\` but received a 30000x30000 image (Buffer of length ${big.length})`,
    });
  });

  test('unknown format; data length not matching width x height x channels', async () => {
    expect(await failure(lm.detect({ ...good, format: 'nv12' as never }))).toEqual({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message: 'Expected "rgb", "bgr", "rgba", "bgra" or "gray" for `input.format` but received "nv12"',
    });
    expect(await failure(lm.detect({ ...good, format: 'rgba' }))).toEqual({
      name: 'RangeError',
      code: 'ERR_OUT_OF_RANGE',
      message: 'Expected 4800 bytes (40 x 30 x 4 for format "rgba") for `input.data` but received Uint8Array of length 3600',
    });
  });

  test('a box outside the image or with non-positive size', async () => {
    expect(await failure(lm.detect(good, { box: [40, 0, 10, 10] }))).toEqual({
      name: 'RangeError',
      code: 'ERR_OUT_OF_RANGE',
      message: 'Expected a box that overlaps the 40x30 image for `box` but received [40, 0, 10, 10]',
    });
    expect(await failure(lm.detect(jpeg, { box: [-100, -100, 50, 50] }))).toEqual({
      name: 'RangeError',
      code: 'ERR_OUT_OF_RANGE',
      message: 'Expected a box that overlaps the 64x48 image for `box` but received [-100, -100, 50, 50]',
    });
    expect(await failure(lm.detect(good, { box: [0, 0, 0, 10] }))).toEqual({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE', message: 'Expected a box width > 0 and <= 1e7 pixels for `box` but received 0' });
    expect(await failure(lm.detect(good, { box: [0, 0, 10, -3] }))).toEqual({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE', message: 'Expected a box height > 0 and <= 1e7 pixels for `box` but received -3' });
    expect(await failure(lm.detect(good, { box: [0, 0, 10] as never }))).toEqual({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: 'Expected an array [x, y, w, h] of 4 numbers for `box` but received array of length 3' });
  });

  test('batch over maxBatch, bad batch items named by index', async () => {
    expect(await failure(lm.detectBatch([good, good, good, good]))).toEqual({
      name: 'RangeError',
      code: 'ERR_OUT_OF_RANGE',
      message: 'Expected at most 3 images (maxBatch is 3) for `items` but received array of length 4',
    });
    expect(await failure(lm.detectBatch([good, { input: { ...good, format: 'rgbx' as never } }]))).toEqual({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message: 'Expected "rgb", "bgr", "rgba", "bgra" or "gray" for `items[1].input.format` but received "rgbx"',
    });
    expect(await failure(lm.detectBatch([good, { input: good, box: [100, 100, 5, 5] }]))).toEqual({
      name: 'RangeError',
      code: 'ERR_OUT_OF_RANGE',
      message: 'Expected a box that overlaps the 40x30 image for `items[1].box` but received [100, 100, 5, 5]',
    });
    expect(await failure(lm.detectBatch([good, 42 as never]))).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    expect(await failure(lm.detectBatch('x' as never))).toEqual({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message: 'Expected an array of images or {input, box} items for `items` but received "x"' });
    expect(await lm.detectBatch([])).toEqual([]);
  });

  test('the landmarker still works after all of the above', async () => {
    const [a, b] = await lm.detectBatch([good, { input: jpeg, box: [10, 10, 30, 30] }]);
    expect(a.points.length).toBe(136);
    expect(b.crop).toEqual({ x: 7, y: 7, w: 36, h: 36 });
  });
});
