/**
 * `trt-landmarker build` options: --cache-dir (the engine lands in the directory given, not in
 * $TRT_LANDMARKER_CACHE, the documented default otherwise), --max-batch and --config. Runs anywhere: the addon is
 * replaced by a fake whose "GPU" builds an engine of known bytes, so only the CLI and the engine cache are under test.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import type { NativeAddon } from '../../src/native/addon';
import { regressionContract, tinyRegression } from '../unit/helpers/onnx-builder';
import { tempDir } from './helpers';

const ENGINE = Buffer.from('fake serialized engine');
const fakeAddon = {
  buildInfo: () => ({ version: '0.1.0', variant: 'cuda13', cuda: true, cudaVersion: '13.0', tensorrtMajor: 10, compiler: 'gcc 12.2.0' }),
  gpuStatus: () => ({ cuda: true, tensorrt: true, reason: '', tensorrtVersion: '10.16.0', tensorrtHeaders: '10.16.0', device: { name: 'Fake GPU', computeCapability: '8.9', totalMemory: 2 ** 34 } }),
  trtBuildEngine: async () => ({ engine: ENGINE, timingCache: Buffer.alloc(0), log: [] }),
  trtCreateRuntime: async () => ({ close: async () => undefined }),
};
jest.mock('../../src/native/loader', () => ({ loadAddon: () => fakeAddon as unknown as NativeAddon, loadedAddonPath: () => undefined }));

const t = tempDir('build-cache-dir-');
const MODEL = join(t.dir, 'tiny.onnx');
writeFileSync(MODEL, tinyRegression({ metadata: { trt_landmarker: JSON.stringify(regressionContract()) } }));
afterAll(() => t.cleanup());

async function build(argv: string[], env: string): Promise<{ engine: string; maxBatch?: number }> {
  let out = '';
  const saved = process.env.TRT_LANDMARKER_CACHE;
  process.env.TRT_LANDMARKER_CACHE = env;
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(await main(['build', '--model', MODEL, '--precision', 'fp32', '--json', ...argv])).toBe(0);
  } finally {
    o.mockRestore();
    e.mockRestore();
    if (saved === undefined) delete process.env.TRT_LANDMARKER_CACHE;
    else process.env.TRT_LANDMARKER_CACHE = saved;
  }
  return JSON.parse(out) as { engine: string; maxBatch?: number };
}

const engines = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.engine')) : []);

test('--cache-dir DIR: the engine is written there, and $TRT_LANDMARKER_CACHE is left alone', async () => {
  const flagDir = join(t.dir, 'from-flag');
  const envDir = join(t.dir, 'from-env');
  const r = await build(['--cache-dir', flagDir], envDir);
  expect(r.engine.startsWith(flagDir + '/')).toBe(true);
  expect(readFileSync(r.engine)).toEqual(ENGINE);
  expect(engines(flagDir)).toHaveLength(1);
  expect(engines(envDir)).toEqual([]);
});

test('without --cache-dir: $TRT_LANDMARKER_CACHE', async () => {
  const envDir = join(t.dir, 'env-only');
  const r = await build([], envDir);
  expect(r.engine.startsWith(envDir + '/')).toBe(true);
  expect(engines(envDir)).toHaveLength(1);
});

test('--max-batch N and --config FILE: the engine profile and the contract used', async () => {
  const bare = join(t.dir, 'bare.onnx');
  writeFileSync(bare, tinyRegression());
  const contract = join(t.dir, 'bare-contract.json');
  writeFileSync(contract, JSON.stringify(regressionContract()));
  const cache = join(t.dir, 'options');
  const r = (await build(['--cache-dir', cache, '--max-batch', '3'], cache)) as { maxBatch?: number };
  expect(r.maxBatch).toBe(3);
  await expect(main(['build', '--model', bare, '--cache-dir', cache])).rejects.toMatchObject({ code: 'ERR_CONTRACT_MISSING' });
  let out = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(await main(['build', '--model', bare, '--config', contract, '--cache-dir', cache, '--precision', 'fp32', '--json'])).toBe(0);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  expect(JSON.parse(out).source).toBe(bare);
});
