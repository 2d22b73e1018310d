import { resolveSource } from '../../src/capture/ffmpeg-args';

const HEAD = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'verbose'];
const TAIL_RGB = ['-map', '0:v:0', '-an', '-sn', '-dn', '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'];

describe('resolveSource (ffmpeg command line)', () => {
  const env = process.env.TRT_LANDMARKER_FFMPEG;
  beforeEach(() => delete process.env.TRT_LANDMARKER_FFMPEG);
  afterAll(() => {
    if (env !== undefined) process.env.TRT_LANDMARKER_FFMPEG = env;
  });

  test('a string is a file or URL read in real time', () => {
    const r = resolveSource('clip.mp4');
    expect(r).toMatchObject({ kind: 'input', label: 'input clip.mp4', ffmpegPath: 'ffmpeg', pixelFormat: 'rgb', allowResize: false });
    expect(r.args).toEqual([...HEAD, '-re', '-i', 'clip.mp4', ...TAIL_RGB]);
  });

  test('file options: no realtime, loop, format, size, fps, bgr, input options', () => {
    const r = resolveSource({
      input: 'x.ts', realtime: false, loop: true, format: 'mpegts', width: 320, height: 240, fps: 15, pixelFormat: 'bgr',
      inputOptions: ['-ss', '2'],
    });
    expect(r.args).toEqual([
      ...HEAD, '-stream_loop', '-1', '-f', 'mpegts', '-ss', '2', '-i', 'x.ts',
      '-map', '0:v:0', '-an', '-sn', '-dn', '-r', '15', '-s', '320x240', '-pix_fmt', 'bgr24', '-f', 'rawvideo', 'pipe:1',
    ]);
    expect(r.width).toBe(320);
    expect(r.pixelFormat).toBe('bgr');
  });

  test('devices use the platform capture API', () => {
    expect(resolveSource({ device: '/dev/video0', fps: 30 }, 'linux').args).toEqual([
      ...HEAD, '-framerate', '30', '-f', 'v4l2', '-i', '/dev/video0', '-map', '0:v:0', '-an', '-sn', '-dn', '-r', '30',
      '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1',
    ]);
    expect(resolveSource({ device: '0' }, 'darwin').args).toEqual([...HEAD, '-f', 'avfoundation', '-i', '0', ...TAIL_RGB]);
    expect(resolveSource({ device: 'USB Camera' }, 'win32').args).toEqual([...HEAD, '-f', 'dshow', '-i', 'video=USB Camera', ...TAIL_RGB]);
    expect(resolveSource({ device: 'video=USB Camera' }, 'win32').args).toContain('video=USB Camera');
    expect(resolveSource({ device: '/dev/video2' }, 'linux').label).toBe('device /dev/video2');
  });

  test('lavfi graphs', () => {
    const r = resolveSource({ lavfi: 'testsrc2=size=640x480:rate=30' });
    expect(r.args).toEqual([...HEAD, '-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x480:rate=30', ...TAIL_RGB]);
    expect(r.label).toBe('lavfi testsrc2');
  });

  test('ffmpeg path: option, then $TRT_LANDMARKER_FFMPEG, then PATH', () => {
    process.env.TRT_LANDMARKER_FFMPEG = '/opt/ffmpeg/bin/ffmpeg';
    expect(resolveSource('a.mp4').ffmpegPath).toBe('/opt/ffmpeg/bin/ffmpeg');
    expect(resolveSource({ input: 'a.mp4', ffmpegPath: '/usr/bin/ffmpeg' }).ffmpegPath).toBe('/usr/bin/ffmpeg');
  });

  test.each([
    [{}, 'ERR_INVALID_ARG_VALUE', 'Expected exactly one of device, input, lavfi for `source` but received object Object'],
    [{ input: 'a', lavfi: 'b' }, 'ERR_INVALID_ARG_VALUE', 'Expected exactly one of device, input, lavfi for `source` but received "input and lavfi"'],
    [{ input: '' }, 'ERR_INVALID_ARG_VALUE', 'Expected non-empty string for `source.input` but received ""'],
    [{ device: 3 }, 'ERR_INVALID_ARG_TYPE', 'Expected non-empty string for `source.device` but received 3'],
    [{ input: 'a', width: 640 }, 'ERR_INVALID_ARG_VALUE', 'Expected width and height given together for `source.width` but received 640'],
    [{ input: 'a', width: 640, height: 1 }, 'ERR_OUT_OF_RANGE', 'Expected integer in 2..16384 for `source.height` but received 1'],
    [{ input: 'a', width: 64.5, height: 48 }, 'ERR_OUT_OF_RANGE', 'Expected integer in 2..16384 for `source.width` but received 64.5'],
    [{ input: 'a', fps: 0 }, 'ERR_OUT_OF_RANGE', 'Expected number in (0, 1000] for `source.fps` but received 0'],
    [{ input: 'a', pixelFormat: 'rgba' }, 'ERR_INVALID_ARG_VALUE', "Expected 'rgb' or 'bgr' for `source.pixelFormat` but received \"rgba\""],
    [{ input: 'a', inputOptions: ['-ss', 2] }, 'ERR_INVALID_ARG_TYPE', 'Expected array of strings for `source.inputOptions` but received array of length 2'],
    [null, 'ERR_INVALID_ARG_TYPE', 'Expected string or object with device, input or lavfi for `source` but received null'],
  ])('rejects %j', (spec, code, message) => {
    expect(() => resolveSource(spec as never, 'linux')).toThrow(expect.objectContaining({ code, message }));
  });

  test('a device on a platform without a default format needs one', () => {
    expect(() => resolveSource({ device: 'cam' }, 'aix')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE', message: 'Expected an ffmpeg device format (no default on aix) for `source.format` but received undefined' }),
    );
    expect(resolveSource({ device: 'cam', format: 'v4l2' }, 'aix').args).toContain('v4l2');
  });
});
