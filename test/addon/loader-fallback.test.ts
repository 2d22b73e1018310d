/**
 * A prebuilt binary that cannot load here is reported with the reason and the next candidate is used: a binary
 * whose metadata says it needs a newer glibc than this system's is skipped before dlopen, and dlopen's own
 * symbol-version errors are explained.
 */
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explainLoadError, glibcTooOld, loadAddon, loadedAddonPath, loadFirst } from '../../src/native/loader';
import { glibcRuntime, type AddonCandidate } from '../../src/native/variants';

loadAddon();
const real = loadedAddonPath()!;
const runtime = glibcRuntime();

function prebuildWithMeta(meta: object): AddonCandidate {
  const dir = mkdtempSync(join(tmpdir(), 'trtl-prebuild-'));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'trt_landmarker.node');
  copyFileSync(real, path);
  writeFileSync(join(dir, 'trt_landmarker.json'), JSON.stringify(meta));
  return { path, source: 'prebuild:cpu', meta: meta as AddonCandidate['meta'] };
}

(runtime ? describe : describe.skip)(`glibc (this system: ${runtime ?? 'not glibc'})`, () => {
  test('a prebuild needing a newer glibc is skipped with the reason, and the next candidate loads', () => {
    const tooNew = prebuildWithMeta({ variant: 'cpu', glibc: '99.0' });
    const ok = loadFirst([tooNew, { path: real, source: 'build' }]);
    expect(ok.path).toBe(real);
    expect(() => loadFirst([tooNew])).toThrow(`needs glibc >= 99.0 but this system has glibc ${runtime}`);
  });

  test('a prebuild needing an older glibc loads', () => {
    const older = prebuildWithMeta({ variant: 'cpu', glibc: '2.2.5' });
    expect(loadFirst([older]).path).toBe(older.path);
  });
});

test('glibcTooOld compares versions numerically', () => {
  expect(glibcTooOld('2.34', '2.31')).toMatch(/^needs glibc >= 2\.34 but this system has glibc 2\.31 .*npm rebuild trt-landmarker/);
  expect(glibcTooOld('2.34', '2.34')).toBeUndefined();
  expect(glibcTooOld('2.9', '2.10')).toBeUndefined(); // 10 > 9, not "10" < "9"
  expect(glibcTooOld(undefined, '2.31')).toBeUndefined();
});

test("dlopen's symbol-version errors are explained", () => {
  const glibc = "/x/trt_landmarker.node: /lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by /x/trt_landmarker.node)";
  expect(explainLoadError(glibc)).toMatch(/needs glibc >= 2\.34/);
  const cxx = "/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.29' not found (required by /x/trt_landmarker.node)";
  expect(explainLoadError(cxx)).toMatch(/needs libstdc\+\+ with GLIBCXX_3\.4\.29.*npm rebuild trt-landmarker/);
  expect(explainLoadError('cannot open shared object file')).toBe('');
});
