/** preprocess / preprocessSync against known answers and a straightforward TS computation (helpers.ts). */
import type { NativeCrop, NativeFrame, NativePreprocessParams } from '../../src/native/addon';
import { addon, maxRelDiff, randomFrame, referencePreprocess, rng } from './helpers';

const plain = (width: number, height: number): NativePreprocessParams => ({
  width,
  height,
  bgr: false,
  scale: 1,
  mean: [0, 0, 0],
  std: [1, 1, 1],
});
const imagenet = (width: number, height: number, bgr: boolean): NativePreprocessParams => ({
  width,
  height,
  bgr,
  scale: 1 / 255,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
});

describe('preprocess: known answers', () => {
  test('whole-image crop at the same size copies the pixels (RGB planes)', () => {
    const rand = rng(1);
    const f = randomFrame(rand, 5, 4, 0);
    const out = addon.preprocessSync([f], [{ x: 0, y: 0, w: 5, h: 4 }], plain(5, 4));
    expect(out).toBeInstanceOf(Float32Array);
    expect(out.length).toBe(3 * 4 * 5);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 5; x++) {
        for (let c = 0; c < 3; c++) expect(out[(c * 4 + y) * 5 + x]).toBe(f.data[(y * 5 + x) * 3 + c]);
      }
    }
  });

  test('halving averages each 2x2 block (gray replicated to 3 channels)', () => {
    const data = Uint8Array.from({ length: 8 * 6 }, (_, i) => (i * 37) % 256);
    const f: NativeFrame = { data, width: 8, height: 6, format: 4 };
    const out = addon.preprocessSync([f], [{ x: 0, y: 0, w: 8, h: 6 }], plain(4, 3));
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 4; x++) {
        const px = (xx: number, yy: number) => data[yy * 8 + xx]!;
        const avg = (px(2 * x, 2 * y) + px(2 * x + 1, 2 * y) + px(2 * x, 2 * y + 1) + px(2 * x + 1, 2 * y + 1)) / 4;
        for (let c = 0; c < 3; c++) expect(out[(c * 3 + y) * 4 + x]).toBeCloseTo(avg, 4);
      }
    }
  });

  test('normalisation and channel order: (p * scale - mean[c]) / std[c], BGR swaps planes', () => {
    // One 1x1 pixel R=200 G=100 B=50, sampled at 1x1.
    const f: NativeFrame = { data: Uint8Array.from([200, 100, 50]), width: 1, height: 1, format: 0 };
    const params: NativePreprocessParams = { width: 1, height: 1, bgr: false, scale: 0.5, mean: [1, 2, 3], std: [2, 4, 8] };
    const rgb = addon.preprocessSync([f], [{ x: 0, y: 0, w: 1, h: 1 }], params);
    expect(Array.from(rgb)).toEqual([(100 - 1) / 2, (50 - 2) / 4, (25 - 3) / 8]);
    const bgr = addon.preprocessSync([f], [{ x: 0, y: 0, w: 1, h: 1 }], { ...params, bgr: true });
    expect(Array.from(bgr)).toEqual([(25 - 1) / 2, (50 - 2) / 4, (100 - 3) / 8]);
  });

  test('a crop entirely outside the frame is black: every value is -mean/std', () => {
    const f = randomFrame(rng(2), 10, 10, 0);
    const params = imagenet(4, 4, false);
    const out = addon.preprocessSync([f], [{ x: 20, y: -30, w: 8, h: 8 }], params);
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < 16; i++) expect(out[c * 16 + i]).toBeCloseTo(-params.mean[c]! / params.std[c]!, 6);
    }
  });

  test('black starts exactly beyond -0.5 / W - 0.5: a crop hanging 2 px off the left edge', () => {
    // Frame 4x1, crop x=-2 w=8 at 8 px: sx = ox - 2, so ox 0..1 (sx -2, -1) are black, ox 2..5 copy, 6..7 black.
    const data = Uint8Array.from([10, 20, 30, 40]);
    const f: NativeFrame = { data, width: 4, height: 1, format: 4 };
    const out = addon.preprocessSync([f], [{ x: -2, y: 0, w: 8, h: 1 }], plain(8, 1));
    expect(Array.from(out.subarray(0, 8))).toEqual([0, 0, 10, 20, 30, 40, 0, 0]);
    // Half a pixel off is still inside (sx = -0.5 clamps to the first pixel).
    const half = addon.preprocessSync([f], [{ x: -1, y: 0, w: 2, h: 1 }], plain(1, 1));
    expect(half[0]).toBe(10);
  });

  test('the same picture in RGB, BGR, RGBA, BGRA gives identical tensors', () => {
    const rand = rng(3);
    const w = 7;
    const h = 5;
    const rgb = randomFrame(rand, w, h, 0).data;
    const conv = (format: number): NativeFrame => {
      const ch = format >= 2 ? 4 : 3;
      const data = new Uint8Array(w * h * ch);
      for (let i = 0; i < w * h; i++) {
        const [r, g, b] = [rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!];
        const px = format === 0 || format === 2 ? [r, g, b] : [b, g, r];
        data.set(ch === 4 ? [...px, 255] : px, i * ch);
      }
      return { data, width: w, height: h, format };
    };
    const crop = { x: -1.5, y: 0.25, w: 9, h: 4 };
    const params = imagenet(6, 6, true);
    const ref = addon.preprocessSync([conv(0)], [crop], params);
    for (const format of [1, 2, 3]) expect(addon.preprocessSync([conv(format)], [crop], params)).toEqual(ref);
  });
});

describe('preprocess: against the TS reference', () => {
  const sizes: [number, number][] = [
    [1, 1],
    [3, 2],
    [17, 9],
    [64, 48],
    [33, 65],
  ];
  const rand = rng(42);
  const cases: { name: string; frame: NativeFrame; crop: NativeCrop; params: NativePreprocessParams }[] = [];
  for (const [w, h] of sizes) {
    for (let format = 0; format <= 4; format++) {
      const frame = randomFrame(rand, w, h, format);
      const crops: [string, NativeCrop][] = [
        ['whole', { x: 0, y: 0, w, h }],
        ['inside', { x: w * 0.2, y: h * 0.1, w: w * 0.5, h: h * 0.7 }],
        ['left-top outside', { x: -w * 0.4, y: -h * 0.3, w: w * 0.9, h: h * 1.1 }],
        ['right-bottom outside', { x: w * 0.6, y: h * 0.5, w: w * 0.8, h: h * 0.9 }],
        ['around', { x: -w * 0.5 - 0.3, y: -h * 0.5 + 0.7, w: w * 2, h: h * 2 }],
      ];
      for (const [cname, crop] of crops) {
        // Up- and down-scaling: model input larger and smaller than the crop; non-square.
        for (const [ow, oh] of [
          [Math.max(1, Math.round(crop.w * 2.3)), Math.max(1, Math.round(crop.h * 1.7))],
          [Math.max(1, Math.round(crop.w / 3)), Math.max(1, Math.round(crop.h / 2))],
        ] as [number, number][]) {
          const bgr = rand() < 0.5;
          cases.push({
            name: `${w}x${h} format ${format} ${cname} -> ${ow}x${oh}${bgr ? ' bgr' : ''}`,
            frame,
            crop,
            params: rand() < 0.5 ? imagenet(ow, oh, bgr) : { ...plain(ow, oh), bgr, mean: [127.5, 127.5, 127.5], std: [128, 64, 32] },
          });
        }
      }
    }
  }

  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const got = addon.preprocessSync([c.frame], [c.crop], c.params);
    const want = referencePreprocess([c.frame], [c.crop], c.params);
    expect(got.length).toBe(want.length);
    expect(maxRelDiff(got, want)).toBeLessThan(1e-5);
  });

  test('a batch of different frames equals the frames one by one, and async equals sync bit for bit', async () => {
    const frames = [randomFrame(rand, 40, 30, 0), randomFrame(rand, 12, 50, 3), randomFrame(rand, 25, 25, 4)];
    const crops = [
      { x: 5, y: -3, w: 30, h: 30 },
      { x: -2, y: 10, w: 20, h: 20 },
      { x: 0, y: 0, w: 25, h: 25 },
    ];
    const params = imagenet(16, 16, false);
    const batch = addon.preprocessSync(frames, crops, params);
    expect(batch.length).toBe(3 * 3 * 16 * 16);
    frames.forEach((f, b) => {
      const one = addon.preprocessSync([f], [crops[b]!], params);
      expect(batch.subarray(b * one.length, (b + 1) * one.length)).toEqual(one);
    });
    const asyncOut = await addon.preprocess(frames, crops, params);
    expect(asyncOut).toEqual(batch);
    expect(maxRelDiff(batch, referencePreprocess(frames, crops, params))).toBeLessThan(1e-5);
  });

  test('many concurrent async calls each get their own correct result', async () => {
    const items = Array.from({ length: 24 }, (_, i) => {
      const frame = randomFrame(rand, 30 + i, 20 + (i % 7), i % 5);
      return { frame, crop: { x: -i, y: i / 2, w: 25, h: 18 }, params: imagenet(32, 24, i % 2 === 0) };
    });
    const outs = await Promise.all(items.map((it) => addon.preprocess([it.frame], [it.crop], it.params)));
    outs.forEach((out, i) => {
      const it = items[i]!;
      expect(out).toEqual(addon.preprocessSync([it.frame], [it.crop], it.params));
    });
  });

  test('frames given as Buffer or as a subarray view are read from their own offset', () => {
    const f = randomFrame(rand, 9, 7, 0);
    const big = new Uint8Array(f.data.length + 13);
    big.set(f.data, 13);
    const crop = { x: 1, y: 1, w: 6, h: 5 };
    const params = plain(4, 4);
    const ref = addon.preprocessSync([f], [crop], params);
    expect(addon.preprocessSync([{ ...f, data: big.subarray(13) }], [crop], params)).toEqual(ref);
    expect(addon.preprocessSync([{ ...f, data: Buffer.from(f.data) }], [crop], params)).toEqual(ref);
  });
});

describe('preprocess: inputs stay alive while the worker runs', () => {
  test('frames referenced only by the pending call survive forced garbage collections', async () => {
    // Expose a gc() without restarting node: the flag only needs to be set before the function is created.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('node:v8').setFlagsFromString('--expose-gc');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const gc = require('node:vm').runInNewContext('gc') as () => void;
    // Large outputs keep the workers busy (tens of ms each) while the main thread collects garbage.
    const params = imagenet(1024, 1024, false);
    const crop = { x: -5, y: 3, w: 150, h: 140 };
    const make = (i: number): NativeFrame => ({
      data: Uint8Array.from({ length: 160 * 150 * 3 }, (_, k) => (k * (i + 3) + i) % 251),
      width: 160,
      height: 150,
      format: 0,
    });
    const pending: Promise<Float32Array>[] = [];
    for (let i = 0; i < 6; i++) pending.push(addon.preprocess([make(i)], [crop], params));
    let done = false;
    void Promise.all(pending).then(() => (done = true));
    while (!done) {
      gc();
      new Uint8Array(160 * 150 * 3).fill(255); // reuse freed memory if the frames were freed
      await new Promise((r) => setImmediate(r));
    }
    const outs = await Promise.all(pending);
    // Byte comparison: jest's deep equality over millions of elements would take a minute.
    const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const same = outs.map((o, i) => bytes(o).equals(bytes(addon.preprocessSync([make(i)], [crop], params))));
    expect(same).toEqual(outs.map(() => true));
  });
});
