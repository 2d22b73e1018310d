#!/usr/bin/env node
/*
 * Writes vendor/onnxruntime-node/: ONNX Runtime's Node binding for the platforms in PLATFORMS, pruned from the
 * installed devDependency node_modules/onnxruntime-node, so the packed package runs ONNX Runtime without
 * installing onnxruntime-node.
 *
 * Why: onnxruntime-node's postinstall (script/install.js, every release we can use) downloads its CUDA execution
 * provider from nuget.org on linux-x64 and fails the whole `npm install` where that host is unreachable; npm offers
 * a consumer no way to skip it without a flag or an environment variable. This package never uses the CUDA EP
 * (its GPU path is TensorRT), so it ships the CPU runtime itself: the JS of onnxruntime-node (dist/), the binding
 * and libonnxruntime for each platform, a package.json with no scripts and onnxruntime-common (which has no install
 * script) as its only dependency, ONNX Runtime's MIT licence and PROVENANCE.md (version, lockfile integrity of the
 * source package, sha256 of every binary). src/backends/ort-module.ts loads it.
 *
 *   node scripts/vendor-ort.js [--out vendor/onnxruntime-node]
 *
 * Fails (exit 1) when onnxruntime-node is missing, when its version, onnxruntime-common's and the version this
 * package.json depends on differ (the binding and the JS API must come from one release), or when a platform's
 * binaries are missing. The package's `prepack` runs it. Nothing is downloaded; vendor/ is not committed.
 */
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
/** platform-arch pairs bundled; ort-module.ts reads what is present, so this list is the only place to change. */
const PLATFORMS = ['linux-x64'];
/** The files of bin/napi-v6/<platform>/<arch>/ each bundled platform needs. */
const BINARIES = { linux: ['onnxruntime_binding.node', 'libonnxruntime.so.1'] };

function log(line) {
  console.log(`[vendor-ort] ${line}`);
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The directory of an installed package (found from its main entry: onnxruntime-common exports no package.json). */
function installedDir(name) {
  let dir;
  try {
    dir = path.dirname(require.resolve(name, { paths: [root] }));
  } catch {
    throw new Error(`${name} is not installed (run \`npm ci\` in ${root}; onnxruntime-node is a devDependency)`);
  }
  for (; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && readJson(pkg).name === name) return dir;
  }
  throw new Error(`no package.json named ${name} above ${require.resolve(name, { paths: [root] })}`);
}

function sha256(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** The three versions that must agree, or an Error saying which differ. */
function checkVersions(nodePkg, commonPkg, ownPkg) {
  const declared = (ownPkg.dependencies || {})['onnxruntime-common'];
  const versions = { 'onnxruntime-node': nodePkg.version, 'onnxruntime-common': commonPkg.version, 'package.json dependency onnxruntime-common': declared };
  if (new Set(Object.values(versions)).size !== 1) {
    const list = Object.entries(versions).map(([k, v]) => `${k} ${v}`).join(', ');
    throw new Error(`ONNX Runtime versions differ (${list}): install one exact version of both (npm install -D onnxruntime-node@X && npm install onnxruntime-common@X)`);
  }
  return nodePkg.version;
}

const MIT = (holder) => `MIT License

Copyright (c) ${holder}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;

/** The lockfile's integrity of the installed onnxruntime-node tarball (what npm verified), if recorded. */
function lockIntegrity() {
  try {
    return readJson(path.join(root, 'package-lock.json')).packages['node_modules/onnxruntime-node'].integrity;
  } catch {
    return undefined;
  }
}

function vendor(out) {
  const src = installedDir('onnxruntime-node');
  const nodePkg = readJson(path.join(src, 'package.json'));
  const commonPkg = readJson(path.join(installedDir('onnxruntime-common'), 'package.json'));
  const version = checkVersions(nodePkg, commonPkg, readJson(path.join(root, 'package.json')));

  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(path.join(out, 'dist'), { recursive: true });
  const js = fs.readdirSync(path.join(src, 'dist')).filter((f) => /\.(js|d\.ts)$/.test(f));
  if (!js.includes('index.js')) throw new Error(`${src}/dist has no index.js`);
  for (const f of js) fs.copyFileSync(path.join(src, 'dist', f), path.join(out, 'dist', f));

  const binaries = [];
  for (const p of PLATFORMS) {
    const [platform, arch] = p.split('-');
    const rel = path.join('bin', 'napi-v6', platform, arch);
    fs.mkdirSync(path.join(out, rel), { recursive: true });
    for (const f of BINARIES[platform]) {
      const from = path.join(src, rel, f);
      if (!fs.existsSync(from)) throw new Error(`onnxruntime-node ${version} has no ${path.join(rel, f)}`);
      fs.copyFileSync(from, path.join(out, rel, f));
      binaries.push({ file: path.join(rel, f), bytes: fs.statSync(from).size, sha256: sha256(from) });
    }
  }

  const pkg = {
    name: 'onnxruntime-node',
    version,
    description: `ONNX Runtime's Node.js binding ${version}, pruned to ${PLATFORMS.join(', ')} and bundled by trt-landmarker (see PROVENANCE.md)`,
    license: 'MIT',
    main: 'dist/index.js',
    types: 'dist/index.d.ts',
    dependencies: { 'onnxruntime-common': version },
  };
  fs.writeFileSync(path.join(out, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  fs.writeFileSync(path.join(out, 'LICENSE'), MIT('Microsoft Corporation'));
  const integrity = lockIntegrity();
  const provenance = [
    `# onnxruntime-node ${version}, bundled`,
    '',
    `Source: the npm package onnxruntime-node@${version} (https://github.com/microsoft/onnxruntime, MIT, Copyright (c) Microsoft Corporation)`,
    integrity ? `as installed from package-lock.json (integrity ${integrity}).` : 'as installed in node_modules.',
    `Copied by scripts/vendor-ort.js: dist/*.js and dist/*.d.ts unchanged, the binaries for ${PLATFORMS.join(', ')} unchanged.`,
    'Left out: the other platforms\' binaries, lib/ (TypeScript sources), script/ (the postinstall that downloads the CUDA',
    'execution provider, which trt-landmarker does not use), the package.json scripts and every dependency except',
    `onnxruntime-common ${version}. The upstream npm package ships no licence file; LICENSE here is ONNX Runtime's MIT`,
    'licence. Third-party notices for code linked into libonnxruntime: ThirdPartyNotices.txt in the repository above.',
    '',
    '| file | bytes | sha256 |',
    '| --- | ---: | --- |',
    ...binaries.map((b) => `| ${b.file} | ${b.bytes} | ${b.sha256} |`),
    '',
  ].join('\n');
  fs.writeFileSync(path.join(out, 'PROVENANCE.md'), provenance);
  const mib = binaries.reduce((s, b) => s + b.bytes, 0) / 2 ** 20;
  log(`onnxruntime-node ${version} -> ${path.relative(root, out)} (${PLATFORMS.join(', ')}, ${mib.toFixed(1)} MiB of binaries)`);
}

function main(argv) {
  let out = path.join(root, 'vendor', 'onnxruntime-node');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1] !== undefined) out = path.resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (see the header of scripts/vendor-ort.js)`);
  }
  vendor(out);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    log(`FAILED: ${err.message}`);
    process.exitCode = 1;
  }
}

module.exports = { checkVersions, PLATFORMS };
