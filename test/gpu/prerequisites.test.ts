/**
 * What the GPU tier needs, in one place (Python for the model exports is checked by tensorrt-e2e.slow.test.ts, as
 * finding it is slow). Without TRT_LANDMARKER_REQUIRE_GPU it reports what is missing (the GPU tests skip with the
 * same reasons); with it (npm run verify:gpu on a GPU machine) a missing item is a failure.
 */
import { spawnSync } from 'node:child_process';
import { probeTensorRt } from '../../src/backends/tensorrt';
import { loadAddon } from '../../src/native/loader';
import { REQUIRE_GPU } from './helpers';

function missingPrerequisites(): string[] {
  const build = loadAddon().buildInfo();
  const probe = probeTensorRt();
  return [
    ...(build.cuda ? [] : [`an addon built with CUDA (variant ${build.variant})`]),
    ...(build.tensorrtMajor !== undefined ? [] : ['an addon built with TensorRT headers (TENSORRT_ROOT)']),
    ...(probe.available ? [] : [`a GPU with TensorRT: ${probe.reason}`]),
    ...(spawnSync('nvcc', ['--version']).status === 0 ? [] : ['nvcc on PATH (kernel checks)']),
  ];
}

describe('GPU tier prerequisites', () => {
  test(REQUIRE_GPU ? 'everything the GPU tier needs is here (TRT_LANDMARKER_REQUIRE_GPU=1)' : 'report what the GPU tier lacks here', () => {
    const missing = missingPrerequisites();
    if (missing.length > 0 && !REQUIRE_GPU) console.log(`GPU tier: these tests skip here; missing:\n- ${missing.join('\n- ')}`);
    if (REQUIRE_GPU) expect(missing).toEqual([]);
  });
});
