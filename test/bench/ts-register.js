/**
 * Require hook for test child processes (the bench smoke test, the queue's worker and submit processes):
 * compiles .ts files on the fly with TypeScript's transpileModule (the tsconfig's options, CommonJS), so a child
 * runs from source in plain Node, where tinybench (an ES module) loads through a real dynamic import, which
 * jest's module system does not offer. Output is cached by content hash under the OS temp folder, so the many
 * children of one test run transpile each file once.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ts = require('typescript');

const root = path.resolve(__dirname, '..', '..');
const { config } = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, root);
const compilerOptions = { ...options, module: ts.ModuleKind.CommonJS, sourceMap: false, inlineSourceMap: true, declaration: false };
const cacheDir = path.join(os.tmpdir(), `trtl-ts-cache-${ts.version}`);

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const key = crypto.createHash('sha1').update(filename).update('\0').update(source).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  let outputText;
  try {
    outputText = fs.readFileSync(cached, 'utf8');
  } catch {
    outputText = ts.transpileModule(source, { compilerOptions, fileName: filename }).outputText;
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const tmp = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, outputText);
      fs.renameSync(tmp, cached); // atomic: a concurrent reader sees the whole file or none
    } catch {
      // A cache that cannot be written only costs time.
    }
  }
  module._compile(outputText, filename);
};
