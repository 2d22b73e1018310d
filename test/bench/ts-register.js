/**
 * Require hook for test child processes (reliability, fuzz, lock, queue scripts): compiles the tests' own .ts
 * files on the fly with TypeScript's transpileModule (the tsconfig's options, CommonJS), and maps what they import
 * from src/ (and the build's other folders) to the compiled package in dist/ (test/compiled.js), as jest does.
 * Output is cached on disk by content hash, and TypeScript itself is loaded only on a cache miss, so a child
 * starts in a fraction of a second once the files were compiled.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const Module = require('node:module');
const path = require('node:path');
const { isSource, staleness, toCompiled } = require('../compiled');

const root = path.resolve(__dirname, '..', '..');
const cacheDir = path.join(os.tmpdir(), `trtl-ts-cache-${process.getuid ? process.getuid() : 'u'}`);
// The compiler options are part of every cache key.
const tsconfigText = fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8');
let compile;

function compiler() {
  if (!compile) {
    const ts = require('typescript');
    const { config } = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
    const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root);
    const compilerOptions = { ...options, module: ts.ModuleKind.CommonJS, sourceMap: false, inlineSourceMap: true, declaration: false };
    compile = (source, filename) => ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText;
  }
  return compile;
}

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const key = crypto.createHash('sha256').update(tsconfigText).update('\0').update(filename).update('\0').update(source).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  let output;
  try {
    output = fs.readFileSync(cached, 'utf8');
  } catch {
    output = compiler()(source, filename);
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const tmp = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, output);
      fs.renameSync(tmp, cached);
    } catch {
      // no cache: compile every time
    }
  }
  module._compile(output, filename);
};

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const file = resolveFilename.call(this, request, ...rest);
  const why = isSource(file) && staleness(file);
  if (why) throw new Error(why);
  return toCompiled(file);
};
