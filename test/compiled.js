/**
 * Tests run the package as users get it: compiled, from dist/ (`npm test` compiles first). A test that imports
 * `../../src/x` gets `dist/src/x.js` (likewise every folder tsconfig.build.json compiles), through this mapping, in jest (test/dist-resolver.js) and in
 * test child processes (test/bench/ts-register.js). So worker threads start from .js files and `jest.mock` of a src
 * module replaces the very module the package loads. A compiled file missing or older than its source fails the
 * run (test/dist-check.js, and here for children) instead of testing stale code.
 */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
// The folders the build compiles into dist/: each "<folder>/**/*.ts" of tsconfig.build.json's include.
const SOURCES = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')).include.map((glob) => glob.split('/')[0]);
const COMPILED = SOURCES.map((dir) => path.join(ROOT, dir) + path.sep);

const isSource = (file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && COMPILED.some((dir) => file.startsWith(dir));
const compiledPath = (file) => path.join(ROOT, 'dist', path.relative(ROOT, file).slice(0, -'.ts'.length) + '.js');

/** `file` (an absolute path) itself, or its compiled twin in dist/ when it is a .ts file the build compiles. */
function toCompiled(file) {
  return isSource(file) ? compiledPath(file) : file;
}

/** Why `file`'s compiled twin cannot be used (missing, older than the source), or undefined when it can. */
function staleness(file) {
  const js = compiledPath(file);
  let fresh = false;
  try {
    fresh = fs.statSync(js).mtimeMs >= fs.statSync(file).mtimeMs;
  } catch {
    // missing
  }
  if (fresh) return undefined;
  return `${path.relative(ROOT, js)} is missing or older than ${path.relative(ROOT, file)}: tests run the compiled package; run \`npm run build:ts\` (npm test does)`;
}

/** Every reason the compiled package is not up to date with its sources (empty when it is). */
function staleCompiled() {
  const reasons = [];
  const visit = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(p);
      else if (isSource(p)) {
        const why = staleness(p);
        if (why) reasons.push(why);
      }
    }
  };
  for (const dir of SOURCES) if (fs.existsSync(path.join(ROOT, dir))) visit(path.join(ROOT, dir));
  return reasons;
}

module.exports = { toCompiled, staleness, staleCompiled, isSource };
