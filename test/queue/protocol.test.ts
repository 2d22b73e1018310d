/** Pure pieces of the queue: model identity, names, error text, video segment plans, progress, Redis URLs. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkRedisUrl } from '../../src/queue/connection';
import { canonicalJson, identityOf } from '../../src/queue/identity';
import { runProgress, progressText } from '../../src/queue/progress';
import { errorText, jobId, parseErrorText, queueName } from '../../src/queue/protocol';
import { parseRate, planSegments, segmentInputOptions } from '../../src/queue/video';
import type { ModelContract } from '../../src/contract/types';

const contract = JSON.parse(readFileSync(join(__dirname, '../../models/contracts/peppa-slim160.json'), 'utf8')) as ModelContract;
const ONNX = 'a'.repeat(64);

describe('model identity', () => {
  test('key order does not matter; every value does', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    const shuffled = Object.fromEntries(Object.entries(contract).reverse()) as unknown as ModelContract;
    expect(Object.keys(shuffled)).not.toEqual(Object.keys(contract));
    expect(identityOf(ONNX, shuffled)).toEqual(identityOf(ONNX, contract));
    const moved = { ...contract, crop: { ...contract.crop, boxScale: 1.5 } };
    expect(identityOf(ONNX, moved).id).not.toBe(identityOf(ONNX, contract).id);
    expect(identityOf('b'.repeat(64), contract).id).not.toBe(identityOf(ONNX, contract).id);
    expect(identityOf(ONNX, contract).id).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('names and errors', () => {
  test('queue names carry the model id; bad names are refused', () => {
    expect(queueName('landmarks', '0123456789abcdef')).toBe('landmarks.0123456789abcdef');
    expect(() => queueName('a:b', '0123456789abcdef')).toThrow('Expected a queue name of letters, digits, - and _ (at most 64) but received "a:b"');
    expect(() => queueName('ok', 'xyz')).toThrow('Expected a model id of 16 hex digits but received "xyz"');
    expect(jobId('run1', 7)).toBe('run1.7');
  });

  test('coded errors survive the trip through failedReason', () => {
    const e = Object.assign(new Error('a.jpg: bad\nsecond line'), { code: 'ERR_IMAGE_DECODE' });
    expect(errorText(e)).toBe('[ERR_IMAGE_DECODE] a.jpg: bad\nsecond line');
    expect(parseErrorText(errorText(e))).toEqual({ code: 'ERR_IMAGE_DECODE', message: 'a.jpg: bad\nsecond line' });
    expect(parseErrorText(errorText(new Error('plain')))).toEqual({ code: 'ERR_INTERNAL', message: 'plain' });
    expect(parseErrorText('job stalled more than allowable limit')).toEqual({ code: 'ERR_QUEUE', message: 'job stalled more than allowable limit' });
  });

  test('Redis URLs', () => {
    expect(checkRedisUrl('redis://10.0.0.5:6379')).toBe('redis://10.0.0.5:6379');
    expect(checkRedisUrl('rediss://user:pw@host:6380/2')).toBe('rediss://user:pw@host:6380/2');
    for (const bad of ['', 'localhost:6379', 'http://host:6379', 'redis://', 'redis://host/x']) {
      expect(() => checkRedisUrl(bad)).toThrow(/^Expected a Redis URL such as redis:\/\/HOST:6379/);
    }
  });
});

describe('video segments', () => {
  test('segments cover every frame once, in order', () => {
    for (const [frames, per] of [[200, 40], [201, 40], [1, 25], [0, 5], [1499, 250]]) {
      const plan = planSegments(frames, per);
      const covered = plan.flatMap((s) => Array.from({ length: s.frameCount }, (_, k) => s.firstFrame + k));
      expect(covered).toEqual(Array.from({ length: frames }, (_, i) => i));
      expect(plan.every((s) => s.frameCount >= 1 && s.frameCount <= per)).toBe(true);
    }
    expect(() => planSegments(10, 0)).toThrow('segmentFrames must be a positive integer, got 0');
  });

  test('boundaries fall half a frame before the first frame and after the last', () => {
    // 25 fps: frames 50..99 are at 2.00 .. 3.96 s; the window is [1.98, 3.98).
    expect(segmentInputOptions(50, 50, 25)).toEqual(['-ss', '1.980000', '-t', '2.000000']);
    // The first segment starts at 0 and still ends half a frame after its last frame.
    expect(segmentInputOptions(0, 10, 25)).toEqual(['-ss', '0.000000', '-t', '0.380000']);
    expect(parseRate('30000/1001')).toBeCloseTo(29.97, 2);
    expect(parseRate('0/0')).toBe(0);
  });
});

describe('progress', () => {
  test('rate and ETA from the settled items', () => {
    const p = runProgress(300, 90, 10, 4);
    expect(p).toEqual({ total: 300, done: 90, failed: 10, remaining: 200, rate: 25, etaSeconds: 8, elapsedSeconds: 4 });
    expect(progressText(p)).toBe('done 90, failed 10, remaining 200, 25.0/s, ETA 8 s');
    expect(progressText(runProgress(10, 0, 0, 1))).toBe('done 0, failed 0, remaining 10, 0.0/s, ETA ?');
    expect(runProgress(10, 10, 0, 2).etaSeconds).toBe(0);
    expect(progressText(runProgress(10000, 10, 0, 1))).toBe('done 10, failed 0, remaining 9990, 10.0/s, ETA 16 min 39 s');
  });
});
