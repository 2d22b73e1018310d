/**
 * decodeJpeg (native/addon/jpeg_decode.cc): libjpeg-turbo loaded at run time, DCT-scaled decodes and regions.
 * References: sharp's decode of the same bytes (the same libjpeg algorithms, a different copy of the library) and
 * the addon's own whole-image decode, of which a region must be the exact same rectangle.
 */
import sharp from 'sharp';
import { join } from 'node:path';
import { addon, expectRejects, rng } from './helpers';

const ASTRONAUT = join(__dirname, '..', '..', 'samples', 'astronaut.png');
const status = addon.jpegDecoder();
const MAX = 1e9;

async function jpeg(width: number, height: number, options: import('sharp').JpegOptions & { grey?: boolean } = {}): Promise<Buffer> {
  const { grey, ...jpegOptions } = options;
  let img = sharp(ASTRONAUT).resize(width, height, { fit: 'fill' });
  if (grey) img = img.grayscale();
  return img.jpeg({ quality: 90, ...jpegOptions }).toBuffer();
}

/** The whole image at 1 / shrink: its one image plus the scaled size. */
async function decodeWhole(bytes: Uint8Array, shrink: 1 | 2 | 4 | 8) {
  const out = await addon.decodeJpeg(bytes, shrink, null, MAX);
  expect(out.images).toHaveLength(1);
  const img = out.images[0]!;
  expect([img.width, img.height]).toEqual([out.scaledWidth, out.scaledHeight]);
  return img;
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('jpegDecoder() says whether the decoder runs here and what it is or why not', () => {
  expect(typeof status.available).toBe('boolean');
  expect(status.detail).toMatch(status.available ? /^libjpeg-turbo \(libjpeg\.so\.\d+, built against jpeglib\.h API \d+/ : /jpeglib\.h|libjpeg\.so/);
});

test('where the decoder is unavailable, decodeJpeg rejects with ERR_BACKEND_UNAVAILABLE and the reason', async () => {
  const call = addon.decodeJpeg(new Uint8Array([0xff, 0xd8, 0xff]), 1, null, MAX);
  if (status.available) await expect(call).rejects.toMatchObject({ code: 'ERR_IMAGE_DECODE' });
  else await expectRejects(call, 'Error', 'ERR_BACKEND_UNAVAILABLE', `JPEG decoder unavailable: ${status.detail}`);
});

const describeAvailable = status.available ? describe : describe.skip;
if (!status.available) console.log(`jpeg-decode: decoding tests skipped, the JPEG decoder is unavailable here: ${status.detail}`);

describeAvailable('decodeJpeg', () => {
  const kinds = [
    ['4:2:0', {}],
    ['4:4:4', { chromaSubsampling: '4:4:4' }],
    ['progressive', { progressive: true }],
    ['grey', { grey: true }],
  ] as const;

  test.each(kinds)('%s, odd size: the full-resolution decode is the pixels sharp decodes', async (_k, options) => {
    const bytes = await jpeg(1037, 771, options);
    const ours = await decodeWhole(bytes, 1);
    const ref = await sharp(bytes).toColourspace('srgb').raw().toBuffer();
    expect([ours.width, ours.height]).toEqual([1037, 771]);
    expect(maxDiff(ours.data, ref)).toBe(0);
  });

  test.each([2, 4, 8] as const)('1/%i: the size is ceil(W / shrink) x ceil(H / shrink) and each pixel is close to the mean of its block', async (shrink) => {
    const bytes = await jpeg(1037, 771, { chromaSubsampling: '4:4:4', quality: 95 });
    const ours = await decodeWhole(bytes, shrink);
    expect([ours.width, ours.height]).toEqual([Math.ceil(1037 / shrink), Math.ceil(771 / shrink)]);
    // Reference: sharp's full-resolution decode, averaged over each shrink x shrink block (whole blocks only).
    const full = await sharp(bytes).raw().toBuffer();
    let sum = 0;
    let n = 0;
    for (let by = 0; by < Math.floor(771 / shrink); by++) {
      for (let bx = 0; bx < Math.floor(1037 / shrink); bx++) {
        for (let c = 0; c < 3; c++) {
          let mean = 0;
          for (let y = 0; y < shrink; y++) for (let x = 0; x < shrink; x++) mean += full[((by * shrink + y) * 1037 + bx * shrink + x) * 3 + c]!;
          sum += Math.abs(mean / (shrink * shrink) - ours.data[(by * ours.width + bx) * 3 + c]!);
          n++;
        }
      }
    }
    // DCT scaling keeps the block's low frequencies; a box mean is close to it on a photo, not equal (0.39, 0.40
    // and 0.44 grey levels measured at 1/2, 1/4 and 1/8; a decode off by one block gives several levels).
    expect(sum / n).toBeLessThan(1);
  });

  test.each(kinds)('%s: regions at every scale are exactly those rectangles of the whole decode, in one call', async (_k, options) => {
    const bytes = await jpeg(517, 389, options);
    const rand = rng(11);
    for (const shrink of [1, 2, 4, 8] as const) {
      const whole = await decodeWhole(bytes, shrink);
      const W = whole.width;
      const H = whole.height;
      const regions = [
        { left: 0, top: 0, width: W, height: H },
        { left: 0, top: 0, width: 1, height: 1 },
        { left: W - 1, top: H - 1, width: 1, height: 1 },
        { left: 16, top: 16, width: 16, height: 16 }, // edges on iMCU boundaries
      ];
      for (let i = 0; i < 6; i++) {
        const left = Math.floor(rand() * (W - 1));
        const top = Math.floor(rand() * (H - 1));
        regions.push({ left, top, width: 1 + Math.floor(rand() * (W - left)), height: 1 + Math.floor(rand() * (H - top)) });
      }
      const crop = (r: (typeof regions)[0]) => {
        const out = new Uint8Array(r.width * r.height * 3);
        for (let y = 0; y < r.height; y++) out.set(whole.data.subarray(((r.top + y) * W + r.left) * 3, ((r.top + y) * W + r.left + r.width) * 3), y * r.width * 3);
        return out;
      };
      // Each region alone (the crop and skip edges at its own sides), then all of them (overlapping) in one pass.
      for (const r of regions.slice(1)) {
        const one = await addon.decodeJpeg(bytes, shrink, [r], MAX);
        expect([one.scaledWidth, one.scaledHeight, one.images.length]).toEqual([W, H, 1]);
        expect(maxDiff(one.images[0]!.data, crop(r))).toBe(0);
      }
      const all = await addon.decodeJpeg(bytes, shrink, regions.slice(1), MAX);
      all.images.forEach((img, i) => {
        const r = regions[i + 1]!;
        expect([img.width, img.height]).toEqual([r.width, r.height]);
        expect(maxDiff(img.data, crop(r))).toBe(0);
      });
    }
  });

  test('the bytes are copied before the call returns: detaching them while the job runs changes nothing', async () => {
    const bytes = await jpeg(640, 480);
    const expected = await decodeWhole(bytes, 2);
    const copy = new Uint8Array(bytes);
    const pending = addon.decodeJpeg(copy, 2, null, MAX);
    structuredClone(copy.buffer, { transfer: [copy.buffer] });
    expect(copy.byteLength).toBe(0);
    expect(maxDiff((await pending).images[0]!.data, expected.data)).toBe(0);
  });

  test('bad data rejects with ERR_IMAGE_DECODE and libjpeg’s own words', async () => {
    const bytes = await jpeg(320, 240);
    const png = await sharp(ASTRONAUT).resize(32, 32).png().toBuffer();
    await expectRejects(addon.decodeJpeg(png, 1, null, MAX), 'Error', 'ERR_IMAGE_DECODE', 'Cannot decode JPEG: Not a JPEG file: starts with 0x89 0x50');
    await expectRejects(addon.decodeJpeg(bytes.subarray(0, bytes.length >> 1), 1, null, MAX), 'Error', 'ERR_IMAGE_DECODE', 'Cannot decode JPEG: Premature end of JPEG file');
    await expectRejects(addon.decodeJpeg(new Uint8Array(0), 1, null, MAX), 'Error', 'ERR_IMAGE_DECODE', 'Cannot decode JPEG: no data');
    const cmyk = await sharp(ASTRONAUT).resize(32, 32).toColourspace('cmyk').jpeg().toBuffer();
    await expectRejects(addon.decodeJpeg(cmyk, 1, null, MAX), 'Error', 'ERR_IMAGE_DECODE', 'Cannot decode JPEG: Unsupported color conversion request');
  });

  test('mutated JPEGs decode or reject with ERR_IMAGE_DECODE, never crash', async () => {
    const bytes = await jpeg(160, 120, { progressive: true });
    const rand = rng(5);
    const codes = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const m = Buffer.from(bytes);
      for (let k = 0; k < 1 + Math.floor(rand() * 8); k++) m[Math.floor(rand() * m.length)] = Math.floor(rand() * 256);
      const cut = rand() < 0.2 ? m.subarray(0, Math.floor(rand() * m.length)) : m;
      const region = rand() < 0.5 ? [{ left: 3, top: 5, width: 7, height: 9 }] : null;
      await addon.decodeJpeg(cut, ([1, 2, 4, 8] as const)[i % 4]!, region, MAX).then(
        () => codes.add('ok'),
        (e: { code?: string }) => codes.add(String(e.code)),
      );
    }
    // A region can also fall outside a mutated header's (smaller) size: ERR_OUT_OF_RANGE.
    expect([...codes].filter((c) => !['ok', 'ERR_IMAGE_DECODE', 'ERR_OUT_OF_RANGE'].includes(c))).toEqual([]);
    expect(codes.has('ERR_IMAGE_DECODE')).toBe(true);
  });

  test('arguments: shrink, the region and the pixel limit are checked', async () => {
    const bytes = await jpeg(320, 240);
    await expectRejects(addon.decodeJpeg(bytes, 3 as 2, null, MAX), 'TypeError', 'ERR_INVALID_ARG_VALUE', 'Expected 1, 2, 4 or 8 for `shrink` but received 3');
    await expectRejects(addon.decodeJpeg(bytes, 2, [{ left: 0, top: 0, width: 2, height: 1 }, { left: 159, top: 0, width: 2, height: 1 }], MAX), 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected regions inside the 160x120 image at 1/2 but region 1 is 159,0 2x1');
    await expectRejects(addon.decodeJpeg(bytes, 2, [], MAX), 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected 1 to 65536 entries for `regions` but received 0');
    await expectRejects(addon.decodeJpeg(bytes, 2, [{ left: 0, top: 0, width: 0, height: 1 }], MAX), 'RangeError', 'ERR_OUT_OF_RANGE', 'Expected an integer in 1..1048576 for `regions[0].width` but received 0');
    await expectRejects(addon.decodeJpeg(bytes, 1, null, 320 * 240 - 1), 'RangeError', 'ERR_OUT_OF_RANGE', 'JPEG of 320x240 pixels at 1/1 exceeds the limit of 76799 pixels');
    await expectRejects(addon.decodeJpeg('x.jpg' as unknown as Uint8Array, 1, null, MAX), 'TypeError', 'ERR_INVALID_ARG_TYPE', 'Expected a Uint8Array for `bytes` but received string');
  });
});
