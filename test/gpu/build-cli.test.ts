/** `trt-landmarker build` argument errors, and its failure with the reason where TensorRT is not usable. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { probeTensorRt } from '../../src/backends/tensorrt';
import { main } from '../../src/cli/main';

const ROOT = join(__dirname, '..', '..');
const MODEL = join(ROOT, '..', 'shared', 'models', 'peppa-slim160', 'slim_160_latest.onnx');
const CONTRACT = join(ROOT, 'models', 'contracts', 'peppa-slim160.json');
const probe = probeTensorRt();

describe('trt-landmarker build', () => {
  test('argument errors', async () => {
    await expect(main(['build'])).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
      message: 'Missing --model (the ONNX model to build an engine for)',
    });
    await expect(main(['build', '--model', MODEL, '--precision', 'int8'])).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
      message: 'Expected fp16 or fp32 for --precision but received "int8"',
    });
    await expect(main(['build', '--model', MODEL, '--max-batch', '0'])).rejects.toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
      message: 'Expected an integer 1..256 for --max-batch but received "0"',
    });
  });

  const noTrt = !probe.available && existsSync(MODEL);
  if (!noTrt) console.log(`test/gpu/build-cli: "fails with the reason" skipped: ${probe.available ? 'TensorRT is usable here' : `${MODEL} is absent`}`);
  (noTrt ? test : test.skip)('without a usable TensorRT it fails with ERR_BACKEND_UNAVAILABLE and the reason', async () => {
    await expect(main(['build', '--model', MODEL, '--config', CONTRACT, '--precision', 'fp16'])).rejects.toMatchObject({
      code: 'ERR_BACKEND_UNAVAILABLE',
      message: `Cannot build a TensorRT engine here: ${probe.reason}`,
    });
  });
});
