/** The CLI's detect (single image, folder with a bad file, JSON lines, overlays) and info, on a tiny model. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { regressionContract, tinyRegression } from '../unit/helpers/onnx-builder';
import { cli } from './cli-helpers';

const dir = mkdtempSync(join(tmpdir(), 'cli-'));
const MODEL = join(dir, 'tiny.onnx');
writeFileSync(MODEL, tinyRegression());
writeFileSync(join(dir, 'tiny.json'), JSON.stringify(regressionContract())); // sidecar

describe('trt-landmarker detect', () => {
  const images = join(dir, 'images');
  beforeAll(async () => {
    mkdirSync(images);
    for (const [i, name] of ['a.jpg', 'b.png', 'c.webp'].entries()) {
      const img = sharp({ create: { width: 60 + 10 * i, height: 50, channels: 3, background: { r: 40 * i, g: 100, b: 200 } } });
      await (name.endsWith('.jpg') ? img.jpeg() : name.endsWith('.png') ? img.png() : img.webp()).toFile(join(images, name));
    }
    writeFileSync(join(images, 'broken.jpg'), 'not a jpeg');
    writeFileSync(join(images, 'notes.txt'), 'ignored');
  });

  test('one image, human output with all points', async () => {
    const r = await cli(['detect', join(images, 'a.jpg'), '--model', MODEL, '--backend', 'onnxruntime', '--whole-image']);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${join(images, 'a.jpg')}: 68 points \\(60x50\\) in [\\d.]+ ms`));
    expect(lines).toHaveLength(69);
    expect(lines[1]).toMatch(/^\s+0: -?[\d.]+ -?[\d.]+$/);
    expect(r.err).toContain('backend: onnxruntime (ONNX Runtime (CPU) as requested');
  });

  test('a folder: JSON lines for the good images, the bad one reported, exit code 1, one overlay per image', async () => {
    const ov = join(dir, 'overlays');
    const r = await cli(['detect', images, '--model', MODEL, '--backend', 'onnxruntime', '--json', '--box', '5,5,40,30', '--overlay', ov]);
    expect(r.code).toBe(1);
    const objs = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(objs.map((o) => o.file)).toEqual([join(images, 'a.jpg'), join(images, 'b.png'), join(images, 'c.webp')]);
    for (const o of objs) {
      expect(o.points).toHaveLength(136);
      expect(o.crop).toEqual({ x: 1, y: -4, w: 48, h: 48 }); // centre (25, 20), side 1.2 x 40
    }
    expect(r.err).toContain(`${join(images, 'broken.jpg')}: [ERR_IMAGE_DECODE] Cannot decode image (${join(images, 'broken.jpg')})`);
    expect(readdirSync(ov).sort()).toEqual(['a.png', 'b.png', 'c.png']);
  });

  test('overlay to a file', async () => {
    const out = join(dir, 'one.png');
    const r = await cli(['detect', join(images, 'b.png'), '--model', MODEL, '--backend', 'onnxruntime', '--whole-image', '--overlay', out]);
    expect(r.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect((await sharp(out).metadata()).width).toBe(70);
  });

  test('no model and no box: the shipped models find the sample\'s face; one JSON line per image; overlay', async () => {
    const out = join(dir, 'astronaut-overlay.png');
    const sample = join(__dirname, '..', '..', 'samples', 'astronaut.png');
    const r = await cli(['detect', sample, '--overlay', out]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    const o = JSON.parse(lines[0]);
    expect(o.file).toBe(sample);
    expect(o.faces).toHaveLength(1);
    expect(o.faces[0].points).toHaveLength(136);
    expect(o.faces[0].box).toHaveLength(4);
    expect(r.err).toMatch(/astronaut\.png: 1 face in [\d.]+ ms/);
    expect(await sharp(out).metadata()).toMatchObject({ width: 512, height: 512, format: 'png' });
    // A picture without a face: an empty list, exit code 0.
    const r2 = await cli(['detect', join(images, 'a.jpg')]);
    expect(r2.code).toBe(0);
    expect(JSON.parse(r2.out.trim()).faces).toEqual([]);
  });

  test('usage errors', async () => {
    await expect(cli(['detect', join(images, 'a.jpg'), '--box', '1,2,3,4', '--whole-image'])).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE', message: '--box and --whole-image exclude each other' });
    await expect(cli(['detect', join(images, 'a.jpg'), '--config', 'c.json'])).rejects.toMatchObject({ message: expect.stringMatching(/^--config needs --model PATH/) });
    await expect(cli(['detect', join(images, 'a.jpg'), '--max-faces', 'many'])).rejects.toMatchObject({ message: 'Expected a number for --max-faces but received "many"' });
    await expect(cli(['detect', join(images, 'a.jpg'), '--model', MODEL, '--box', '1,2,3'])).rejects.toMatchObject({ message: 'Expected --box x,y,w,h (4 numbers) but received "1,2,3"' });
    await expect(cli(['detect', join(dir, 'nope.jpg'), '--model', MODEL])).rejects.toMatchObject({ code: 'ERR_FILE_NOT_FOUND', message: `Image or folder not found: ${join(dir, 'nope.jpg')}` });
    // A file that fails is exit 1 ("some files failed") for a single file as for a folder.
    const broken = await cli(['detect', join(images, 'broken.jpg'), '--model', MODEL, '--backend', 'onnxruntime', '--whole-image']);
    expect(broken.code).toBe(1);
    expect(broken.err).toContain(`${join(images, 'broken.jpg')}: [ERR_IMAGE_DECODE] Cannot decode image`);
    await expect(cli(['detect', join(images, 'a.jpg'), '--model', MODEL, '--backend', 'gpu'])).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE', message: 'Expected one of "auto", "tensorrt", "onnxruntime" for `backend` but received "gpu"' });
  });
});

describe('trt-landmarker info', () => {
  test('text and JSON', async () => {
    const t = await cli(['info']);
    expect(t.code).toBe(0);
    for (const label of ['Node.js', 'addon', 'GPU path', 'GPU', 'driver', 'TensorRT', 'ONNX Runtime', 'sharp', 'large JPEGs', 'backend']) {
      expect(t.out).toMatch(new RegExp(`^${label}\\s`, 'm'));
    }
    const j = await cli(['info', '--json']);
    const s = JSON.parse(j.out);
    expect(s.node).toBe(process.versions.node);
    expect(s.addon.loaded).toBe(true);
    expect(typeof s.addon.variant).toBe('string');
    expect(s.onnxruntime).toMatch(/^\d+\.\d+\.\d+/);
    expect(typeof s.tensorrt.reason).toBe('string');
    expect(['tensorrt', 'onnxruntime']).toContain(s.defaultBackend);
    // Who decodes large JPEGs: the addon's run-time loaded libjpeg-turbo, or sharp saying why.
    expect(s.jpegDecoder).toMatch(/^the addon's libjpeg-turbo \(libjpeg\.so\.\d+|^sharp: /);
  });
});
