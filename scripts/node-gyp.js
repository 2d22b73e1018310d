'use strict';
/*
 * Finding node-gyp and Node's headers without the network, and a copy of the sources for node-gyp to build in, for
 * scripts/build-native.js (--gyp, --gyp-dir) and scripts/prebuild.js (prebuildify's cpu variant).
 */
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

function nodeGypScript() {
  // npm exports npm_config_node_gyp to lifecycle scripts; otherwise use the node-gyp bundled with npm.
  const candidates = [process.env.npm_config_node_gyp];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] }));
  } catch {
    // not a direct dependency
  }
  const npmDir = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm');
  candidates.push(path.join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  return candidates.find((p) => p && fs.existsSync(p));
}

// node-gyp downloads Node's headers unless it is given a nodedir; a Node installed with its headers (as here:
// /usr/include/node) needs no network, so point node-gyp at it.
function nodeDirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = path.join(path.dirname(process.execPath), '..');
  return fs.existsSync(path.join(prefix, 'include', 'node', 'common.gypi')) ? [`--nodedir=${path.resolve(prefix)}`] : [];
}

// Copies what binding.gyp needs into dir (node_modules is linked, not copied) and returns dir: node-gyp writes its
// build/ there, so the package's own build/ (the cmake-js addon) is left alone.
function prepareGypCopy(dir) {
  const target = path.resolve(dir);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  for (const f of ['package.json', 'binding.gyp']) fs.copyFileSync(path.join(root, f), path.join(target, f));
  fs.cpSync(path.join(root, 'native'), path.join(target, 'native'), { recursive: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(target, 'node_modules'), 'dir');
  return target;
}

module.exports = { nodeGypScript, nodeDirArgs, prepareGypCopy };
