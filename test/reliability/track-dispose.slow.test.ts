/**
 * dispose() ends every capture the landmarker started: an abandoned track() iterator leaves no ffmpeg behind and
 * does not keep the process alive. Runs in a child process: a hang is a timeout, a failure. Needs ffmpeg.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { regressionContract, tinyRegression, writeModel } from '../unit/helpers/onnx-builder';
import { describeExit, runChild } from './child';

const FFMPEG = process.env.TRT_LANDMARKER_FFMPEG || 'ffmpeg';
const HAS_FFMPEG = spawnSync(FFMPEG, ['-version']).status === 0;
if (!HAS_FFMPEG) console.warn(`test/reliability/track-dispose: skipped, no ffmpeg at "${FFMPEG}" (install ffmpeg or set TRT_LANDMARKER_FFMPEG)`);
const t = HAS_FFMPEG ? test : test.skip;

t('an abandoned track() iterator: dispose() stops ffmpeg and the process exits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'track-dispose-'));
  const model = writeModel(join(dir, 'tiny.onnx'), tinyRegression({ metadata: { trt_landmarker: JSON.stringify(regressionContract(32)) } }));
  const r = await runChild(join(__dirname, 'scripts', 'abandoned-track.ts'), [model], 45_000);
  if (r.timedOut || r.code !== 0) throw new Error(`the child did not exit by itself: ${describeExit(r)}`);
  expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({ ffmpegBefore: 1, ffmpegAfter: 0 });
}, 60_000);
