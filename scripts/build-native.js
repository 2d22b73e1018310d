#!/usr/bin/env node
/*
 * Builds the native addon: build/Release/trt_landmarker.node.
 *
 *   node scripts/build-native.js               configure + build with cmake-js (Release)
 *   node scripts/build-native.js --if-missing  skip when a prebuild for this platform exists, or when
 *                                               build/Release/trt_landmarker.node is newer than every native
 *                                               source (the package's "install" script)
 *   node scripts/build-native.js --gyp         build the portable CPU-only variant with node-gyp instead
 *   node scripts/build-native.js --gyp-dir=DIR  same, in a copy of the sources under DIR (leaves build/ alone);
 *                                               the addon lands in DIR/build/Release/trt_landmarker.node
 *
 * CMake options come from the environment: TENSORRT_ROOT -> -DTENSORRT_ROOT, CUDAToolkit_ROOT / CUDA_PATH /
 * CUDA_HOME -> -DCUDAToolkit_ROOT, CUDACXX (read by CMake itself); TRTL_CMAKE_ARGS adds raw "-DX=Y" words.
 * When cmake is not installed at all, it falls back to node-gyp (CPU only). Nothing is downloaded: cmake-js takes
 * the Node-API headers from the node-api-headers package.
 *
 * Output: a few lines saying what is built and why (no usable prebuild, CUDA found or not, TensorRT headers found
 * or not), compile progress in quarters, and one summary line. The compiler's full output goes to
 * trt-landmarker-build.log (its path is printed; on failure its tail too). TRTL_BUILD_VERBOSE=1 shows it all.
 */
'use strict';

const { nodeGypScript, nodeDirArgs, prepareGypCopy } = require('./node-gyp');

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const addonPath = path.join(root, 'build', 'Release', 'trt_landmarker.node');
// Beside build/, not in it: cmake-js deletes build/ when it starts from scratch.
const logPath = path.join(root, 'trt-landmarker-build.log');
const args = process.argv.slice(2);
const verbose = Boolean(process.env.TRTL_BUILD_VERBOSE);

function log(line) {
  console.log(`[trt-landmarker] ${line}`);
}

/**
 * The prebuilt binaries shipped for this platform, each loaded in a child process as the package's loader would
 * (a binary for a newer glibc fails there, not here): { usable: path | undefined, notes: ["cuda13: why", ...] }.
 */
function probePrebuilds() {
  const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  let variants = [];
  try {
    variants = fs.readdirSync(dir).sort((a, b) => (a === 'cpu') - (b === 'cpu') || a.localeCompare(b));
  } catch {
    return { usable: undefined, notes: [`no prebuilt binary for ${process.platform}-${process.arch} in this package`] };
  }
  const notes = [];
  for (const v of variants) {
    const p = path.join(dir, v, 'trt_landmarker.node');
    if (!fs.existsSync(p)) continue;
    const r = spawnSync(process.execPath, ['-e', 'require(process.argv[1]).buildInfo()', p], { encoding: 'utf8', timeout: 60000 });
    if (r.status === 0) return { usable: p, notes };
    const first = (r.stderr || '').split('\n').find((l) => /Error|GLIBC|not found/.test(l)) || `exit ${r.status}`;
    notes.push(`${v}: does not load here (${first.trim()})`);
  }
  if (notes.length === 0) notes.push(`no prebuilt binary for ${process.platform}-${process.arch} in this package`);
  return { usable: undefined, notes };
}

// Newest modification time among the files the addon is built from (native/, cmake/, CMakeLists.txt, binding.gyp).
function newestSource() {
  let newest = 0;
  const visit = (p) => {
    let st;
    try {
      st = fs.statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p)) visit(path.join(p, name));
    } else {
      newest = Math.max(newest, st.mtimeMs);
    }
  };
  for (const p of ['native', 'cmake', 'CMakeLists.txt', 'binding.gyp', 'package.json']) visit(path.join(root, p));
  return newest;
}

/**
 * Runs a build command with its output in the log file; prints the lines that say what is being built (cmake's
 * "trt-landmarker ..." status lines) and progress when the percentage passes a quarter. Resolves to the exit code.
 */
function run(cmd, cmdArgs, cwd = root) {
  if (verbose) {
    const r = spawnSync(cmd, cmdArgs, { cwd, stdio: 'inherit', env: process.env });
    if (r.error) throw r.error;
    return Promise.resolve(r.status === null ? 1 : r.status);
  }
  fs.mkdirSync(path.dirname(logPath), { recursive: true });
  const out = fs.createWriteStream(logPath, { flags: 'a' });
  out.write(`$ ${cmd} ${cmdArgs.join(' ')}\n`);
  return new Promise((resolve) => {
    const child = spawn(cmd, cmdArgs, { cwd, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let quarter = 0;
    let partial = '';
    const onData = (chunk) => {
      out.write(chunk);
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop();
      for (const line of lines) {
        const status = /-- trt-landmarker:? (.*)$/.exec(line);
        if (status) log(status[1]);
        // make: "[ 50%] Building CXX object ...x.cc.o"; ninja: "[7/19] Building CUDA object ...x.cu.o".
        const m = /^\[\s*(?:(\d+)%|(\d+)\/(\d+))\] Building \S+ object .*?([^/\s]+)\.o$/.exec(line);
        const pct = m ? (m[1] !== undefined ? Number(m[1]) : Math.floor((100 * Number(m[2])) / Number(m[3]))) : -1;
        if (m && pct >= (quarter + 1) * 25) {
          quarter = Math.floor(pct / 25);
          log(`compiling: ${pct}% (${m[4]})`);
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => {
      out.write(`${err.message}\n`);
      out.end(() => resolve(127));
    });
    child.on('close', (code) => out.end(() => resolve(code === null ? 1 : code)));
  });
}

/** The last lines of the build log, printed when a build fails. */
function logTail(n = 25) {
  try {
    return fs.readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return '(no log)';
  }
}

function hasCmake() {
  const r = spawnSync(process.env.CMAKE || 'cmake', ['--version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

function cmakeDefines() {
  const env = process.env;
  const defs = [];
  if (env.TENSORRT_ROOT) defs.push(`TENSORRT_ROOT=${env.TENSORRT_ROOT}`);
  const cuda = env.CUDAToolkit_ROOT || env.CUDA_PATH || env.CUDA_HOME;
  if (cuda) defs.push(`CUDAToolkit_ROOT=${cuda}`);
  // CUDACXX is left in the environment, where cmake/gpu.cmake checks it (a broken nvcc then means a CPU-only build
  // with the reason); as -DCMAKE_CUDA_COMPILER it would be trusted unchecked and fail the whole build.
  for (const word of (env.TRTL_CMAKE_ARGS || '').split(/\s+/).filter(Boolean)) {
    defs.push(word.replace(/^-D/, ''));
  }
  return defs;
}

function buildWithCmake() {
  const cmakeJs = path.join(path.dirname(require.resolve('cmake-js/package.json', { paths: [root] })), 'bin', 'cmake-js');
  const cmdArgs = [cmakeJs, 'compile', '--config', 'Release', '--directory', root];
  if (process.env.CMAKE) cmdArgs.push('--cmake-path', process.env.CMAKE);
  for (const d of cmakeDefines()) cmdArgs.push(`--CD${d}`);
  if (verbose) log(`cmake-js ${cmdArgs.slice(1).join(' ')}`);
  return run(process.execPath, cmdArgs);
}

function buildWithGyp(dir) {
  const script = nodeGypScript();
  if (!script) {
    log('node-gyp not found (set npm_config_node_gyp to its bin/node-gyp.js)');
    return Promise.resolve(1);
  }
  const gypArgs = [script, 'rebuild', ...nodeDirArgs()];
  log(`building the portable CPU-only addon with node-gyp in ${dir}`);
  return run(process.execPath, gypArgs, dir);
}

// Loads the fresh build in a child process (a broken binary must not take this script down) and describes it.
function describeBuild(file) {
  const probe =
    'const a=require(process.argv[1]);const b=a.buildInfo();const g=a.gpuStatus();' +
    'console.log(JSON.stringify({b,g}))';
  const r = spawnSync(process.execPath, ['-e', probe, file], { encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) return `built ${file} but it does not load: ${(r.stderr || '').trim().split('\n')[0]}`;
  const { b, g } = JSON.parse(r.stdout.trim().split('\n').pop());
  const trt = b.tensorrtMajor !== undefined ? `yes (compiled against TensorRT ${b.tensorrtMajor})` : 'no';
  const cuda = b.cuda ? `yes${b.cudaVersion ? ` (CUDA ${b.cudaVersion})` : ''}` : 'no';
  const why = g.cuda && g.tensorrt ? '' : `; GPU path here: ${g.reason}`;
  const shown = path.relative(root, file).startsWith('..') ? file : path.relative(root, file);
  return `built ${shown}: variant ${b.variant}, CUDA ${cuda}, TensorRT ${trt}${why}`;
}

function failed(status) {
  console.log(logTail());
  log(
    `native build failed (exit ${status}; full log: ${logPath}). Needs cmake >= 3.19 (or node-gyp + python3) and ` +
      'a C++17 compiler; CUDA/TensorRT are optional. See docs/native.md.',
  );
  return status || 1;
}

async function main() {
  const gypDirArg = args.find((a) => a.startsWith('--gyp-dir='));
  if (gypDirArg) {
    const dir = prepareGypCopy(gypDirArg.slice('--gyp-dir='.length));
    const out = path.join(dir, 'build', 'Release', 'trt_landmarker.node');
    const status = await buildWithGyp(dir);
    if (status !== 0 || !fs.existsSync(out)) return failed(status);
    log(describeBuild(out));
    return 0;
  }
  let why = 'requested (npm run build:native)';
  if (args.includes('--if-missing')) {
    const prebuilds = probePrebuilds();
    if (prebuilds.usable) {
      log(`using the prebuilt addon ${path.relative(root, prebuilds.usable)}; nothing to compile`);
      return 0;
    }
    if (fs.existsSync(addonPath) && newestSource() <= fs.statSync(addonPath).mtimeMs) {
      log(`native addon up to date (${path.relative(root, addonPath)}); not rebuilding`);
      return 0;
    }
    why = prebuilds.notes.join('; ');
  }
  fs.rmSync(logPath, { force: true });
  log(`building the native addon from source: ${why}`);
  if (!verbose) log(`compiler output goes to ${logPath}`);
  let status;
  if (args.includes('--gyp')) {
    status = await buildWithGyp(root);
  } else if (hasCmake()) {
    status = await buildWithCmake();
  } else {
    log('cmake not found: building the portable CPU-only addon with node-gyp instead (no CUDA/TensorRT)');
    status = await buildWithGyp(root);
  }
  if (status !== 0 || !fs.existsSync(addonPath)) return failed(status);
  // An incremental build that had nothing to do leaves the old mtime; mark the addon as checked now so that
  // --if-missing sees it as up to date.
  const now = new Date();
  fs.utimesSync(addonPath, now, now);
  log(describeBuild(addonPath));
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    log(`native build failed: ${err.message}`);
    process.exitCode = 1;
  },
);
