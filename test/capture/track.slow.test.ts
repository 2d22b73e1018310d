import { FfmpegSource } from '../../src/capture/ffmpeg-source';
import { track, type TrackResult } from '../../src/capture/track';
import { alive, childCommands, fakeDetector, FFMPEG, HAS_FFMPEG } from './helpers';

if (!HAS_FFMPEG) console.warn(`test/capture/track: skipped, no ffmpeg at "${FFMPEG}" (install ffmpeg or set TRT_LANDMARKER_FFMPEG)`);
const d = HAS_FFMPEG ? describe : describe.skip;

/** A 30 fps camera stand-in. */
const CAMERA = { lavfi: 'testsrc2=size=160x120:rate=30' };
/** As fast as ffmpeg makes frames, for tests that process every frame. */
const FAST = { lavfi: 'testsrc2=size=160x120:rate=30', realtime: false };

async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('track() arguments', () => {
  const det = fakeDetector();
  test.each([
    [{ policy: 'newest' }, 'ERR_INVALID_ARG_VALUE', "Expected 'latest' or 'all' for `policy` but received \"newest\""],
    [{ maxFrames: 0 }, 'ERR_OUT_OF_RANGE', 'Expected positive integer for `maxFrames` but received 0'],
    [{ box: [0, 0, 0, 10] }, 'ERR_OUT_OF_RANGE', 'Expected [x, y, w, h] with finite numbers and positive w, h for `box` but received array of length 4'],
    [{ smoothing: 'yes' }, 'ERR_INVALID_ARG_TYPE', 'Expected boolean or object for `smoothing` but received "yes"'],
    [{ smoothing: { beta: -1 } }, 'ERR_OUT_OF_RANGE', 'Expected non-negative finite number for `beta` but received -1'],
    [{ tracking: { maxJump: 0 } }, 'ERR_OUT_OF_RANGE', 'Expected positive number for `tracking.maxJump` but received 0'],
  ])('rejects %j at the call, before ffmpeg starts', (options, code, message) => {
    expect(() => track(det, CAMERA, options as never)).toThrow(expect.objectContaining({ code, message }));
  });

  test('rejects a detector without detect()', () => {
    expect(() => track({} as never, CAMERA)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE', message: 'Expected object with a detect() method for `detector` but received object Object' }),
    );
  });
});

d('track() with ffmpeg', () => {
  afterAll(() => {
    expect(childCommands().filter((c) => c.includes('ffmpeg'))).toEqual([]);
  });

  test('latest frame wins: a slow detector gets fresh frames, drops are counted, nothing queues', async () => {
    const det = fakeDetector({ delayMs: 100 });
    const results = await all(track(det, CAMERA, { maxFrames: 12, tracking: false }));
    expect(results).toHaveLength(12);
    const last = results[results.length - 1];
    // ~30 fps in, ~10 fps out (loose bounds: the suite shares 2 cores).
    expect(last.captureFps).toBeGreaterThan(15);
    expect(last.processedFps).toBeGreaterThan(5);
    expect(last.processedFps).toBeLessThan(11);
    expect(last.dropped).toBeGreaterThan(last.processed);
    let skipped = 0;
    results.forEach((r, k) => {
      skipped += r.index - (k ? results[k - 1].index + 1 : 0);
      // Each processed frame was the newest when handed over; every frame skipped before it was dropped.
      expect(r.captured).toBe(r.index + 1);
      expect(r.dropped).toBe(skipped);
      // Latency is one inference plus at most a frame interval and scheduling; a queue would grow it every frame.
      expect(r.latencyMs).toBeGreaterThanOrEqual(99);
      expect(r.latencyMs).toBeLessThan(100 + 34 + 200);
    });
    // The detector saw each processed frame once, as the same RawFrame.
    expect(det.calls.map((c) => c.frame)).toEqual(results.map((r) => r.frame));
  });

  test("policy 'all' processes every frame in order and drops none", async () => {
    const det = fakeDetector({ delayMs: 15 });
    const results = await all(track(det, FAST, { policy: 'all', maxFrames: 20 }));
    expect(results.map((r) => r.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(results.every((r) => r.dropped === 0)).toBe(true);
  });

  test('a file runs to its end and the iterator finishes', async () => {
    const det = fakeDetector();
    const results = await all(track(det, { lavfi: 'testsrc=size=64x48:rate=10:duration=1', realtime: false }, { policy: 'all' }));
    expect(results).toHaveLength(10);
    expect(results[9].index).toBe(9);
  });

  test('break in for await stops ffmpeg: its pid is gone', async () => {
    const source = new FfmpegSource(CAMERA);
    let n = 0;
    let pid = 0;
    for await (const r of track(fakeDetector(), source)) {
      pid = source.pid!;
      expect(alive(pid)).toBe(true);
      expect(r.frame.width).toBe(160);
      if (++n === 3) break;
    }
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
  });

  test('an abort signal ends the loop quietly and stops ffmpeg', async () => {
    const source = new FfmpegSource(CAMERA);
    const ac = new AbortController();
    const results: TrackResult[] = [];
    for await (const r of track(fakeDetector(), source, { signal: ac.signal })) {
      results.push(r);
      if (results.length === 2) ac.abort();
    }
    expect(results).toHaveLength(2);
    expect(alive(source.pid!)).toBe(false);
  });

  test('an abort during inference yields no further result', async () => {
    const det = fakeDetector({ delayMs: 80 });
    const ac = new AbortController();
    const results: TrackResult[] = [];
    for await (const r of track(det, CAMERA, { signal: ac.signal })) {
      results.push(r);
      setTimeout(() => ac.abort(), 20);
    }
    expect(results).toHaveLength(1);
    expect(det.calls.length).toBeLessThanOrEqual(2);
  });

  test('a detector error ends the loop with that error and stops ffmpeg', async () => {
    const source = new FfmpegSource(CAMERA);
    const boom = Object.assign(new Error('inference failed'), { code: 'ERR_INFERENCE' });
    const det = { detect: async () => Promise.reject(boom) };
    await expect(all(track(det, source))).rejects.toBe(boom);
    expect(alive(source.pid!)).toBe(false);
  });

  test('ffmpeg dying mid-stream ends the loop with ERR_CAPTURE', async () => {
    const source = new FfmpegSource(CAMERA);
    const it = track(fakeDetector(), source);
    await it.next();
    process.kill(source.pid!, 'SIGKILL');
    const err = await all(it).catch((e) => e);
    expect(err.code).toBe('ERR_CAPTURE');
    expect(err.message).toMatch(/^ffmpeg was killed by SIGKILL mid-stream after \d+ frames from lavfi testsrc2/);
  });

  test('tracking: crops around the previous landmarks, falls back to the search box on a loss', async () => {
    // Face of half-size 20 found at (60, 50) in the whole frame; scores drop at call 4.
    const det = fakeDetector({ half: 20, centre: [60, 50], scores: (call) => (call === 4 ? 0.05 : 0.9) });
    const results = await all(track(det, FAST, { policy: 'all', maxFrames: 7, tracking: { expand: 1.5 }, smoothing: false }));
    expect(results.map((r) => [r.tracked, r.lost, r.trackLoss])).toEqual([
      [false, null, null],
      [true, null, null],
      [true, null, null],
      [true, null, null],
      // Call 4 (tracked) fails on score; the frame is searched again (call 5) and found.
      [false, null, 'score'],
      [true, null, null],
      [true, null, null],
    ]);
    expect(det.calls[0].box).toBeUndefined();
    // Landmark box of the first answer: [40, 30, 40, 40] (68 points on a circle of radius 20), expanded x1.5.
    const b = det.calls[1].box!;
    expect(b[0]).toBeCloseTo(30, 3);
    expect(b[1]).toBeCloseTo(20, 1);
    expect(b[2]).toBeCloseTo(60, 3);
    expect(b[3]).toBeCloseTo(60, 1);
    expect(det.calls[5].box).toBeUndefined();
    expect(results[4].box).toBeNull();
  });

  test('tracking: the search box is used when there is no track', async () => {
    const det = fakeDetector({ scores: () => 0.01 });
    const results = await all(track(det, FAST, { policy: 'all', maxFrames: 3, box: [10, 10, 50, 50] }));
    expect(results.every((r) => r.lost === 'score' && !r.tracked)).toBe(true);
    expect(det.calls.map((c) => c.box)).toEqual([
      [10, 10, 50, 50],
      [10, 10, 50, 50],
      [10, 10, 50, 50],
    ]);
  });

  test('smoothing: jittery points come out steadier; raw points stay available', async () => {
    let seed = 3;
    const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 6;
    const base = fakeDetector({ centre: [80, 60] });
    const det = {
      detect: async (...a: Parameters<typeof base.detect>) => {
        const r = await base.detect(...a);
        return { ...r, points: r.points.map((v) => v + noise()) };
      },
    };
    const results = await all(track(det, CAMERA, { maxFrames: 40, tracking: false, smoothing: { minCutoff: 0.5, beta: 0 } }));
    const sd = (get: (r: TrackResult) => number) => {
      const v = results.slice(10).map(get);
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
    };
    expect(sd((r) => r.points[0])).toBeLessThan(sd((r) => r.raw.points[0]) / 2);
    expect(results[0].points).toEqual(results[0].raw.points);
  });
});
