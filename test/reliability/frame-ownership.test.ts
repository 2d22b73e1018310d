/**
 * A caller's mistake never kills the process: a raw frame's ArrayBuffer detached or shrunk while detect() (or the
 * addon's preprocess) is in flight. The job owns a copy of the pixels (native/addon/napi_util.cc FrameArg), so the
 * call resolves with the pixels as they were when it was made. Runs in a child process: a crash is a failure.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { regressionContract, tinyRegression, writeModel } from '../unit/helpers/onnx-builder';
import { describeExit, runChild } from './child';

const dir = mkdtempSync(join(tmpdir(), 'frame-ownership-'));
const modelPath = writeModel(join(dir, 'tiny.onnx'), tinyRegression({ metadata: { trt_landmarker: JSON.stringify(regressionContract(32)) } }));

test('detaching or shrinking a frame buffer during preprocessing does not crash', async () => {
  const r = await runChild(join(__dirname, 'scripts', 'frame-detach.ts'), [modelPath, '3'], 90_000);
  expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
  const counts = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>;
  // 3 rounds x 3 mutations x 2 calls, each resolving with the pixels it was given.
  expect(counts).toEqual({ ok: 18 });
}, 120_000);
