/**
 * Ctrl+C during `webcam --record`: the terminal sends SIGINT to the whole foreground process group, ffmpeg
 * included. The run must stop cleanly (exit 0) with a valid recording, not report ERR_CAPTURE "ffmpeg exited with
 * code 255" (exit 2). The CLI runs in its own process group and the signal goes to the group, as a terminal does.
 * Needs ffmpeg (and ffprobe).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { regressionContract, tinyRegression, writeModel } from '../unit/helpers/onnx-builder';
import { ROOT } from './child';

const FFMPEG = process.env.TRT_LANDMARKER_FFMPEG || 'ffmpeg';
const ready = spawnSync(FFMPEG, ['-version']).status === 0 && spawnSync('ffprobe', ['-version']).status === 0;
if (!ready) console.warn(`test/reliability/webcam-sigint: skipped, needs ffmpeg ("${FFMPEG}") and ffprobe`);
const t = ready ? test : test.skip;

t('SIGINT to the process group: exit 0 and a playable recording', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'webcam-sigint-'));
  const model = writeModel(join(dir, 'tiny.onnx'), tinyRegression({ metadata: { trt_landmarker: JSON.stringify(regressionContract(32)) } }));
  const out = join(dir, 'rec.mp4');
  const args = [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'webcam', '--lavfi', 'testsrc2=size=160x120:rate=30', '--model', model, '--backend', 'onnxruntime', '--no-serve', '--json', '--record', out];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let lines = 0;
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      lines += d.toString().split('\n').length - 1;
      if (lines >= 10) resolve();
    });
    child.on('exit', () => reject(new Error(`exited before 10 frames: ${stderr}`)));
  });
  process.kill(-child.pid!, 'SIGINT');
  const code = await exited;
  expect(stderr).not.toContain('ERR_CAPTURE');
  expect(code).toBe(0);
  const probe = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', out], { encoding: 'utf8' });
  expect(probe.status).toBe(0);
  expect(Number(probe.stdout.trim())).toBeGreaterThanOrEqual(10);
}, 120_000);
