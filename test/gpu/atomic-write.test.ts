import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ORPHAN_AGE_MS, writeFileAtomic } from '../../src/tensorrt/atomic-write';
import { tempDir } from './helpers';

describe('writeFileAtomic', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  test('creates directories, writes, replaces, leaves no temp file', () => {
    const p = join(t.dir, 'a', 'b', 'x.engine');
    writeFileAtomic(p, Buffer.from('first'));
    expect(readFileSync(p, 'utf8')).toBe('first');
    writeFileAtomic(p, Buffer.from('second, longer'));
    expect(readFileSync(p, 'utf8')).toBe('second, longer');
    expect(readdirSync(join(t.dir, 'a', 'b'))).toEqual(['x.engine']);
  });

  test('a write that cannot happen throws ERR_ENGINE_CACHE naming the path and leaves nothing behind', () => {
    const blocker = join(t.dir, 'file');
    writeFileSync(blocker, 'not a directory');
    const target = join(blocker, 'x.engine');
    let err: (Error & { code?: string }) | undefined;
    try {
      writeFileAtomic(target, Buffer.from('data'));
    } catch (e) {
      err = e as Error & { code?: string };
    }
    expect(err?.code).toBe('ERR_ENGINE_CACHE');
    expect(err?.message).toMatch(new RegExp(`^Could not write ${target.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: E[A-Z]+: `));
    expect(readdirSync(t.dir)).toEqual(['file']);
  });

  test("a crashed writer's old temp file is removed by the next write; a live writer's fresh one is left alone", () => {
    const p = join(t.dir, 'x.engine');
    const orphan = join(t.dir, '.x.engine.tmp-999999-deadbeef');
    const live = join(t.dir, '.x.engine.tmp-999998-cafecafe');
    const other = join(t.dir, '.y.engine.tmp-999999-deadbeef');
    for (const f of [orphan, live, other]) writeFileSync(f, 'partial');
    const old = new Date(Date.now() - ORPHAN_AGE_MS - 60_000);
    utimesSync(orphan, old, old);
    utimesSync(other, old, old);
    writeFileAtomic(p, Buffer.from('engine'));
    expect(readdirSync(t.dir).sort()).toEqual(['.x.engine.tmp-999998-cafecafe', '.y.engine.tmp-999999-deadbeef', 'x.engine']);
  });
});
