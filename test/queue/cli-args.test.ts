/** `worker` and `submit` refuse bad arguments before they touch Redis or a model. */
import { run as submit } from '../../src/cli/commands/submit';
import { run as worker } from '../../src/cli/commands/worker';

async function failure(p: Promise<unknown>): Promise<{ code?: string; first: string }> {
  const e = (await p.then(() => new Error('resolved'), (err: unknown) => err)) as Error & { code?: string };
  return { code: e.code, first: e.message.split('\n')[0] };
}

describe('trt-landmarker worker / submit arguments', () => {
  test.each([
    [worker, ['--model', 'm.onnx'], 'ERR_INVALID_ARG_VALUE', 'worker needs --redis URL'],
    [worker, ['--redis', 'redis://h:6379', '--config', 'c.json'], 'ERR_INVALID_ARG_VALUE', '--config needs --model PATH (the default model brings its own contract)'],
    [worker, ['--redis', 'http://h:6379', '--model', 'm.onnx'], 'ERR_INVALID_ARG_VALUE', 'Expected a Redis URL such as redis://HOST:6379 or rediss://HOST:6380/0 for `redis` but received "http://h:6379"'],
    [worker, ['--redis', 'redis://h:6379', '--model', 'm.onnx', '--device', '-1'], 'ERR_OUT_OF_RANGE', 'Expected an integer >= 0 for `device` but received "-1"'],
    [worker, ['--redis', 'redis://h:6379', '--model', 'm.onnx', '--lock-ms', '10'], 'ERR_OUT_OF_RANGE', 'Expected at least 1000 ms for `lockMs` but received 10'],
    [worker, ['--redis', 'redis://h:6379', '--model', 'm.onnx', 'extra'], 'ERR_INVALID_ARG_VALUE', 'Unexpected argument "extra"'],
    [submit, ['a.jpg'], 'ERR_INVALID_ARG_VALUE', 'submit needs --redis URL'],
    [submit, ['--redis', 'redis://h:6379'], 'ERR_INVALID_ARG_VALUE', 'submit needs images, a folder or --video FILE'],
    [submit, ['--redis', 'redis://h:6379', '--video', 'v.mp4', 'a.jpg'], 'ERR_INVALID_ARG_VALUE', 'Give images or --video, not both'],
    [submit, ['--redis', 'redis://h:6379', 'a.jpg', '--max-pending', '0'], 'ERR_OUT_OF_RANGE', 'Expected a positive integer for `max-pending` but received "0"'],
    [submit, ['--redis', 'redis://h:6379', '--video', 'v.mp4', '--segment-seconds', '-2'], 'ERR_OUT_OF_RANGE', 'Expected a positive number of seconds for `segment-seconds` but received "-2"'],
    [submit, ['--redis', 'redis://h:6379', 'a.jpg', '--box', '1,2'], 'ERR_INVALID_ARG_VALUE', 'Expected --box x,y,w,h (4 numbers) but received "1,2"'],
    [submit, ['--redis', 'redis://h:6379', 'a.jpg', '--queue', 'a:b'], 'ERR_INVALID_ARG_VALUE', 'Expected a queue name of letters, digits, - and _ (at most 64) but received "a:b"'],
    [submit, ['--redis', 'redis://h:6379', 'a.jpg', '--faces', '--box', '1,2,3,4'], 'ERR_INVALID_ARG_VALUE', '--faces goes with images, without --box'],
    [submit, ['--redis', 'redis://h:6379', 'a.jpg', '--max-faces', '3'], 'ERR_INVALID_ARG_VALUE', '--max-faces, --min-score and --min-face-size go with --faces'],
    [submit, ['--redis', 'redis://h:6379', 'a.jpg', '--faces', '--max-faces', '0'], 'ERR_OUT_OF_RANGE', 'Expected a positive integer <= 1000 for `maxFaces` but received 0'],
    [submit, ['--redis', 'redis://h:6379', 'a.jpg', '--faces', '--min-score', 'x'], 'ERR_INVALID_ARG_VALUE', 'Expected a number for --min-score but received "x"'],
    [submit, ['--redis', 'redis://h:6379', 'a.jpg', '--model-id', 'zz'], 'ERR_INVALID_ARG_VALUE', 'Expected 16 hex digits for `modelId` but received "zz"'],
  ])('%#: %j', async (cmd, argv, code, message) => {
    expect(await failure(cmd(argv as string[]))).toEqual({ code, first: message });
  });
});
