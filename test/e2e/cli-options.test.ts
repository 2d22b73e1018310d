/**
 * Options that had no test: `threads` (ONNX Runtime's intra-op pool, and the CLI's --threads of detect, eval and
 * webcam), `eval --list`, and the webcam flags that shape tracking, smoothing and the source (--expand --min-score
 * --max-jump --min-cutoff --beta --d-cutoff --frames --format --loop --no-track --no-smooth --all --no-realtime).
 * Each test fails when its option is ignored. The webcam flags are followed to the options handed to track(), whose
 * own tests (test/capture) cover what track() does with them; no ffmpeg is started here.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { run as runWebcam } from '../../src/cli/commands/webcam';
import * as evaluateModule from '../../src/eval/evaluate';
import { TrtLandmarker } from '../../src/landmarker';
import type { CreateOptions } from '../../src/types';
import { face, ptsText, tempDir, writeTree } from '../eval/fixtures';
import { regressionContract, tinyRegression } from '../unit/helpers/onnx-builder';
import { captured, cli, quiet } from './cli-helpers';

const dir = tempDir('cli-options');
const MODEL = join(dir, 'tiny.onnx');
writeFileSync(MODEL, tinyRegression({ size: 32, metadata: { trt_landmarker: JSON.stringify(regressionContract(32)) } }));

/**
 * A stand-in for the landmarker the webcam command creates: track() records its arguments and yields nothing, so
 * the command ends at once (no model, no ffmpeg).
 */
function stubLandmarker() {
  return {
    info: { backend: 'onnxruntime', architecture: 'regression', model: '/models/m.onnx' },
    track: jest.fn(async function* (_source: unknown, _options: unknown) {}),
    dispose: async () => undefined,
  };
}

/** The options of every TrtLandmarker.create() made while fn runs (the real create runs unless `stub` is given). */
async function createOptionsDuring(fn: () => Promise<unknown>, stub?: ReturnType<typeof stubLandmarker>): Promise<CreateOptions[]> {
  const spy = jest.spyOn(TrtLandmarker, 'create');
  if (stub) spy.mockResolvedValue(stub as unknown as TrtLandmarker);
  try {
    await fn();
    return spy.mock.calls.map((c) => c[0] ?? {});
  } finally {
    spy.mockRestore();
  }
}

const linux = process.platform === 'linux';
if (!linux) console.log('cli-options: the thread-count case skipped: it counts threads in /proc/self/task (Linux only)');

describe('threads', () => {
  const tasks = () => new Set(readdirSync('/proc/self/task'));
  /**
   * Threads this process starts while creating a landmarker with `threads`: new thread ids, not a difference of
   * counts, since threads an earlier test file left in this jest worker (idle pools) may end meanwhile.
   */
  async function threadsAdded(threads: number): Promise<number> {
    const before = tasks();
    const lm = await TrtLandmarker.create({ model: MODEL, backend: 'onnxruntime', threads });
    try {
      return [...tasks()].filter((id) => !before.has(id)).length;
    } finally {
      await lm.dispose();
    }
  }

  (linux ? test : test.skip)('threads N: ONNX Runtime runs N intra-op threads (N - 1 of them new, beside its worker thread)', async () => {
    await threadsAdded(1); // warm-up: threads started once per process (ORT's global pools) are not counted below
    const one = await threadsAdded(1);
    const six = await threadsAdded(6);
    // Ignored, both would get ORT's default (one per core): the same count.
    expect(six - one).toBe(5);
  });

  test('detect, eval and webcam pass --threads to the landmarker', async () => {
    const img = join(dir, 'face.jpg');
    await sharp({ create: { width: 200, height: 160, channels: 3, background: '#806040' } }).jpeg().toFile(img);
    const detect = await createOptionsDuring(() => cli(['detect', img, '--model', MODEL, '--backend', 'onnxruntime', '--threads', '3']));
    expect(detect).toEqual([expect.objectContaining({ threads: 3 })]);

    const data = join(dir, 'threads-data');
    writeTree(data, { 'a.jpg': await sharp(img).toBuffer(), 'a.pts': ptsText(face()) });
    const evaluation = await createOptionsDuring(() => cli(['eval', '--model', MODEL, '--data', data, '--backend', 'onnxruntime', '--threads', '2']));
    expect(evaluation).toEqual([expect.objectContaining({ threads: 2 })]);

    const webcam = await createOptionsDuring(() => quiet(() => runWebcam(['--model', MODEL, '--no-detect', '--lavfi', 'testsrc', '--no-serve', '--threads', '4'])), stubLandmarker());
    expect(webcam).toEqual([expect.objectContaining({ threads: 4 })]);
  });
});

describe('eval and detect flags reach the library', () => {
  test('eval --split --norm --crop --batch --precision --limit --overlays --backend: the evaluation options', async () => {
    const spy = jest.spyOn(evaluateModule, 'runEvaluation').mockRejectedValue(new Error('stop here'));
    try {
      await expect(
        cli(['eval', '--model', 'a.onnx', '--data', '/data', '--split', 'challenge', '--norm', 'box', '--crop', 'gt:1.2', '--batch', '3',
          '--precision', 'fp32', '--limit', '7', '--overlays', '2', '--backend', 'onnxruntime']),
      ).rejects.toThrow('stop here');
      expect(spy.mock.calls[0][0]).toMatchObject({
        runs: [{ model: join(process.cwd(), 'a.onnx'), precision: 'fp32' }],
        data: '/data', split: 'challenge', norm: 'box', crop: 'gt:1.2', batch: 3, limit: 7, overlays: 2, backend: 'onnxruntime',
      });
    } finally {
      spy.mockRestore();
    }
  });

  test('detect --precision --config: the landmarker options', async () => {
    const img = join(dir, 'p.jpg');
    await sharp({ create: { width: 80, height: 60, channels: 3, background: '#405060' } }).jpeg().toFile(img);
    const contract = join(dir, 'contract.json');
    writeFileSync(contract, JSON.stringify(regressionContract(32)));
    const calls = await createOptionsDuring(() => cli(['detect', img, '--model', MODEL, '--backend', 'onnxruntime', '--precision', 'fp32', '--config', contract]));
    expect(calls).toEqual([expect.objectContaining({ precision: 'fp32', config: contract })]);
  });
});

describe('eval --list', () => {
  test('only the listed images are evaluated, with the subset label of the second column', async () => {
    const data = join(dir, 'list-data');
    const jpeg = await sharp({ create: { width: 200, height: 160, channels: 3, background: '#807060' } }).jpeg().toBuffer();
    writeTree(data, {
      'a/one.jpg': jpeg,
      'a/one.pts': ptsText(face()),
      'a/two.jpg': jpeg,
      'a/two.pts': ptsText(face()),
      'b/three.jpg': jpeg,
      'b/three.pts': ptsText(face()),
      'pick.txt': '# two of three\na/one.jpg hard\nb/three.jpg\n',
    });
    const report = join(dir, 'list-report');
    const r = await cli(['eval', '--model', MODEL, '--data', data, '--list', join(data, 'pick.txt'), '--backend', 'onnxruntime', '--report', report]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/: 2 images, NME /);
    expect(r.out).toMatch(/^ {2}hard: 1 images, NME /m);
    expect(r.out).toMatch(/^ {2}b: 1 images, NME /m);
    const json = JSON.parse(readFileSync(join(report, 'report.json'), 'utf8')) as { dataset: { format: string } };
    expect(json.dataset.format).toBe('list');
  });
});

describe('webcam flags reach track()', () => {
  // The landmarker is a stub for every case here, so a flag check that is skipped ends the command at once.
  let stub: ReturnType<typeof stubLandmarker>;
  let create: jest.SpyInstance;
  beforeEach(() => {
    stub = stubLandmarker();
    create = jest.spyOn(TrtLandmarker, 'create').mockResolvedValue(stub as unknown as TrtLandmarker);
  });
  afterEach(() => create.mockRestore());

  /** The (source, options) the webcam command hands to track() for these flags. */
  async function trackCall(flags: string[]): Promise<{ source: Record<string, unknown>; options: Record<string, unknown> }> {
    await quiet(() => runWebcam(['--model', MODEL, '--no-detect', '--backend', 'onnxruntime', '--no-serve', ...flags]));
    expect(stub.track).toHaveBeenCalledTimes(1);
    const [source, options] = stub.track.mock.calls[0] as unknown as [Record<string, unknown>, Record<string, unknown>];
    return { source, options };
  }

  test('defaults: latest frame, tracking and smoothing on with their own defaults, no frame limit', async () => {
    const { source, options } = await trackCall(['--lavfi', 'testsrc']);
    expect(source).toMatchObject({ lavfi: 'testsrc' });
    expect(source.loop).toBeUndefined();
    expect(source.format).toBeUndefined();
    expect(source.realtime).toBeUndefined();
    expect(options).toMatchObject({ policy: 'latest', tracking: {}, smoothing: {} });
    expect(options.maxFrames).toBeUndefined();
  });

  test('--expand --min-score --max-jump: the tracking options', async () => {
    const { options } = await trackCall(['--lavfi', 'testsrc', '--expand', '1.3', '--min-score', '0.45', '--max-jump', '0.8']);
    expect(options.tracking).toEqual({ expand: 1.3, minScore: 0.45, maxJump: 0.8 });
  });

  test('--min-cutoff --beta --d-cutoff: the One-Euro parameters', async () => {
    const { options } = await trackCall(['--lavfi', 'testsrc', '--min-cutoff', '0.7', '--beta', '0.05', '--d-cutoff', '2.5']);
    expect(options.smoothing).toEqual({ minCutoff: 0.7, beta: 0.05, dCutoff: 2.5 });
  });

  test('--no-track and --no-smooth switch them off (and win over their parameters)', async () => {
    const { options } = await trackCall(['--lavfi', 'testsrc', '--no-track', '--expand', '2', '--no-smooth', '--beta', '1']);
    expect(options.tracking).toBe(false);
    expect(options.smoothing).toBe(false);
  });

  test('--frames N --all: a frame limit and every frame processed', async () => {
    const { options } = await trackCall(['--lavfi', 'testsrc', '--frames', '25', '--all']);
    expect(options).toMatchObject({ maxFrames: 25, policy: 'all' });
  });

  test('--input with --format --loop --no-realtime --size --fps: the capture source', async () => {
    const { source } = await trackCall(['--input', 'clip.ts', '--format', 'mpegts', '--loop', '--no-realtime', '--size', '320x240', '--fps', '15']);
    expect(source).toMatchObject({ input: 'clip.ts', format: 'mpegts', loop: true, realtime: false, width: 320, height: 240, fps: 15 });
  });

  test('--device --ffmpeg --box: the camera, the ffmpeg executable and the search box', async () => {
    const { source, options } = await trackCall(['--device', '/dev/video7', '--ffmpeg', '/opt/ff/ffmpeg', '--box', '10,20,30,40']);
    expect(source).toMatchObject({ device: '/dev/video7', ffmpegPath: '/opt/ff/ffmpeg' });
    expect(options.box).toEqual([10, 20, 30, 40]);
  });

  test('--port N: the preview page is served on 127.0.0.1:N', async () => {
    const port = await new Promise<number>((done) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as AddressInfo).port;
        srv.close(() => done(p));
      });
    });
    const { err } = await captured(() => runWebcam(['--model', MODEL, '--no-detect', '--backend', 'onnxruntime', '--lavfi', 'testsrc', '--port', String(port)]));
    expect(err).toContain(`Preview: http://127.0.0.1:${port}/`);
  });

  test.each([
    [['--expand', '0'], 'Expected a positive number for --expand but received "0"'],
    [['--min-score', '1.5'], 'Expected a number in [0, 1] for --min-score but received "1.5"'],
    [['--max-jump', 'x'], 'Expected a positive number for --max-jump but received "x"'],
    [['--min-cutoff', '-1'], 'Expected a positive number for --min-cutoff but received "-1"'],
    [['--d-cutoff', '0'], 'Expected a positive number for --d-cutoff but received "0"'],
    [['--frames', '2.5'], 'Expected a positive integer for --frames but received "2.5"'],
  ])('%j is refused with the reason', async (flags, message) => {
    await expect(quiet(() => runWebcam(['--model', MODEL, '--lavfi', 'testsrc', '--no-serve', ...flags]))).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE', message });
  });
});
