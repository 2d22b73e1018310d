import { request } from 'node:http';
import sharp from 'sharp';
import { chromium, type Browser } from 'playwright-core';
import { annotate } from '../../src/capture/annotate';
import { PreviewServer, type PreviewFigures } from '../../src/capture/preview-server';
import { track } from '../../src/capture/track';
import { CHROMIUM, CHROMIUM_ARGS, fakeDetector, FFMPEG, HAS_CHROMIUM, HAS_FFMPEG, points } from './helpers';

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type?: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const FIGURES: PreviewFigures = { index: 7, width: 64, height: 48, captureFps: 30, processedFps: 12.5, latencyMs: 41.2, inferenceMs: 30.1, dropped: 3, tracked: true, lost: null };

describe('PreviewServer', () => {
  let server: PreviewServer;
  beforeAll(async () => {
    server = await PreviewServer.start({ info: { model: 'fake.onnx' } });
  });
  afterAll(() => server.close());

  test('listens on 127.0.0.1 only, on a free port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.port).toBeGreaterThan(0);
  });

  test('refuses other Host headers (DNS rebinding) and unknown paths', async () => {
    expect((await get(server.url, { Host: 'evil.example:80' })).status).toBe(403);
    expect((await get(`${server.url}nope`)).status).toBe(404);
  });

  test('before the first frame: page, no stats, no frame', async () => {
    const page = await get(server.url);
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain('<img id="video"');
    expect(page.body.toString()).toContain('<th>model</th><td>fake.onnx</td>');
    expect((await get(`${server.url}stats.json`)).body.toString()).toBe('null');
    expect((await get(`${server.url}frame.jpg`)).status).toBe(503);
  });

  test('a published frame comes back as a JPEG with the points drawn, and its figures as JSON', async () => {
    const black = { data: new Uint8Array(64 * 48 * 3), width: 64, height: 48, format: 'rgb' as const };
    const rgb = annotate(black, { points: new Float32Array([20, 20, 40, 30]), radius: 2 });
    server.publish(rgb, 64, 48, FIGURES);
    const jpg = await get(`${server.url}frame.jpg`);
    expect(jpg.type).toBe('image/jpeg');
    const { data, info } = await sharp(jpg.body).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([64, 48]);
    const px = (x: number, y: number) => [...data.subarray((y * 64 + x) * info.channels, (y * 64 + x) * info.channels + 3)];
    for (const [x, y] of [
      [20, 20],
      [40, 30],
    ]) {
      const [r, g, b] = px(x, y);
      expect(g).toBeGreaterThan(200);
      expect(r + b).toBeLessThan(120);
    }
    expect(px(5, 40).every((v) => v < 30)).toBe(true);
    expect(JSON.parse((await get(`${server.url}stats.json`)).body.toString())).toEqual(FIGURES);
  });

  test('rejects a bad port', async () => {
    await expect(PreviewServer.start({ port: 70000 })).rejects.toMatchObject({
      code: 'ERR_OUT_OF_RANGE',
      message: 'Expected integer in 0..65535 for `port` but received 70000',
    });
  });

  test('a port in use is ERR_CAPTURE', async () => {
    await expect(PreviewServer.start({ port: server.port })).rejects.toMatchObject({
      code: 'ERR_CAPTURE',
      message: `Cannot serve the preview on 127.0.0.1:${server.port}: EADDRINUSE`,
    });
  });
});

if (!HAS_CHROMIUM) console.warn(`test/capture/preview: page test skipped, no chromium at ${CHROMIUM}`);
if (!HAS_FFMPEG) console.warn(`test/capture/preview: page test skipped, no ffmpeg at "${FFMPEG}"`);
const withBrowser = HAS_CHROMIUM && HAS_FFMPEG ? describe : describe.skip;

withBrowser('preview page in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  afterAll(() => browser?.close());

  test('live frames with points and the fps/latency figures appear', async () => {
    const server = await PreviewServer.start({ info: { model: 'fake' } });
    const ac = new AbortController();
    const det = fakeDetector({ delayMs: 20, centre: [80, 60], half: 30 });
    const loop = (async () => {
      for await (const r of track(det, { lavfi: 'color=c=black:s=160x120:r=30' }, { signal: ac.signal, tracking: false })) {
        server.publish(annotate(r.frame, { points: r.points, radius: 2 }), 160, 120, {
          index: r.index, width: 160, height: 120, captureFps: r.captureFps, processedFps: r.processedFps, latencyMs: r.latencyMs,
          inferenceMs: r.raw.timings.inference, dropped: r.dropped, tracked: r.tracked, lost: r.lost,
        });
      }
    })();
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      // Browser-side expressions as strings: this project compiles without the DOM library.
      await page.waitForFunction("document.getElementById('video').naturalWidth > 0 && Number(document.getElementById('processedFps').textContent) > 0", undefined, {
        timeout: 15000,
      });
      const text = (id: string) => page.locator(`#${id}`).textContent();
      expect(Number(await text('captureFps'))).toBeGreaterThan(10);
      expect(Number(await text('latencyMs'))).toBeGreaterThanOrEqual(20);
      expect(await text('size')).toBe('160x120');
      expect(Number(await text('index'))).toBeGreaterThan(0);
      expect(await text('status')).toBe('live');
      const firstIndex = Number(await text('index'));
      await page.waitForFunction(`Number(document.getElementById('index').textContent) > ${firstIndex}`, undefined, { timeout: 5000 });
      // The <img> shows the stream: green points on black where the fake face is.
      expect(await page.evaluate("document.getElementById('video').naturalHeight")).toBe(120);
      const shot = await page.locator('#video').screenshot();
      const { data, info } = await sharp(shot).raw().toBuffer({ resolveWithObject: true });
      let green = 0;
      for (let i = 0; i < data.length; i += info.channels) if (data[i + 1] > 180 && data[i] < 90 && data[i + 2] < 90) green++;
      expect(green).toBeGreaterThan(68 * 4);
      const p = points(80, 60, 30);
      const at = (k: number) => (Math.round(p[2 * k + 1]) * info.width + Math.round(p[2 * k])) * info.channels;
      expect(data[at(0) + 1]).toBeGreaterThan(150);
      await page.close();
    } finally {
      ac.abort();
      await loop;
      await server.close();
    }
  });
});
