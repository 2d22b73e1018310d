/**
 * One model, opened once (src/model/open.ts): create() + detect() + detectFaces() read each ONNX file once in this
 * process: the landmark model and the face detector, with the shipped models on ONNX Runtime ('auto' here also
 * probes TensorRT and falls back when it is absent). Counted at the file system: every openSync / readFileSync of
 * a path ending in .onnx. ONNX Runtime's own load of the graph happens in its worker thread (its own fs module)
 * and is not counted here: that is the session, not a read of ours. The old code read the landmark model three
 * times (contract, precision choice, session's graph check).
 */
import { join } from 'node:path';
import { TrtLandmarker } from '../../src/landmarker';
import { defaultDetectorFiles, defaultLandmarkFiles } from '../../src/bundled-models';

const ASTRONAUT = join(__dirname, '..', '..', 'samples', 'astronaut.png');

/** Reads of .onnx files by this process, per path, while `fn` runs. */
async function onnxReads(fn: () => Promise<void>): Promise<Record<string, number>> {
  // The module object itself: an `import * as` namespace copy cannot be spied on.
  const fs = require('node:fs') as typeof import('node:fs');
  const spies = [jest.spyOn(fs, 'openSync'), jest.spyOn(fs, 'readFileSync')];
  try {
    await fn();
    const counts: Record<string, number> = {};
    for (const s of spies) {
      for (const [p] of s.mock.calls as unknown[][]) {
        if (typeof p === 'string' && p.endsWith('.onnx')) counts[p] = (counts[p] ?? 0) + 1;
      }
    }
    return counts;
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

test.each(['auto', 'onnxruntime'] as const)('backend %s: create(), detect() and detectFaces() read each ONNX file once', async (backend) => {
  const reads = await onnxReads(async () => {
    const lm = await TrtLandmarker.create({ backend });
    try {
      await lm.detect(ASTRONAUT, { box: [175, 60, 100, 120] });
      expect((await lm.detectFaces(ASTRONAUT)).length).toBeGreaterThan(0);
      await lm.detect(ASTRONAUT);
    } finally {
      await lm.dispose();
    }
  });
  expect(reads).toEqual({ [defaultLandmarkFiles().model]: 1, [defaultDetectorFiles().model]: 1 });
}, 60_000);
