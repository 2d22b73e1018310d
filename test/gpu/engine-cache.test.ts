/** The engine cache with a fake builder and a fake runtime (what TensorRT's deserialisation would do). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { engineKey, sha256 } from '../../src/tensorrt/cache-key';
import { enginePaths, getOrBuildEngine, type EngineRequest } from '../../src/tensorrt/engine-cache';
import { coded, sampleParts, tempDir } from './helpers';

const MAGIC = Buffer.from('FAKEPLAN');

/** A fake "TensorRT": engines are MAGIC + payload; anything else fails like deserializeCudaEngine does. */
function fakeRequest(dir: string, over: Partial<EngineRequest<string>> = {}) {
  const calls = { build: 0, open: 0, warnings: [] as string[] };
  const req: EngineRequest<string> = {
    dir,
    stem: 'model-fp16',
    parts: sampleParts(),
    build: async () => {
      calls.build++;
      await new Promise((r) => setTimeout(r, 50));
      return Buffer.concat([MAGIC, Buffer.from(`engine #${calls.build}`)]);
    },
    open: async (engine) => {
      calls.open++;
      const b = Buffer.from(engine);
      if (!b.subarray(0, MAGIC.length).equals(MAGIC)) {
        throw coded('ERR_TENSORRT', 'deserializeCudaEngine (1 KiB plan) failed: Serialization assertion magicTagRead == kMAGIC_TAG failed');
      }
      return b.subarray(MAGIC.length).toString();
    },
    warn: (m) => calls.warnings.push(m),
    lock: { pollMs: 10 },
    ...over,
  };
  return { req, calls };
}

describe('engine cache', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  test('miss builds and stores engine + metadata; hit loads without building', async () => {
    const { req, calls } = fakeRequest(t.dir);
    const first = await getOrBuildEngine(req);
    expect(first).toMatchObject({ value: 'engine #1', built: true });
    const paths = enginePaths(t.dir, 'model-fp16');
    const meta = JSON.parse(readFileSync(paths.meta, 'utf8'));
    const engine = readFileSync(paths.engine);
    expect(meta).toMatchObject({ format: 1, key: engineKey(sampleParts()), bytes: engine.length, sha256: sha256(engine) });
    expect(existsSync(paths.lock)).toBe(false);
    const second = await getOrBuildEngine(req);
    expect(second).toMatchObject({ value: 'engine #1', built: false, path: paths.engine });
    expect(calls.build).toBe(1);
    expect(calls.warnings).toEqual([]);
  });

  test('a truncated engine is detected by size, warned about and rebuilt', async () => {
    const { req, calls } = fakeRequest(t.dir);
    await getOrBuildEngine(req);
    const paths = enginePaths(t.dir, 'model-fp16');
    const full = readFileSync(paths.engine);
    writeFileSync(paths.engine, full.subarray(0, full.length - 3));
    const r = await getOrBuildEngine(req);
    expect(r).toMatchObject({ value: 'engine #2', built: true });
    expect(calls.warnings).toEqual([
      `Cached TensorRT engine ${paths.engine} is unusable: it is ${full.length - 3} bytes, expected ${full.length} (truncated?); rebuilding it`,
    ]);
  });

  test('a corrupted engine of the right size is detected by sha256', async () => {
    const { req, calls } = fakeRequest(t.dir);
    await getOrBuildEngine(req);
    const paths = enginePaths(t.dir, 'model-fp16');
    const bytes = readFileSync(paths.engine);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(paths.engine, bytes);
    expect((await getOrBuildEngine(req)).built).toBe(true);
    expect(calls.warnings[0]).toMatch(/its sha256 does not match the metadata \(corrupt\); rebuilding it$/);
  });

  test('a foreign engine (metadata consistent, TensorRT refuses it) is rebuilt with TensorRT\'s message', async () => {
    const { req, calls } = fakeRequest(t.dir);
    const paths = enginePaths(t.dir, 'model-fp16');
    const foreign = Buffer.from('an engine from another TensorRT version');
    writeFileSync(paths.engine, foreign);
    writeFileSync(
      paths.meta,
      JSON.stringify({ format: 1, key: engineKey(sampleParts()), sha256: sha256(foreign), bytes: foreign.length }),
    );
    const r = await getOrBuildEngine(req);
    expect(r).toMatchObject({ value: 'engine #1', built: true });
    expect(calls.warnings).toEqual([
      `Cached TensorRT engine ${paths.engine} is unusable: TensorRT could not deserialise it (deserializeCudaEngine (1 KiB plan) failed: Serialization assertion magicTagRead == kMAGIC_TAG failed); rebuilding it`,
    ]);
  });

  test('metadata of another key or garbage metadata means rebuild, never a crash', async () => {
    const { req, calls } = fakeRequest(t.dir);
    const paths = enginePaths(t.dir, 'model-fp16');
    writeFileSync(paths.engine, 'x');
    writeFileSync(paths.meta, '{not json');
    expect((await getOrBuildEngine(req)).built).toBe(true);
    expect(calls.warnings[0]).toMatch(/its metadata is not valid JSON; rebuilding it$/);
    writeFileSync(paths.meta, JSON.stringify({ format: 1, key: 'other' }));
    expect((await getOrBuildEngine(req)).built).toBe(true);
    expect(calls.warnings[1]).toMatch(/its metadata belongs to another key \(other\); rebuilding it$/);
  });

  test('errors that a rebuild cannot fix (CUDA out of memory) propagate without rebuilding', async () => {
    const { req, calls } = fakeRequest(t.dir);
    await getOrBuildEngine(req);
    const oom = coded('ERR_CUDA', 'cudaMalloc(512 MiB) failed: out of memory (cudaErrorMemoryAllocation)');
    await expect(getOrBuildEngine({ ...req, open: async () => Promise.reject(oom) })).rejects.toBe(oom);
    expect(calls.build).toBe(1);
  });

  test('a fresh engine that fails to open is an error, not an endless rebuild loop', async () => {
    const { req, calls } = fakeRequest(t.dir, { build: async () => Buffer.from('garbage') });
    await expect(getOrBuildEngine(req)).rejects.toMatchObject({ code: 'ERR_TENSORRT' });
    expect(calls.open).toBe(1);
  });

  test('concurrent requests for the same engine build it once', async () => {
    const { req, calls } = fakeRequest(t.dir);
    const results = await Promise.all([getOrBuildEngine(req), getOrBuildEngine(req), getOrBuildEngine(req)]);
    expect(calls.build).toBe(1);
    expect(results.map((r) => r.value)).toEqual(['engine #1', 'engine #1', 'engine #1']);
    expect(results.filter((r) => r.built)).toHaveLength(1);
  });

  test('a failing build releases the lock and writes nothing', async () => {
    const { req } = fakeRequest(t.dir, { build: async () => Promise.reject(coded('ERR_MODEL_LOAD', 'parser said no')) });
    await expect(getOrBuildEngine(req)).rejects.toMatchObject({ code: 'ERR_MODEL_LOAD', message: 'parser said no' });
    const paths = enginePaths(t.dir, 'model-fp16');
    expect([existsSync(paths.engine), existsSync(paths.meta), existsSync(paths.lock)]).toEqual([false, false, false]);
  });
});
