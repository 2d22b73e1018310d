/**
 * detectFaces() with the shipped models on the CPU: the public-domain sample, no face, several faces and maxFaces,
 * small / extreme / grayscale / alpha / EXIF-rotated images, and coded errors for broken models.
 * Expected face position on samples/astronaut.png (512x512), read off the image by eye: the face spans about
 * x 175..275, y 60..180.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { TrtLandmarker } from '../../src/landmarker';
import { defaultDetectorFiles, defaultLandmarkFiles } from '../../src/bundled-models';
import { loadAddon } from '../../src/native/loader';
import type { Face } from '../../src/types';

const ASTRONAUT = join(__dirname, '..', '..', 'samples', 'astronaut.png');
let lm: TrtLandmarker;
const dir = mkdtempSync(join(tmpdir(), 'trtl-faces-'));

beforeAll(async () => {
  lm = await TrtLandmarker.create({ backend: 'onnxruntime' });
}, 60_000);
afterAll(() => lm?.dispose());

const centre = (f: Face) => [f.box[0] + f.box[2] / 2, f.box[1] + f.box[3] / 2];

function expectOnAstronautFace(f: Face, dx = 0, dy = 0): void {
  const [cx, cy] = centre(f);
  expect(cx).toBeGreaterThan(200 + dx);
  expect(cx).toBeLessThan(250 + dx);
  expect(cy).toBeGreaterThan(95 + dy);
  expect(cy).toBeLessThan(145 + dy);
  // Every landmark on the face region.
  for (let i = 0; i < 68; i++) {
    expect(f.points[2 * i]).toBeGreaterThan(165 + dx);
    expect(f.points[2 * i]).toBeLessThan(285 + dx);
    expect(f.points[2 * i + 1]).toBeGreaterThan(55 + dy);
    expect(f.points[2 * i + 1]).toBeLessThan(195 + dy);
  }
}

describe('detectFaces with the shipped models', () => {
  test('create() without a model uses the shipped landmark model and detector', () => {
    expect(lm.info.model).toBe(defaultLandmarkFiles().model);
    expect(lm.info.detector).toEqual({ model: defaultDetectorFiles().model, backend: 'onnxruntime', inputWidth: 320, inputHeight: 240 });
    expect(lm.contract.detectorBox).toBeDefined();
  });

  test('the astronaut: one face, 68 points on it', async () => {
    const faces = await lm.detectFaces(ASTRONAUT);
    expect(faces).toHaveLength(1);
    expect(faces[0].score).toBeGreaterThan(0.9);
    expect(faces[0].landmarks).toBe(68);
    expect(faces[0].points).toHaveLength(136);
    expectOnAstronautFace(faces[0]);
  });

  test('no face: an empty list, not an error', async () => {
    const gray = { data: new Uint8Array(640 * 480 * 3).fill(128), width: 640, height: 480, format: 'rgb' as const };
    expect(await lm.detectFaces(gray)).toEqual([]);
  });

  test('three faces side by side; maxFaces bounds the list; minFaceSize drops them all', async () => {
    const png = await sharp(ASTRONAUT).toBuffer();
    const tiled = await sharp({ create: { width: 1536, height: 512, channels: 3, background: 'black' } })
      .composite([0, 1, 2].map((k) => ({ input: png, left: 512 * k, top: 0 })))
      .png()
      .toBuffer();
    const faces = await lm.detectFaces(tiled);
    expect(faces).toHaveLength(3);
    const xs = faces.map((f) => centre(f)[0]).sort((a, b) => a - b);
    xs.forEach((x, k) => expect(Math.abs(x - (225 + 512 * k))).toBeLessThan(30));
    expect(await lm.detectFaces(tiled, { maxFaces: 2 })).toHaveLength(2);
    expect(await lm.detectFaces(tiled, { minFaceSize: 300 })).toEqual([]);
  });

  test('grayscale and alpha images work', async () => {
    const gray = await sharp(ASTRONAUT).toColourspace('b-w').png().toBuffer();
    expect((await sharp(gray).metadata()).channels).toBe(1);
    const g = await lm.detectFaces(gray);
    expect(g.length).toBeGreaterThanOrEqual(1);
    expectOnAstronautFace(g[0]);
    const rgba = await sharp(ASTRONAUT).ensureAlpha(0.5).png().toBuffer();
    expect((await sharp(rgba).metadata()).channels).toBe(4);
    expectOnAstronautFace((await lm.detectFaces(rgba))[0]);
  });

  test('an image smaller than the detector input and extreme aspect ratios run (faces or none)', async () => {
    const small = await sharp(ASTRONAUT).resize(64, 64).png().toBuffer();
    const s = await lm.detectFaces(small);
    expect(Array.isArray(s)).toBe(true);
    for (const f of s) expect(f.points.every(Number.isFinite)).toBe(true);
    const strip = { data: new Uint8Array(4000 * 8 * 3).fill(90), width: 4000, height: 8, format: 'rgb' as const };
    expect(await lm.detectFaces(strip)).toEqual([]);
    const tall = { data: new Uint8Array(3 * 5000 * 3).fill(200), width: 3, height: 5000, format: 'rgb' as const };
    expect(await lm.detectFaces(tall)).toEqual([]);
  });

  test('EXIF orientation is applied: a sideways-stored JPEG tagged orientation 6 is found upright', async () => {
    // Stored rotated 90 degrees anticlockwise; orientation 6 tells viewers to turn it clockwise to display it.
    const sideways = await sharp(ASTRONAUT).rotate(-90).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(sideways).metadata()).orientation).toBe(6);
    const faces = await lm.detectFaces(sideways);
    expect(faces).toHaveLength(1);
    expectOnAstronautFace(faces[0]);
  });

  test('detect() keeps the single-face call and rejects unknown options', async () => {
    const [f] = await lm.detectFaces(ASTRONAUT);
    const r = await lm.detect(ASTRONAUT, { box: f.box });
    expect(r.points).toHaveLength(136);
    await expect(lm.detect(ASTRONAUT, { bbox: [1, 2, 3, 4] } as never)).rejects.toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
      message: 'Expected only the options box (every face in a photo: detectFaces()) for `options` but received "option bbox"',
    });
    await expect(lm.detectFaces(ASTRONAUT, { max: 1 } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
  });
});

describe('broken or absent models', () => {
  const garbage = join(dir, 'corrupt.onnx');
  writeFileSync(garbage, Buffer.from('this is not an ONNX protobuf at all, just text'));

  test('a corrupt detector model: ERR_MODEL_LOAD naming the file', async () => {
    const err = await TrtLandmarker.create({ backend: 'onnxruntime', detector: { model: garbage, config: defaultDetectorFiles().config } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_MODEL_LOAD', message: expect.stringContaining(garbage) });
  });

  test('a corrupt landmark model: ERR_MODEL_LOAD naming the file', async () => {
    const err = await TrtLandmarker.create({ backend: 'onnxruntime', model: garbage, config: defaultLandmarkFiles().config, detector: false }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_MODEL_LOAD', message: expect.stringContaining(garbage) });
  });

  test('detector: false -> detectFaces() says it needs a detector; config without model is refused', async () => {
    const plain = await TrtLandmarker.create({ backend: 'onnxruntime', detector: false });
    try {
      expect(plain.info.detector).toBeUndefined();
      await expect(plain.detectFaces(ASTRONAUT)).rejects.toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE' });
    } finally {
      await plain.dispose();
    }
    await expect(TrtLandmarker.create({ config: defaultLandmarkFiles().config })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
  });
});

describe('large JPEGs: shrink-on-load for the detector, a decode of the face rows for the landmarks', () => {
  const jpegDecoder = loadAddon().jpegDecoder();
  let jpeg: Buffer;
  beforeAll(async () => {
    const astro = await sharp(ASTRONAUT).resize(700, 700).png().toBuffer();
    jpeg = await sharp({ create: { width: 2400, height: 1800, channels: 3, background: { r: 90, g: 110, b: 130 } } })
      .composite([{ input: astro, left: 100, top: 150 }, { input: astro, left: 1500, top: 900 }])
      .jpeg({ quality: 92 })
      .toBuffer();
  });
  afterEach(() => {
    delete process.env.TRT_LANDMARKER_JPEG;
    jest.restoreAllMocks();
  });

  // Who decodes: the addon's libjpeg-turbo when it loads here, sharp when it does not or TRT_LANDMARKER_JPEG=sharp.
  test.each([
    ['the addon (libjpeg-turbo)', undefined],
    ['sharp (TRT_LANDMARKER_JPEG=sharp)', 'sharp'],
  ])('decoded by %s: the same faces and points as from the fully decoded pixels', async (_who, env) => {
    if (env) process.env.TRT_LANDMARKER_JPEG = env;
    const decodeJpeg = jest.spyOn(loadAddon(), 'decodeJpeg');
    const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
    const full = await lm.detectFaces({ data: new Uint8Array(data), width: info.width, height: info.height, format: 'rgb' });
    const fast = await lm.detectFaces(jpeg);
    // The detector's decode at 1/4 (600x450 covers 320x240), then one decode of the face rows at full resolution
    // (the faces' crops are about 200 px, the model wants 160).
    expect(decodeJpeg.mock.calls.map(([, shrink, region]) => [shrink, region === null])).toEqual(
      !env && jpegDecoder.available ? [[4, true], [1, false]] : [],
    );
    expect(full).toHaveLength(2);
    expect(fast).toHaveLength(2);
    const byX = (fs: Face[]) => [...fs].sort((a, b) => a.box[0] - b.box[0]);
    byX(fast).forEach((f, k) => {
      const g = byX(full)[k];
      const side = g.box[2];
      for (let c = 0; c < 4; c++) expect(Math.abs(f.box[c] - g.box[c])).toBeLessThan(0.05 * side);
      let d = 0;
      for (let i = 0; i < 68; i++) d += Math.hypot(f.points[2 * i] - g.points[2 * i], f.points[2 * i + 1] - g.points[2 * i + 1]) / 68;
      expect(d).toBeLessThan(0.03 * side);
    });
    // The first face (at x 100..800) in photo pixels: the astronaut's face spans about 175..275 of 512 there.
    const [cx] = centre(byX(fast)[0]);
    expect(cx).toBeGreaterThan(100 + (200 * 700) / 512);
    expect(cx).toBeLessThan(100 + (250 * 700) / 512);
  });

  test.each([undefined, 'sharp'])('a truncated large JPEG is ERR_IMAGE_DECODE naming the input (TRT_LANDMARKER_JPEG=%s)', async (env) => {
    if (env) process.env.TRT_LANDMARKER_JPEG = env;
    const cut = jpeg.subarray(0, jpeg.length >> 1);
    await expect(lm.detectFaces(cut)).rejects.toMatchObject({
      code: 'ERR_IMAGE_DECODE',
      message: expect.stringMatching(new RegExp(`^Cannot decode image \\(Buffer of length ${cut.length}\\): (Premature end of JPEG file|VipsJpeg: premature end of JPEG image)$`)),
    });
  });

  test('a JPEG with an ICC profile goes to sharp, which converts it to sRGB; the faces are found', async () => {
    const p3 = await sharp(jpeg).withIccProfile('p3').jpeg({ quality: 92 }).toBuffer();
    expect((await sharp(p3).metadata()).hasProfile).toBe(true);
    const decodeJpeg = jest.spyOn(loadAddon(), 'decodeJpeg');
    expect(await lm.detectFaces(p3)).toHaveLength(2);
    expect(decodeJpeg).not.toHaveBeenCalled();
  });

  test('jpegDecoder() is available where the addon found libjpeg-turbo, or says why not', () => {
    expect(jpegDecoder.detail).toMatch(jpegDecoder.available ? /^libjpeg-turbo/ : /jpeglib\.h|libjpeg\.so/);
  });
});
