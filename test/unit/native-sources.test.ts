/**
 * native/sources.json is the one list of native sources. CMakeLists.txt / cmake/gpu.cmake and binding.gyp derive
 * theirs from it; native/test/gpu-check.sh runs on device machines without Node, so it repeats its list by hand and
 * this test fails when that copy drifts, when a source under native/ belongs to no group, or when a build file
 * names a source by hand again.
 */
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const sources = JSON.parse(readFileSync(join(ROOT, 'native', 'sources.json'), 'utf8')) as Record<string, string[] | string>;
const groups = Object.fromEntries(Object.entries(sources).filter(([, v]) => Array.isArray(v))) as Record<string, string[]>;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(join(dir, d.name)) : [relative(ROOT, join(dir, d.name)).split('\\').join('/')],
  );
}

describe('native/sources.json', () => {
  it('lists every .cc/.cu file under native/ exactly once, and only files that exist', () => {
    const listed = Object.values(groups).flat();
    const onDisk = walk(join(ROOT, 'native')).filter((f) => /\.(cc|cu)$/.test(f));
    expect([...listed].sort()).toEqual([...onDisk].sort());
    expect(new Set(listed).size).toBe(listed.length);
  });

  it("native/test/gpu-check.sh compiles exactly kernelCheck + kernels + core", () => {
    const script = readFileSync(join(ROOT, 'native', 'test', 'gpu-check.sh'), 'utf8');
    const inScript = script.match(/native\/[\w/]+\.(?:cc|cu)\b/g) ?? [];
    expect([...inScript].sort()).toEqual([...groups.kernelCheck!, ...groups.kernels!, ...groups.core!].sort());
  });

  it("binding.gyp's source command yields core + addon + gpuAbsent", () => {
    const gyp = readFileSync(join(ROOT, 'binding.gyp'), 'utf8');
    const m = /"sources": \[\s*"<!@\((.*)\)"\s*\]/.exec(gyp);
    expect(m).not.toBeNull();
    const command = JSON.parse(`"${m![1]}"`) as string; // undo the JSON string escaping of the quotes
    const words = execSync(command, { cwd: ROOT, encoding: 'utf8' }).trim().split(/\s+/);
    expect(words).toEqual([...groups.core!, ...groups.addon!, ...groups.gpuAbsent!]);
    expect(words.every((f) => existsSync(join(ROOT, f)))).toBe(true);
  });

  it('the CMake build names no source file by hand', () => {
    for (const f of ['CMakeLists.txt', 'cmake/gpu.cmake']) {
      const text = readFileSync(join(ROOT, f), 'utf8').replace(/^\s*#.*$/gm, '');
      expect({ file: f, named: text.match(/[\w/]+\.(?:cc|cu)\b/g) ?? [] }).toEqual({ file: f, named: [] });
    }
  });
});
