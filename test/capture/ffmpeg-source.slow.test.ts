import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { FfmpegSource, readFrames, type CapturedFrame } from '../../src/capture/ffmpeg-source';
import type { CaptureSourceSpec } from '../../src/capture/ffmpeg-args';
import { alive, childCommands, fakeFfmpeg, FFMPEG, HAS_FFMPEG, runFfmpeg, tempDir, videoFromImages } from './helpers';

if (!HAS_FFMPEG) console.warn(`test/capture/ffmpeg-source: skipped, no ffmpeg at "${FFMPEG}" (install ffmpeg or set TRT_LANDMARKER_FFMPEG)`);
const d = HAS_FFMPEG ? describe : describe.skip;

async function collect(spec: CaptureSourceSpec, max = Infinity): Promise<CapturedFrame[]> {
  const out: CapturedFrame[] = [];
  for await (const f of readFrames(spec)) {
    out.push(f);
    if (out.length >= max) break;
  }
  return out;
}

/** Pulls every frame of a source (policy 'all') to its end; resolves with the frames and the error it ended with. */
async function runSource(source: FfmpegSource, onFrame?: (f: CapturedFrame) => void): Promise<{ frames: CapturedFrame[]; error?: Error & { code?: string } }> {
  const frames: CapturedFrame[] = [];
  source.start('all');
  try {
    for (;;) {
      const f = await source.next();
      if (!f) return { frames };
      frames.push(f);
      onFrame?.(f);
    }
  } catch (error) {
    return { frames, error: error as Error };
  } finally {
    await source.stop();
  }
}

d('FfmpegSource (real ffmpeg)', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    expect(childCommands().filter((c) => c.includes('ffmpeg'))).toEqual([]);
  });

  test('lavfi testsrc: frames of the requested size, identical to what ffmpeg writes directly', async () => {
    const frames = await collect({ lavfi: 'testsrc=size=96x64:rate=25', realtime: false, width: 48, height: 32, pixelFormat: 'bgr' }, 3);
    expect(frames).toHaveLength(3);
    expect(frames.map((f) => f.index)).toEqual([0, 1, 2]);
    for (const { frame } of frames) {
      expect(frame).toMatchObject({ width: 48, height: 32, format: 'bgr' });
      expect(frame.data.length).toBe(48 * 32 * 3);
    }
    const direct = execFileSync(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=size=96x64:rate=25', '-frames:v', '3', '-s', '48x32', '-pix_fmt', 'bgr24', '-f', 'rawvideo', 'pipe:1'], {
      maxBuffer: 1 << 24,
    });
    expect(Buffer.concat(frames.map((f) => f.frame.data)).equals(direct)).toBe(true);
  });

  test('the size is read from ffmpeg when not given, and the nominal rate too', async () => {
    const source = new FfmpegSource({ lavfi: 'testsrc2=size=80x60:rate=12', realtime: false });
    source.start();
    const f = await source.next();
    await source.stop();
    expect(f!.frame).toMatchObject({ width: 80, height: 60, format: 'rgb' });
    expect(f!.frame.data.length).toBe(80 * 60 * 3);
    expect(source.nominalFps).toBe(12);
  });

  test('a video made from test images comes back frame for frame', async () => {
    const video = await videoFromImages(dir);
    const frames = await collect({ input: video.path, realtime: false });
    expect(frames).toHaveLength(video.frames.length);
    frames.forEach((f, i) => {
      expect(f.frame).toMatchObject({ width: 160, height: 160 });
      expect(Buffer.from(f.frame.data).equals(video.frames[i])).toBe(true);
    });
  });

  test('real time: a 25 fps source delivers about 25 frames per second', async () => {
    const t0 = performance.now();
    const frames = await collect({ lavfi: 'testsrc=size=32x32:rate=25' }, 13);
    const secs = (frames[12].time - frames[1].time) / 1000;
    expect(11 / secs).toBeGreaterThan(18);
    expect(11 / secs).toBeLessThan(35);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  test('stop() kills ffmpeg and waits for it', async () => {
    const source = new FfmpegSource({ lavfi: 'testsrc=size=32x32:rate=25' });
    source.start();
    expect(await source.next()).not.toBeNull();
    const pid = source.pid!;
    expect(alive(pid)).toBe(true);
    await source.stop();
    expect(alive(pid)).toBe(false);
    expect(await source.next()).toBeNull();
    await source.stop(); // idempotent
  });

  /*
   * No wall-clock bound on delivery (a frame may arrive just after the busy loop, and under CPU load ffmpeg itself
   * runs late): the assertions are about which frame is handed over, which holds at any speed.
   */
  test('a busy JS thread does not stall capture: the next frame is the newest and the stale ones are dropped', async () => {
    const source = new FfmpegSource({ lavfi: 'testsrc2=size=320x240:rate=30' });
    source.start('latest');
    const first = (await source.next())!;
    // What a synchronous inference does: block the JS thread for 600 ms (~18 frames at 30 fps).
    const blockStart = performance.now();
    while (performance.now() < blockStart + 600);
    const next = (await source.next())!;
    await source.stop();
    // Frames kept arriving while this thread was blocked (read off-thread), and every one between the two handed
    // over was dropped, none queued: the frame handed over is the newest captured so far.
    expect(next.index - first.index).toBeGreaterThan(2);
    expect(next.dropped - first.dropped).toBe(next.index - first.index - 1);
    expect(next.captured).toBe(next.index + 1);
    // Stamped when it arrived, which was after the block began: not a frame that waited from before.
    expect(next.time).toBeGreaterThan(blockStart);
  });

  test('breaking out of readFrames leaves no ffmpeg behind', async () => {
    const frames = await collect({ lavfi: 'testsrc=size=32x32:rate=25' }, 2);
    expect(frames).toHaveLength(2);
    expect(childCommands().filter((c) => c.includes('ffmpeg'))).toEqual([]);
  });

  test('a missing ffmpeg is a clear ERR_CAPTURE', async () => {
    await expect(collect({ lavfi: 'testsrc', ffmpegPath: join(dir, 'no-such-ffmpeg') })).rejects.toMatchObject({
      code: 'ERR_CAPTURE',
      message: `ffmpeg was not found at "${join(dir, 'no-such-ffmpeg')}". Install ffmpeg (Debian/Ubuntu: apt install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) or pass its path (ffmpegPath option, --ffmpeg flag or TRT_LANDMARKER_FFMPEG)`,
    });
  });

  (process.platform === 'linux' ? test : test.skip)('no such device (v4l2)', async () => {
    const err = await collect({ device: '/dev/video-trtl-missing' }).catch((e) => e);
    expect(err.code).toBe('ERR_CAPTURE');
    expect(err.message).toMatch(/^Cannot capture from device \/dev\/video-trtl-missing: no such device or file\. ffmpeg said:\n {2}.*No such file or directory/s);
  });

  test('no such file', async () => {
    const err = await collect({ input: join(dir, 'missing.mp4') }).catch((e) => e);
    expect(err.code).toBe('ERR_CAPTURE');
    expect(err.message).toContain(`Cannot capture from input ${join(dir, 'missing.mp4')}: no such device or file. ffmpeg said:`);
  });

  test('a busy device (ffmpeg stand-in printing the v4l2 message)', async () => {
    const busy = fakeFfmpeg(
      dir,
      'busy.sh',
      `echo "[video4linux2,v4l2 @ 0x5581] Cannot open video device /dev/video0: Device or resource busy" >&2
echo "/dev/video0: Device or resource busy" >&2
exit 1`,
    );
    await expect(collect({ device: '/dev/video0', format: 'v4l2', ffmpegPath: busy })).rejects.toMatchObject({
      code: 'ERR_CAPTURE',
      message:
        'Cannot capture from device /dev/video0: the device is busy (another program is using it). ffmpeg said:\n' +
        '  [video4linux2,v4l2 @ 0x5581] Cannot open video device /dev/video0: Device or resource busy\n' +
        '  /dev/video0: Device or resource busy',
    });
  });

  test('ffmpeg dying mid-stream (killed) ends with ERR_CAPTURE and its stderr', async () => {
    const source = new FfmpegSource({ lavfi: 'testsrc=size=32x32:rate=25' });
    const { frames, error } = await runSource(source, (f) => {
      if (f.index === 2) process.kill(source.pid!, 'SIGKILL');
    });
    expect(frames.length).toBeGreaterThanOrEqual(3);
    expect(error?.code).toBe('ERR_CAPTURE');
    expect(error?.message).toMatch(/^ffmpeg was killed by SIGKILL mid-stream after \d+ frames from lavfi testsrc\. ffmpeg said:\n/);
  });

  test('ffmpeg exiting with an error mid-stream', async () => {
    const dying = fakeFfmpeg(dir, 'dying.sh', 'head -c 120 /dev/zero\necho "Error while decoding stream #0:0: Invalid data found" >&2\nexit 1');
    const { frames, error } = await runSource(new FfmpegSource({ input: 'x.mp4', width: 4, height: 5, ffmpegPath: dying }));
    expect(frames).toHaveLength(2);
    expect(error).toMatchObject({
      code: 'ERR_CAPTURE',
      message: 'ffmpeg exited with code 1 mid-stream after 2 frames from input x.mp4. ffmpeg said:\n  Error while decoding stream #0:0: Invalid data found',
    });
  });

  test('a short stream that closes before its size reaches the reader thread still yields every frame', async () => {
    // The size comes from stderr, which the main thread parses; here stdout (10 frames of 4x4 RGB) is written and
    // closed before the size line, and ffmpeg exits at once, so the reader sees 'close' before the size arrives.
    const quick = fakeFfmpeg(
      dir,
      'quick.sh',
      'head -c 480 /dev/zero\nexec 1>&-\n' +
        'echo "Output #0, rawvideo, to \'pipe:\':" >&2\n' +
        'echo "  Stream #0:0: Video: rawvideo (RGB[24] / 0x18424752), rgb24(pc), 4x4, q=2-31, 3 kb/s, 10 fps, 10 tbn" >&2',
    );
    for (let round = 0; round < 5; round++) {
      const { frames, error } = await runSource(new FfmpegSource({ input: 'x.mp4', ffmpegPath: quick }));
      expect(error).toBeUndefined();
      expect(frames).toHaveLength(10);
      expect(frames.every((f) => f.frame.width === 4 && f.frame.height === 4 && f.frame.data.length === 48)).toBe(true);
    }
  });

  test('a stream ending inside a frame', async () => {
    const short = fakeFfmpeg(dir, 'short.sh', 'head -c 100 /dev/zero');
    const { frames, error } = await runSource(new FfmpegSource({ input: 'x.mp4', width: 4, height: 4, ffmpegPath: short }));
    expect(frames).toHaveLength(2);
    expect(error).toMatchObject({ code: 'ERR_CAPTURE', message: 'The stream from input x.mp4 ended inside a frame (4 of 48 bytes) after 2 frames' });
  });

  test('a stream that changes size ends with ERR_CAPTURE, or is scaled with allowResize', async () => {
    const a = join(dir, 'a.ts');
    const b = join(dir, 'b.ts');
    runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-frames:v', '5', '-c:v', 'mpeg2video', '-f', 'mpegts', a]);
    runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=size=32x24:rate=10', '-frames:v', '5', '-c:v', 'mpeg2video', '-f', 'mpegts', b]);
    const ab = join(dir, 'ab.ts');
    execFileSync('sh', ['-c', `cat "${a}" "${b}" > "${ab}"`]);
    const err = await collect({ input: ab, realtime: false }).catch((e) => e);
    expect(err).toMatchObject({ code: 'ERR_CAPTURE' });
    expect(err.message).toMatch(/^The stream from input .*ab\.ts changed size from 64x48 to 32x24 after \d+ frames \(set allowResize to let ffmpeg scale it to the first size\)$/);
    const frames = await collect({ input: ab, realtime: false, allowResize: true });
    expect(frames.length).toBeGreaterThanOrEqual(9);
    expect(frames.every((f) => f.frame.width === 64 && f.frame.height === 48)).toBe(true);
  });

  test('an empty stream is an error, not silence', async () => {
    const nothing = fakeFfmpeg(dir, 'nothing.sh', 'echo "Output file is empty, nothing was encoded" >&2\nexit 0');
    await expect(collect({ input: 'x.mp4', width: 4, height: 4, ffmpegPath: nothing })).rejects.toMatchObject({
      code: 'ERR_CAPTURE',
      message: 'ffmpeg ended without a single frame from input x.mp4. ffmpeg said:\n  Output file is empty, nothing was encoded',
    });
  });
});
