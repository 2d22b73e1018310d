/**
 * Imports stay acyclic and flow one way (issue 10): every import, export-from and require() between files of src/
 * (type-only imports too: a cycle of types is still two files that must change together) forms no cycle, and the
 * layers of one model's way from file to result point down only: src/model/ -> the backends -> the facade.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = join(__dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** The src/ files `file` imports (relative specifiers resolved to .ts files or index.ts). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*['"]([^'"]+)['"]|\brequire\(\s*['"]([^'"]+)['"]\s*\)|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
  return specs
    .filter((s) => s.startsWith('.'))
    .map((s) => resolve(dirname(file), s))
    .map((p) => [`${p}.ts`, join(p, 'index.ts')].find((c) => existsSync(c)))
    .filter((p): p is string => p !== undefined);
}

const rel = (p: string) => relative(SRC, p);
const graph = new Map(sourceFiles(SRC).map((f) => [f, importsOf(f)]));

/** The first cycle found by depth-first search, as a list of files (first === last), or null. */
function findCycle(g: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): string[] | null => {
    state.set(f, 'open');
    stack.push(f);
    for (const d of g.get(f) ?? []) {
      if (state.get(d) === 'open') return [...stack.slice(stack.indexOf(d)), d];
      if (!state.has(d)) {
        const c = visit(d);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(f, 'done');
    return null;
  };
  for (const f of g.keys()) {
    if (!state.has(f)) {
      const c = visit(f);
      if (c) return c;
    }
  }
  return null;
}

test('the checker sees a cycle when there is one (a -> b -> a) and none in a chain', () => {
  expect(findCycle(new Map([['a', ['b']], ['b', ['a']]]))).toEqual(['a', 'b', 'a']);
  expect(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', []]]))).toBeNull();
  expect(importsOf(join(SRC, 'landmarker.ts')).map(rel)).toContain(join('model', 'open.ts'));
});

test('no import cycle in src/', () => {
  const cycle = findCycle(graph);
  expect(cycle?.map(rel).join(' -> ') ?? 'none').toBe('none');
});

test('one way: src/model/ imports no backend, detector or facade; backends import neither the detector nor the facade', () => {
  const wrong: string[] = [];
  const rules: Array<[string, string[]]> = [
    ['model/', ['backends/', 'tensorrt/', 'detector/', 'landmarker.ts', 'cli/', 'queue/', 'capture/', 'eval/']],
    ['contract/', ['model/', 'backends/', 'tensorrt/', 'detector/', 'landmarker.ts']],
    ['backends/', ['detector/', 'landmarker.ts', 'cli/', 'queue/', 'capture/', 'eval/']],
    ['tensorrt/', ['backends/', 'detector/', 'landmarker.ts']],
  ];
  for (const [file, deps] of graph) {
    for (const [layer, banned] of rules) {
      if (!rel(file).startsWith(layer)) continue;
      for (const d of deps) if (banned.some((b) => rel(d).startsWith(b))) wrong.push(`${rel(file)} -> ${rel(d)}`);
    }
  }
  expect(wrong).toEqual([]);
});
