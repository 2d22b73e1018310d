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
import { cli } from '../e2e/cli-helpers';
import { fakeGpuAddon, tempDir } from './helpers';

const ENGINE = Buffer.from('fake serialized engine');
const fakeAddon = fakeGpuAddon(ENGINE);
jest.mock('../../src/native/loader', () => ({ loadAddon: () => fakeAddon as unknown as NativeAddon, loadedAddonPath: () => undefined }));

const t = tempDir('build-cache-dir-');
const MODEL = join(t.dir, 'tiny.onnx');
writeFileSync(MODEL, tinyRegression({ metadata: { trt_landmarker: JSON.stringify(regressionContract()) } }));
afterAll(() => t.cleanup());

async function build(argv: string[], env: string): Promise<{ engine: string; maxBatch?: number }> {
  const saved = process.env.TRT_LANDMARKER_CACHE;
  process.env.TRT_LANDMARKER_CACHE = env;
  try {
    const r = await cli(['build', '--model', MODEL, '--precision', 'fp32', '--json', ...argv]);
    expect(r.code).toBe(0);
    return JSON.parse(r.out) as { engine: string; maxBatch?: number };
  } finally {
    if (saved === undefined) delete process.env.TRT_LANDMARKER_CACHE;
    else process.env.TRT_LANDMARKER_CACHE = saved;
  }
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
  expect((await build(['--cache-dir', cache, '--max-batch', '3'], cache)).maxBatch).toBe(3);
  await expect(main(['build', '--model', bare, '--cache-dir', cache])).rejects.toMatchObject({ code: 'ERR_CONTRACT_MISSING' });
  const withConfig = await cli(['build', '--model', bare, '--config', contract, '--cache-dir', cache, '--precision', 'fp32', '--json']);
  expect(withConfig.code).toBe(0);
  expect(JSON.parse(withConfig.out).source).toBe(bare);
});
