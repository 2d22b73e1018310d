/**
 * Saving the shared timing cache (src/tensorrt/timing-cache.ts) when builds overlap. The fake "timing cache" is a
 * set of lines and the fake combine is their union (what ITimingCache::combine does with entries).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { saveTimingCache } from '../../src/tensorrt/timing-cache';
import { tempDir } from './helpers';

const lines = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString().split('\n').filter(Boolean).sort() : []);
const cache = (...entries: string[]) => Buffer.from(entries.join('\n'));
const union = async (a: Uint8Array, b: Uint8Array) => cache(...new Set([...lines(a), ...lines(b)]));

describe('timing cache save', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  test('two builds that started from the same cache both keep their new timings', async () => {
    const path = join(t.dir, 'timing.cache');
    writeFileSync(path, cache('conv1'));
    const startedWith = readFileSync(path);
    // Build A and build B ran at the same time; each ends with the old entries plus its own.
    const a = saveTimingCache({ path, startedWith, produced: cache('conv1', 'modelA'), merge: union, lock: { pollMs: 5 } });
    const b = saveTimingCache({ path, startedWith, produced: cache('conv1', 'modelB'), merge: union, lock: { pollMs: 5 } });
    expect((await Promise.all([a, b])).sort()).toEqual(['merged', 'written']);
    expect(lines(readFileSync(path))).toEqual(['conv1', 'modelA', 'modelB']);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  test('unchanged file: written as is, no merge', async () => {
    const path = join(t.dir, 'timing.cache');
    writeFileSync(path, cache('x'));
    let merges = 0;
    const how = await saveTimingCache({
      path, startedWith: readFileSync(path), produced: cache('x', 'y'),
      merge: async (a, b) => (merges++, union(a, b)),
    });
    expect([how, merges, lines(readFileSync(path))]).toEqual(['written', 0, ['x', 'y']]);
  });

  test('a failing merge keeps this build\'s cache and says so', async () => {
    const path = join(t.dir, 'timing.cache');
    writeFileSync(path, cache('other'));
    const warnings: string[] = [];
    await saveTimingCache({
      path, produced: cache('mine'), warn: (m) => warnings.push(m),
      merge: async () => Promise.reject(new Error('ITimingCache::combine failed')),
    });
    expect(lines(readFileSync(path))).toEqual(['mine']);
    expect(warnings).toEqual([`Could not merge the TensorRT timing cache ${path} with another build's: ITimingCache::combine failed; keeping this build's`]);
  });
});
