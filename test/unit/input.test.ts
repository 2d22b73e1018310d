/** Input validation and decoding (raw frames, boxes, encoded images) and the crop geometry. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { computeCrop, fromCrop } from '../../src/input/crop';
import { checkInput, decodeInput } from '../../src/input/decode';
import { checkBoxShape, validateBox, validateRawFrame } from '../../src/input/validate';

const dir = mkdtempSync(join(tmpdir(), 'input-test-'));

async function rejection(p: Promise<unknown> | (() => unknown)): Promise<{ name: string; code?: string; message: string }> {
  try {
    if (typeof p === 'function') p();
    else await p;
  } catch (e) {
    return { name: (e as Error).constructor.name, code: (e as { code?: string }).code, message: (e as Error).message };
  }
  throw new Error('expected an error');
}

/** A PNG whose header claims w x h (the pixel data is a token IDAT: only the header is ever read). */
function pngHeader(w: number, h: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(2, 9); // RGB
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(16))), chunk('IEND', Buffer.alloc(0))]);
}

describe('computeCrop (docs/api.md geometry)', () => {
  const square = { boxScale: 1.4, square: true };
  test('no box: the whole image', () => {
    expect(computeCrop(undefined, square, 640, 480)).toEqual({ x: 0, y: 0, w: 640, h: 480 });
  });
  test('square: side = boxScale * max(w, h), centred on the box', () => {
    // box centre (150, 120), side 1.4 * 100 = 140
    expect(computeCrop([100, 90, 100, 60], square, 640, 480)).toEqual({ x: 80, y: 50, w: 140, h: 140 });
  });
  test('non-square: each side scaled, centred', () => {
    const c = computeCrop([100, 90, 100, 60], { boxScale: 1.5, square: false }, 640, 480);
    expect(c).toEqual({ x: 75, y: 75, w: 150, h: 90 });
  });
  test('may extend outside the image', () => {
    expect(computeCrop([-10, -10, 20, 20], { boxScale: 2, square: true }, 100, 100)).toEqual({ x: -20, y: -20, w: 40, h: 40 });
  });
  test('fromCrop maps normalised model coordinates back: x = crop.x + n * crop.w', () => {
    expect(fromCrop(0.5, 0.25, { x: 80, y: 50, w: 140, h: 120 })).toEqual([150, 80]);
    expect(fromCrop(0, 1, { x: -20, y: -20, w: 40, h: 40 })).toEqual([-20, 20]);
  });
});

describe('raw frames', () => {
  const frame = (over: Record<string, unknown> = {}) => ({ data: new Uint8Array(4 * 3 * 3), width: 4, height: 3, format: 'rgb', ...over });
  test('valid frames of every format pass zero-copy', () => {
    for (const [format, ch, native] of [['rgb', 3, 0], ['bgr', 3, 1], ['rgba', 4, 2], ['bgra', 4, 3], ['gray', 1, 4]] as const) {
      const data = new Uint8Array(4 * 3 * ch);
      const f = validateRawFrame(frame({ data, format }), 'input');
      expect(f).toEqual({ data, width: 4, height: 3, format: native });
      expect(f.data).toBe(data);
    }
    const buf = Buffer.alloc(36);
    expect(validateRawFrame(frame({ data: buf }), 'input').data).toBe(buf);
  });
  test.each<[string, Record<string, unknown>, string, string, string]>([
    ['unknown format', { format: 'yuv420' }, 'TypeError', 'ERR_INVALID_ARG_VALUE', 'Expected "rgb", "bgr", "rgba", "bgra" or "gray" for `input.format` but received "yuv420"'],
    ['format not a string', { format: 3 }, 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected "rgb", "bgr", "rgba", "bgra" or "gray" for `input.format` but received 3'],
    ['inherited key as format', { format: 'toString' }, 'TypeError', 'ERR_INVALID_ARG_VALUE', 'Expected "rgb", "bgr", "rgba", "bgra" or "gray" for `input.format` but received "toString"'],
    ['zero width', { width: 0 }, 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected an integer from 1 to 16384 for `input.width` but received 0'],
    ['zero height', { height: 0 }, 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected an integer from 1 to 16384 for `input.height` but received 0'],
    ['30000 wide', { width: 30000, height: 30000 }, 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected an integer from 1 to 16384 for `input.width` but received 30000'],
    ['fractional', { width: 2.5 }, 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected an integer from 1 to 16384 for `input.width` but received 2.5'],
    ['width string', { width: '4' }, 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected an integer from 1 to 16384 for `input.width` but received "4"'],
    ['data length', { data: new Uint8Array(35) }, 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected 36 bytes (4 x 3 x 3 for format "rgb") for `input.data` but received Uint8Array of length 35'],
    ['data length rgba', { data: new Uint8Array(36), format: 'rgba' }, 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected 48 bytes (4 x 3 x 4 for format "rgba") for `input.data` but received Uint8Array of length 36'],
    ['data not bytes', { data: new Float32Array(36) }, 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected a Uint8Array (or Buffer) for `input.data` but received Float32Array of length 36'],
  ])('%s', async (_n, over, name, code, message) => {
    expect(await rejection(() => validateRawFrame(frame(over), 'input'))).toEqual({ name, code, message });
    // decodeInput reports the same (the public entry points go through it).
    expect(await rejection(decodeInput(frame(over)))).toEqual({ name, code, message });
  });
  test('a 30000x30000 raw frame is refused before its (absent) data is looked at', async () => {
    expect((await rejection(() => checkInput({ data: new Uint8Array(1), width: 30000, height: 30000, format: 'rgb' }, 'inputs[2]'))).message).toBe(
      'Expected an integer from 1 to 16384 for `inputs[2].width` but received 30000',
    );
  });
});

describe('input types', () => {
  test.each<[string, unknown, string]>([
    ['number', 5, 'received 5'],
    ['null', null, 'received null'],
    ['empty string', '', 'received ""'],
    ['plain object', { width: 3 }, 'received object Object'],
    ['bare Uint8Array', new Uint8Array(3), '(wrap bare pixels in a raw frame) for `input` but received Uint8Array of length 3'],
  ])('%s -> TypeError', async (_n, v, tail) => {
    const r = await rejection(decodeInput(v));
    expect(r.name).toBe('TypeError');
    expect(r.code).toBe('ERR_INVALID_ARG_TYPE');
    expect(r.message.startsWith('Expected a file path, an encoded image Buffer (JPEG/PNG/WebP) or a raw frame {data, width, height, format}')).toBe(true);
    expect(r.message.endsWith(tail)).toBe(true);
  });
});

describe('encoded images', () => {
  let jpeg: Buffer;
  beforeAll(async () => {
    jpeg = await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 200, g: 100, b: 50 } } }).jpeg().toBuffer();
  });

  test('JPEG, PNG (with alpha), WebP and grayscale decode to RGB', async () => {
    const png = await sharp({ create: { width: 5, height: 7, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toBuffer();
    const webp = await sharp({ create: { width: 6, height: 4, channels: 3, background: { r: 0, g: 255, b: 0 } } }).webp({ lossless: true }).toBuffer();
    const gray = await sharp({ create: { width: 3, height: 2, channels: 3, background: { r: 90, g: 90, b: 90 } } }).toColourspace('b-w').png().toBuffer();
    const j = (await decodeInput(jpeg)).frame;
    expect([j.width, j.height, j.format, j.data.length]).toEqual([40, 30, 0, 40 * 30 * 3]);
    expect(Math.abs(j.data[0] - 200)).toBeLessThan(4);
    const p = (await decodeInput(png)).frame;
    expect([p.width, p.height, p.data.length, p.data[0], p.data[1], p.data[2]]).toEqual([5, 7, 105, 10, 20, 30]);
    const w = (await decodeInput(webp)).frame;
    expect([w.width, w.height, w.data[0], w.data[1], w.data[2]]).toEqual([6, 4, 0, 255, 0]);
    const g = (await decodeInput(gray)).frame;
    expect([g.width, g.height, g.data.length, g.data[0], g.data[1], g.data[2]]).toEqual([3, 2, 18, 90, 90, 90]);
  });

  test('from a file path, with decode time', async () => {
    const f = join(dir, 'a.jpg');
    writeFileSync(f, jpeg);
    const d = await decodeInput(f);
    expect(d.frame.width).toBe(40);
    expect(d.decodeMs).toBeGreaterThan(0);
  });

  test('missing file -> ERR_FILE_NOT_FOUND; a directory -> ERR_IMAGE_DECODE', async () => {
    const missing = join(dir, 'missing.jpg');
    expect(await rejection(decodeInput(missing))).toEqual({ name: 'LandmarkerError', code: 'ERR_FILE_NOT_FOUND', message: `Image file not found: ${missing}` });
    expect(await rejection(decodeInput(dir))).toEqual({ name: 'LandmarkerError', code: 'ERR_IMAGE_DECODE', message: `Cannot read image ${dir}: it is a directory` });
  });

  test('empty, garbage, truncated and corrupt images -> ERR_IMAGE_DECODE naming the input', async () => {
    expect(await rejection(decodeInput(Buffer.alloc(0)))).toEqual({ name: 'LandmarkerError', code: 'ERR_IMAGE_DECODE', message: 'Cannot decode image (Buffer of length 0): it is empty' });
    expect(await rejection(decodeInput(Buffer.from('definitely not an image')))).toEqual({
      name: 'LandmarkerError',
      code: 'ERR_IMAGE_DECODE',
      message: 'Cannot decode image (Buffer of length 23): Input buffer contains unsupported image format',
    });
    const truncated = jpeg.subarray(0, Math.floor(jpeg.length * 0.6));
    const t = await rejection(decodeInput(truncated));
    expect(t.code).toBe('ERR_IMAGE_DECODE');
    expect(t.message).toMatch(new RegExp(`^Cannot decode image \\(Buffer of length ${truncated.length}\\): .*(premature end|truncated|corrupt)`, 'i'));
    const corrupt = Buffer.from(jpeg);
    corrupt.fill(0x00, 2, 60); // the markers after SOI (APP0, quantisation tables) wiped
    const c = await rejection(decodeInput(corrupt));
    expect(c.code).toBe('ERR_IMAGE_DECODE');
    // Damage inside the compressed scan of a noisy image: libjpeg only warns; failOn 'warning' makes it an error.
    const px = Buffer.alloc(64 * 64 * 3);
    for (let i = 0; i < px.length; i++) px[i] = (i * 7919) % 256;
    const noisy = await sharp(px, { raw: { width: 64, height: 64, channels: 3 } }).jpeg().toBuffer();
    const damaged = Buffer.from(noisy);
    damaged.fill(0xff, noisy.length >> 1, (noisy.length >> 1) + 50);
    const dm = await rejection(decodeInput(damaged));
    expect(dm.code).toBe('ERR_IMAGE_DECODE');
    expect(dm.message).toMatch(/^Cannot decode image \(Buffer of length \d+\): .*Corrupt JPEG data/);
    const file = join(dir, 'trunc.jpg');
    writeFileSync(file, truncated);
    expect((await rejection(decodeInput(file))).message).toMatch(new RegExp(`^Cannot decode image \\(${file}\\): `));
  });

  test('a 30000x30000 PNG is refused from its header (RangeError), before any pixels are allocated', async () => {
    const big = pngHeader(30000, 30000);
    const rssBefore = process.memoryUsage().rss;
    expect(await rejection(decodeInput(big))).toEqual({
      name: 'RangeError',
      code: 'ERR_OUT_OF_RANGE',
      message: `Expected an image of 1 to 16384 pixels per side for \`input\` but received a 30000x30000 image (Buffer of length ${big.length})`,
    });
    // 30000 x 30000 x 3 would be 2.7 GB; nothing of the sort was allocated.
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(200 * 1024 * 1024);
    const wide = pngHeader(20000, 10);
    expect((await rejection(decodeInput(wide, 'inputs[1]'))).message).toBe(
      `Expected an image of 1 to 16384 pixels per side for \`inputs[1]\` but received a 20000x10 image (Buffer of length ${wide.length})`,
    );
  });
});

describe('boxes', () => {
  test('valid boxes, including partly outside the image', () => {
    expect(validateBox([10, 20, 30, 40], 'box', 100, 100)).toEqual([10, 20, 30, 40]);
    expect(validateBox([-20, -20, 30, 30], 'box', 100, 100)).toEqual([-20, -20, 30, 30]);
    expect(validateBox(new Float32Array([1, 2, 3, 4]), 'box', 100, 100)).toEqual([1, 2, 3, 4]);
  });
  test.each<[string, unknown, string, string, string]>([
    ['not an array', 'x', 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected an array [x, y, w, h] of 4 numbers for `box` but received "x"'],
    ['3 numbers', [1, 2, 3], 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected an array [x, y, w, h] of 4 numbers for `box` but received array of length 3'],
    ['string inside', [1, '2', 3, 4], 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected a number as the box y for `box` but received "2"'],
    ['NaN', [1, 2, NaN, 4], 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected a finite number as the box width for `box` but received NaN'],
    ['Infinity', [Infinity, 2, 3, 4], 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected a finite number as the box x for `box` but received Infinity'],
    ['zero width', [1, 2, 0, 4], 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected a box width > 0 and <= 1e7 pixels for `box` but received 0'],
    ['negative height', [1, 2, 3, -4], 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected a box height > 0 and <= 1e7 pixels for `box` but received -4'],
    ['right of the image', [100, 10, 5, 5], 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected a box that overlaps the 100x80 image for `box` but received [100, 10, 5, 5]'],
    ['below the image', [10, 80, 5, 5], 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected a box that overlaps the 100x80 image for `box` but received [10, 80, 5, 5]'],
    ['left of the image', [-10, 10, 10, 5], 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected a box that overlaps the 100x80 image for `box` but received [-10, 10, 10, 5]'],
    ['above the image', [10, -50, 5, 49.5], 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected a box that overlaps the 100x80 image for `box` but received [10, -50, 5, 49.5]'],
  ])('%s', async (_n, box, name, code, message) => {
    expect(await rejection(() => validateBox(box, 'box', 100, 80))).toEqual({ name, code, message });
  });
  test('shape checks alone need no image', () => {
    expect(checkBoxShape([5000, 5000, 1, 1], 'items[0].box')).toEqual([5000, 5000, 1, 1]);
    expect(() => checkBoxShape([0, 0, 0, 1], 'items[0].box')).toThrow('Expected a box width > 0 and <= 1e7 pixels for `items[0].box` but received 0');
  });
});
