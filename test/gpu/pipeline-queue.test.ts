/** TensorRtPipeline with a fake native runtime: runs queue (never overlap), errors keep their code. */
import { TensorRtPipeline, runtimeConfig } from '../../src/backends/tensorrt';
import type { ModelContract } from '../../src/contract/types';
import type { NativeCrop, NativeFrame, NativeTrtRunResult, NativeTrtRuntime } from '../../src/native/addon';
import { coded } from './helpers';

function fakeRuntime(fail?: Error) {
  const log: string[] = [];
  let active = 0;
  let closed = false;
  const rt: NativeTrtRuntime = {
    async run(frames: NativeFrame[]): Promise<NativeTrtRunResult> {
      if (closed) throw coded('ERR_DISPOSED', 'the TensorRT runtime is closed');
      active++;
      log.push(`start ${frames.length} (active ${active})`);
      await new Promise((r) => setTimeout(r, 20));
      active--;
      log.push('end');
      if (fail) throw fail;
      return { points: new Float32Array(frames.length * 136), timings: { preprocess: 0.1, inference: 1, postprocess: 0.05 }, graph: false };
    },
    async close() {
      log.push(`close (active ${active})`);
      closed = true;
    },
    info: () => ({ closed }),
  };
  return { rt, log };
}

const frame: NativeFrame = { data: new Uint8Array(12), width: 2, height: 2, format: 0 };
const crop: NativeCrop = { x: 0, y: 0, w: 2, h: 2 };

describe('TensorRtPipeline', () => {
  // The facade (src/landmarker.ts) owns in-flight work and dispose: it calls close() once, after the runs settled.
  test('concurrent runs are queued one after another', async () => {
    const { rt, log } = fakeRuntime();
    const p = new TensorRtPipeline(rt, 'fp16', { tensorrt: '10.16.0' }, 8, 'note');
    const runs = [p.run([frame], [crop]), p.run([frame, frame], [crop, crop]), p.run([frame], [crop])];
    const out = await Promise.all(runs);
    await p.close();
    expect(out.map((o) => o.points.length)).toEqual([136, 272, 136]);
    expect(out[0].timings).toEqual({ preprocess: 0.1, inference: 1, postprocess: 0.05 });
    expect(log).toEqual(['start 1 (active 1)', 'end', 'start 2 (active 1)', 'end', 'start 1 (active 1)', 'end', 'close (active 0)']);
  });

  test('a native error keeps its code and the queue keeps going', async () => {
    const { rt } = fakeRuntime(coded('ERR_CUDA', 'cudaMemcpyAsync(frames) failed: an illegal memory access was encountered'));
    const p = new TensorRtPipeline(rt, 'fp16', {}, 8, '');
    await expect(p.run([frame], [crop])).rejects.toMatchObject({ code: 'ERR_CUDA', name: 'LandmarkerError' });
    await expect(p.run([frame], [crop])).rejects.toMatchObject({ code: 'ERR_CUDA' });
    await p.close();
  });
});

describe('runtimeConfig', () => {
  const base: ModelContract = {
    version: 1,
    architecture: 'regression',
    landmarks: 68,
    input: { name: 'input1', width: 160, height: 160, colorOrder: 'bgr', scale: 1, mean: [127, 127, 127], std: [127, 127, 127] },
    crop: { boxScale: 1.4, square: true },
    regression: { output: 'output1', layout: 'normalized' },
  };
  test('regression contract -> the runtime config the native side reads', () => {
    expect(runtimeConfig(base, 4, false)).toEqual({
      inputName: 'input1',
      maxBatch: 4,
      width: 160,
      height: 160,
      bgr: true,
      scale: 1,
      mean: [127, 127, 127],
      std: [127, 127, 127],
      landmarks: 68,
      architecture: 'regression',
      cudaGraph: false,
      output: 'output1',
      pixel: false,
    });
  });

  test('runtimeInfo(): the native CUDA graph status and device memory reach TypeScript', () => {
    const { rt } = fakeRuntime();
    const states = [
      { closed: false, cudaGraph: 'off', deviceBytes: 1024 },
      { closed: false, cudaGraph: 'on', deviceBytes: 2048 },
      { closed: false, cudaGraph: 'failed: cudaStreamEndCapture failed', deviceBytes: 2048 },
    ];
    let i = 0;
    rt.info = () => states[i];
    const p = new TensorRtPipeline(rt, 'fp16', {}, 8, 'note');
    const seen = states.map((_, k) => ((i = k), p.runtimeInfo()));
    expect(seen).toEqual([
      { cudaGraph: 'off', deviceBytes: 1024 },
      { cudaGraph: 'on', deviceBytes: 2048 },
      { cudaGraph: 'failed: cudaStreamEndCapture failed', deviceBytes: 2048 },
    ]);
  });
});
