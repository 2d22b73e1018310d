/**
 * The CLI finishes and says what happened with one exit-code table (src/cli/exit-codes.ts) for single files and
 * folders: a FIFO named *.jpg never hangs a run, an overlay folder that cannot be created stops the run before
 * any image (exit 2, not 1), a file that fails is exit 1 whether alone or in a folder. In process, for speed,
 * each run raced against a timeout (a hang is a failure); the fuzz tier runs the CLI in child processes.
 */
import { execFileSync } from 'node:child_process';
import { main } from '../../src/cli/main';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { exitCodeFor } from '../../src/cli/exit-codes';
import { regressionContract, tinyRegression } from '../unit/helpers/onnx-builder';

const dir = mkdtempSync(join(tmpdir(), 'cli-exit-'));
const MODEL = join(dir, 'tiny.onnx');
writeFileSync(MODEL, tinyRegression({ metadata: { trt_landmarker: JSON.stringify(regressionContract(32)) } }));
const images = join(dir, 'images');

/** Runs the CLI in this process with stdout/stderr captured; `code` is what the process would exit with. */
async function cli(argv: string[], timeoutMs = 20_000): Promise<{ code: number; stdout: string; stderr: string; timedOut: boolean }> {
  let stdout = '';
  let stderr = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((stdout += String(c)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true));
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
    const run = main(argv).catch((err: Error & { code?: string }) => {
      stderr += `trt-landmarker: ${err.code ? `[${err.code}] ` : ''}${err.message}\n`;
      return exitCodeFor(err);
    });
    const code = await Promise.race([run, timeout]);
    return code === 'timeout' ? { code: -1, stdout, stderr, timedOut: true } : { code, stdout, stderr, timedOut: false };
  } finally {
    clearTimeout(timer);
    o.mockRestore();
    e.mockRestore();
  }
}
const detect = (...args: string[]) => cli(['detect', ...args, '--model', MODEL, '--backend', 'onnxruntime']);

beforeAll(async () => {
  mkdirSync(images);
  await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 90, g: 100, b: 110 } } }).png().toFile(join(images, 'a.png'));
  execFileSync('mkfifo', [join(images, 'pipe.jpg')]);
  writeFileSync(join(dir, 'broken.jpg'), 'not a jpeg');
  writeFileSync(join(dir, 'blocker'), 'a file where the overlay folder should be');
});

test('a FIFO named *.jpg in a folder is skipped; the run ends with exit 0', async () => {
  const r = await detect(images, '--json');
  expect(r.timedOut).toBe(false);
  expect(r.code).toBe(0);
  expect(r.stdout.trim().split('\n').map((l) => JSON.parse(l).file)).toEqual([join(images, 'a.png')]);
}, 90_000);

test('a FIFO given as the image fails that file (exit 1) instead of waiting forever', async () => {
  const fifo = join(images, 'pipe.jpg');
  const r = await detect(fifo);
  expect(r.timedOut).toBe(false);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`${fifo}: [ERR_IMAGE_DECODE] Cannot read image ${fifo}: it is not a regular file (a FIFO)`);
}, 90_000);

test('an undecodable single file exits 1, as it would in a folder', async () => {
  const r = await detect(join(dir, 'broken.jpg'));
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`${join(dir, 'broken.jpg')}: [ERR_IMAGE_DECODE] Cannot decode image`);
}, 90_000);

test('an overlay folder that cannot be created stops the run before any image, exit 2', async () => {
  const ov = join(dir, 'blocker', 'overlays');
  const r = await detect(images, '--json', '--overlay', ov);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain(`trt-landmarker: [ERR_INVALID_ARG_VALUE] Expected a folder that can be created for --overlay but received "${ov}" (ENOTDIR`);
}, 90_000);

test('exit codes: coded errors 2, uncoded (internal) errors 3', () => {
  expect(exitCodeFor(Object.assign(new Error('x'), { code: 'ERR_MODEL_LOAD' }))).toBe(2);
  expect(exitCodeFor(new TypeError('x is not a function'))).toBe(3);
  expect(exitCodeFor('thrown string')).toBe(3);
});
