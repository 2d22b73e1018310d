import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { run } from '../../src/cli/commands/webcam';
import { childCommands, CHROMIUM, CHROMIUM_ARGS, FFMPEG, HAS_CHROMIUM, HAS_FFMPEG, HELEN, PEPPA, PEPPA_CONTRACT, runFfmpeg, tempDir } from './helpers';

/** Captures what run() writes to stdout and stderr. */
function capture() {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => (err.push(String(c)), true));
  return {
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    restore: () => {
      o.mockRestore();
      e.mockRestore();
    },
  };
}

describe('webcam CLI arguments', () => {
  test.each([
    [['--config', 'c.json', '--lavfi', 'testsrc'], '--config needs --model (the default model brings its own contract)'],
    [['--lavfi', 'testsrc', '--detect-every', '0'], 'Expected a positive integer for --detect-every but received "0"'],
    [['--model', 'm.onnx', '--input', 'a.mp4', '--lavfi', 'testsrc'], 'Give one of --device, --input, --lavfi but received --input and --lavfi'],
    [['--model', 'm.onnx', '--lavfi', 'testsrc', '--size', '640'], 'Expected WxH (e.g. 640x480) for --size but received "640"'],
    [['--model', 'm.onnx', '--lavfi', 'testsrc', '--fps', '0'], 'Expected a frame rate in (0, 1000] for --fps but received "0"'],
    [['--model', 'm.onnx', '--lavfi', 'testsrc', '--port', '99999'], 'Expected a port in 0..65535 for --port but received "99999"'],
    [['--model', 'm.onnx', '--lavfi', 'testsrc', '--box', '1,2,3'], 'Expected --box x,y,w,h (4 numbers) but received "1,2,3"'],
    [['--model', 'm.onnx', '--lavfi', 'testsrc', '--beta', '-1'], 'Expected a non-negative number for --beta but received "-1"'],
    [['--model', 'm.onnx', '--lavfi', 'testsrc', '--bogus'], 'Unknown flag --bogus'],
  ])('%j', async (argv, message) => {
    const err = await run(argv).catch((e) => e);
    expect(err.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(err.message.split('\n')[0]).toBe(message);
  });
});

const ready = HAS_FFMPEG && existsSync(PEPPA) && existsSync(PEPPA_CONTRACT);
if (!ready) console.warn(`test/capture/webcam-cli: end-to-end tests skipped (needs ffmpeg "${FFMPEG}" and ${PEPPA})`);
const d = ready ? describe : describe.skip;

function readPts(file: string): Float32Array {
  const body = readFileSync(file, 'utf8').split('{')[1].split('}')[0].trim().split(/\s+/).map(Number);
  // 300W files are 1-indexed.
  return Float32Array.from(body, (v) => v - 1);
}

d('webcam CLI end to end (peppa-slim160, ONNX Runtime)', () => {
  let dir: string;
  const model = ['--model', PEPPA, '--config', PEPPA_CONTRACT, '--backend', 'onnxruntime'];
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    expect(childCommands().filter((c) => c.includes('ffmpeg'))).toEqual([]);
  });

  const helenFace = join(HELEN, '296814969_3');
  (existsSync(`${helenFace}.jpg`) ? test : test.skip)('a moving face in a video file: tracked, accurate, JSON lines and a recording', async () => {
    // The 320x320 HELEN crop scaled to 240x240 and moved over a 640x480 frame; its landmarks are known per frame.
    const video = join(dir, 'moving-face.mkv');
    const x = (t: number) => 200 + 120 * Math.sin(t * 1.3);
    const y = (t: number) => 120 + 60 * Math.cos(t * 0.9);
    runFfmpeg([
      '-f', 'lavfi', '-i', 'color=c=gray:s=640x480:r=30', '-loop', '1', '-i', `${helenFace}.jpg`, '-filter_complex',
      "[1:v]scale=240:240[f];[0:v][f]overlay=x='200+120*sin(t*1.3)':y='120+60*cos(t*0.9)':shortest=1",
      '-frames:v', '60', '-c:v', 'ffv1', video,
    ]);
    const truth = readPts(`${helenFace}.pts`).map((v) => v * 0.75);
    const out = join(dir, 'annotated.mp4');
    const io = capture();
    let code: number;
    try {
      code = await run([...model, '--no-detect', '--input', video, '--all', '--no-realtime', '--json', '--no-serve', '--record', out]);
    } finally {
      io.restore();
    }
    expect(code).toBe(0);
    const lines = io.stdout().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(60);
    expect(lines.map((l) => l.index)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(lines[0]).toMatchObject({ tracked: false, lost: null, box: null, width: 640, height: 480, dropped: 0 });
    expect(lines.slice(1).every((l) => l.tracked)).toBe(true);
    expect(io.stderr()).toMatch(/^60 frames processed of 60 captured \(0 dropped\) in [\d.]+ s; processed [\d.]+ fps, capture [\d.]+ fps, median latency [\d.]+ ms; recorded /m);
    // Inter-ocular NME (outer eye corners 36, 45) against the moved ground truth, once the track has settled.
    const nme = lines.slice(3).map((l) => {
      const t = l.index / 30;
      const gt = truth.map((v, i) => v + (i % 2 ? Math.trunc(y(t)) : Math.trunc(x(t))));
      const iod = Math.hypot(gt[72] - gt[90], gt[73] - gt[91]);
      let s = 0;
      for (let k = 0; k < 68; k++) s += Math.hypot(l.points[2 * k] - gt[2 * k], l.points[2 * k + 1] - gt[2 * k + 1]);
      return s / 68 / iod;
    });
    nme.sort((a, b) => a - b);
    expect(nme[Math.floor(nme.length / 2)]).toBeLessThan(0.1);
    const probe = execFileSync(FFMPEG.replace(/ffmpeg$/, 'ffprobe'), ['-v', 'error', '-count_frames', '-show_entries', 'stream=width,height,nb_read_frames', '-of', 'csv=p=0', out], {
      encoding: 'utf8',
    });
    expect(probe.trim()).toBe('640,480,60');

    // Face mode (the default): the detector acquires the face on frame 0, the same id all along, same accuracy.
    const io2 = capture();
    try {
      expect(await run([...model, '--input', video, '--all', '--no-realtime', '--json', '--no-serve', '--detect-every', '5'])).toBe(0);
    } finally {
      io2.restore();
    }
    const faceLines = io2.stdout().trim().split('\n').map((l) => JSON.parse(l));
    expect(faceLines).toHaveLength(60);
    expect(faceLines[0]).toMatchObject({ detected: true, width: 640, height: 480 });
    expect(faceLines.every((l) => l.faces.length === 1 && l.faces[0].id === 1)).toBe(true);
    expect(faceLines.filter((l) => l.detected).length).toBeGreaterThanOrEqual(12); // frames 0, 5, 10, ...
    const faceNme = faceLines.slice(3).map((l) => {
      const t = l.index / 30;
      const gt = truth.map((v, i) => v + (i % 2 ? Math.trunc(y(t)) : Math.trunc(x(t))));
      const iod = Math.hypot(gt[72] - gt[90], gt[73] - gt[91]);
      let s = 0;
      for (let k = 0; k < 68; k++) s += Math.hypot(l.faces[0].points[2 * k] - gt[2 * k], l.faces[0].points[2 * k + 1] - gt[2 * k + 1]);
      return s / 68 / iod;
    });
    faceNme.sort((a, b) => a - b);
    expect(faceNme[Math.floor(faceNme.length / 2)]).toBeLessThan(0.1);
  });

  test('face mode on a test pattern: no face is ever reported, though the landmark model returns points there', async () => {
    const io = capture();
    try {
      expect(await run([...model, '--lavfi', 'testsrc=size=320x240:rate=30', '--all', '--json', '--no-serve', '--frames', '20'])).toBe(0);
    } finally {
      io.restore();
    }
    const lines = io.stdout().trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(20);
    expect(lines.every((l) => Array.isArray(l.faces) && l.faces.length === 0)).toBe(true);
  });

  (HAS_CHROMIUM ? test : test.skip)('a lavfi source through the page: frames and figures appear; the signal stops it', async () => {
    const io = capture();
    const ac = new AbortController();
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const done = run([...model, '--lavfi', 'testsrc2=size=320x240:rate=30'], ac.signal);
      const t0 = Date.now();
      while (!/Preview: (\S+)/.test(io.stderr()) && Date.now() - t0 < 15000) await new Promise((r) => setTimeout(r, 50));
      const url = /Preview: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(io.stderr())![1];
      const page = await browser.newPage();
      await page.goto(url);
      // Browser-side expressions as strings: this project compiles without the DOM library.
      await page.waitForFunction("document.getElementById('video').naturalWidth === 320 && Number(document.getElementById('processedFps').textContent) > 0", undefined, {
        timeout: 15000,
      });
      expect(Number(await page.locator('#captureFps').textContent())).toBeGreaterThan(10);
      expect(Number(await page.locator('#latencyMs').textContent())).toBeGreaterThan(0);
      expect(await page.locator('table').textContent()).toContain('onnxruntime');
      ac.abort();
      expect(await done).toBe(0);
      await page.waitForFunction("document.getElementById('status').textContent === 'stream ended'", undefined, { timeout: 5000 });
    } finally {
      ac.abort();
      io.restore();
      await browser.close();
    }
    expect(io.stderr()).toMatch(/frames processed of \d+ captured/);
  });

  test('a capture error ends the command with ERR_CAPTURE', async () => {
    const io = capture();
    try {
      await expect(run([...model, '--input', join(dir, 'missing.mp4'), '--no-serve'])).rejects.toMatchObject({
        code: 'ERR_CAPTURE',
        message: expect.stringContaining(`Cannot capture from input ${join(dir, 'missing.mp4')}: no such device or file`),
      });
    } finally {
      io.restore();
    }
  });
});
