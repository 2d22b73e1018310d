#!/usr/bin/env node
/*
 * Builds the prebuilt addon variants into prebuilds/<platform>-<arch>/<variant>/ (prebuildify's layout):
 *   one GPU variant per CUDA toolkit given (variant "cuda<major>", e.g. cuda12, cuda13) built with cmake-js, and a
 *   portable "cpu" variant built with prebuildify over binding.gyp (node-gyp).
 * Beside each trt_landmarker.node it writes trt_landmarker.json (variant, CUDA version, TensorRT major compiled
 * against, CUDA architectures, addon version) which src/native/variants.ts reads to pick the variant a machine
 * can run.
 *
 *   node scripts/prebuild.js [--cuda /usr/local/cuda-13.0]... [--tensorrt DIR] [--archs "75;86;89"] [--no-cpu]
 *                            [--out prebuilds]
 *
 * --cuda       a CUDA toolkit root (repeatable). Default: every /usr/local/cuda-<version> plus /usr/local/cuda
 *              and $CUDA_PATH, deduplicated. Toolkits without bin/nvcc are skipped with a message.
 * --tensorrt   TensorRT headers root for every GPU variant; default: $TENSORRT_ROOT, else $TRTL_PREBUILD_TENSORRT,
 *              else cmake/gpu.cmake's search.
 * --archs      CUDA architectures (TRTL_CUDA_ARCHITECTURES); default: $TRTL_PREBUILD_ARCHS, else cmake/gpu.cmake's
 *              list for the toolkit (CI sets one architecture to stay within its time).
 * The package's `prepack` script runs this, so `npm pack` ships the variants this machine can build. Each
 * variant's metadata records the newest glibc symbol version the binary needs (`glibc`), which the loader
 * compares with the running system's before loading it.
 * Exit code: 0 when every present toolkit (and cpu) built; 1 otherwise. Nothing is downloaded.
 */
'use strict';

const { spawnSync } = require('node:child_process');
const { nodeDirArgs, nodeGypScript, prepareGypCopy } = require('./node-gyp');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

function log(line) {
  console.log(`[prebuild] ${line}`);
}

function parse(argv) {
  const env = process.env;
  const o = {
    cuda: [],
    tensorrt: env.TENSORRT_ROOT || env.TRTL_PREBUILD_TENSORRT || undefined,
    archs: env.TRTL_PREBUILD_ARCHS || undefined,
    cpu: true,
    out: path.join(root, 'prebuilds'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--cuda') o.cuda.push(value());
    else if (a === '--tensorrt') o.tensorrt = value();
    else if (a === '--archs') o.archs = value();
    else if (a === '--out') o.out = path.resolve(value());
    else if (a === '--no-cpu') o.cpu = false;
    else throw new Error(`unknown argument ${a} (see the header of scripts/prebuild.js)`);
  }
  return o;
}

function defaultToolkits() {
  const found = [];
  try {
    for (const d of fs.readdirSync('/usr/local')) if (/^cuda-\d+(\.\d+)?$/.test(d)) found.push(path.join('/usr/local', d));
  } catch {
    // no /usr/local
  }
  found.push('/usr/local/cuda');
  if (process.env.CUDA_PATH) found.push(process.env.CUDA_PATH);
  return found;
}

/** { root, nvcc, version: "13.0", major: 13 } or a reason string. */
function inspectToolkit(dir) {
  const nvcc = path.join(dir, 'bin', process.platform === 'win32' ? 'nvcc.exe' : 'nvcc');
  if (!fs.existsSync(nvcc)) return `no ${nvcc}`;
  const r = spawnSync(nvcc, ['--version'], { encoding: 'utf8' });
  const m = /release (\d+)\.(\d+)/.exec(r.stdout || '');
  if (r.status !== 0 || !m) return `${nvcc} --version failed`;
  return { root: fs.realpathSync(dir), nvcc, version: `${m[1]}.${m[2]}`, major: Number(m[1]) };
}

function packageBin(name, file) {
  return path.join(path.dirname(require.resolve(`${name}/package.json`, { paths: [root] })), ...file);
}

/** GPU variants: cmake-js (CMakeLists.txt with cmake/gpu.cmake). Returns the built binary, or null. */
function cmakeJs(outDir, defines) {
  const args = [packageBin('cmake-js', ['bin', 'cmake-js']), 'compile', '--config', 'Release', '--directory', root, '--out', outDir];
  for (const d of defines) args.push(`--CD${d}`);
  log(`cmake-js ${args.slice(1).join(' ')}`);
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: process.env });
  return r.status === 0 ? path.join(outDir, 'Release', 'trt_landmarker.node') : null;
}

/** The portable cpu variant: prebuildify over binding.gyp (Node-API, stripped). Returns the built binary, or null. */
function prebuildify(outDir) {
  const args = [packageBin('prebuildify', ['bin.js']), '--napi', '--strip', '--out', outDir];
  log(`prebuildify ${args.slice(1).join(' ')}`);
  // prebuildify runs `node-gyp` from PATH and would fetch headers for its own --target; give it npm's node-gyp
  // and, where Node's headers are installed, the nodedir (node-gyp reads npm_config_nodedir).
  const env = { ...process.env };
  const gyp = nodeGypScript();
  if (gyp && !env.PREBUILD_NODE_GYP) env.PREBUILD_NODE_GYP = gyp;
  for (const a of nodeDirArgs()) env.npm_config_nodedir = a.slice('--nodedir='.length);
  // In a copy of the sources: node-gyp would otherwise replace the package's build/ (the cmake-js addon a
  // developer built) with its own.
  const gypDir = prepareGypCopy(path.join(os.tmpdir(), `trtl-prebuildify-${process.pid}`));
  try {
    const r = spawnSync(process.execPath, args, { cwd: gypDir, stdio: 'inherit', env });
    const built = path.join(outDir, 'prebuilds', `${process.platform}-${process.arch}`, `${pkg.name}.node`);
    return r.status === 0 && fs.existsSync(built) ? built : null;
  } finally {
    fs.rmSync(gypDir, { recursive: true, force: true });
  }
}

function cacheValue(buildDir, name) {
  try {
    const m = new RegExp(`^${name}:[A-Z]+=(.*)$`, 'm').exec(fs.readFileSync(path.join(buildDir, 'CMakeCache.txt'), 'utf8'));
    return m ? m[1] : undefined;
  } catch {
    return undefined;
  }
}

/** buildInfo() and gpuStatus() of a fresh binary, loaded in a child process (a broken binary must not kill us). */
function describe(file) {
  const probe = 'const a=require(process.argv[1]);console.log(JSON.stringify({b:a.buildInfo(),g:a.gpuStatus()}))';
  const r = spawnSync(process.execPath, ['-e', probe, file], { encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) throw new Error(`${file} does not load: ${(r.stderr || '').trim().split('\n')[0]}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/**
 * The newest `<prefix>_x.y[.z]` symbol version a Linux binary needs (prefix GLIBC: the C library, "2.34"; GLIBCXX:
 * libstdc++, "3.4.29"), or undefined. The version names a binary references are plain strings in its dynamic string
 * table, so scanning the bytes finds them without objdump (`objdump -T file | grep GLIBC` lists the same).
 */
function symbolVersionNeeded(file, prefix) {
  if (process.platform !== 'linux') return undefined;
  const compare = (a, b) => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] || 0) !== (b[i] || 0)) return (a[i] || 0) - (b[i] || 0);
    return 0;
  };
  let best;
  for (const m of fs.readFileSync(file).toString('latin1').matchAll(new RegExp(`${prefix}_(\\d+(?:\\.\\d+)+)`, 'g'))) {
    const v = m[1].split('.').map(Number);
    if (!best || compare(v, best) > 0) best = v;
  }
  return best && best.join('.');
}

function buildVariant(variant, defines, o, toolkit) {
  const buildDir = path.join(root, `build-prebuild-${variant}`);
  const built = variant === 'cpu' ? prebuildify(buildDir) : cmakeJs(buildDir, defines);
  if (!built) return `${variant === 'cpu' ? 'prebuildify' : 'cmake-js'} failed for ${variant}`;
  const { b, g } = describe(built);
  if (variant !== 'cpu' && b.variant !== variant) return `${variant}: the build reports variant ${b.variant} (nvcc not used?)`;
  const dest = path.join(o.out, `${process.platform}-${process.arch}`, variant);
  fs.mkdirSync(dest, { recursive: true });
  fs.copyFileSync(built, path.join(dest, 'trt_landmarker.node'));
  const meta = {
    variant,
    addonVersion: pkg.version,
    ...(toolkit ? { cuda: toolkit.version, cudaMajor: toolkit.major, cudaArchitectures: cacheValue(buildDir, 'TRTL_CUDA_ARCHITECTURES_USED') } : {}),
    ...(b.tensorrtMajor !== undefined ? { tensorrtMajor: b.tensorrtMajor, tensorrtHeaders: g.tensorrtHeaders } : {}),
    ...(symbolVersionNeeded(built, 'GLIBC') ? { glibc: symbolVersionNeeded(built, 'GLIBC') } : {}),
    ...(symbolVersionNeeded(built, 'GLIBCXX') ? { glibcxx: symbolVersionNeeded(built, 'GLIBCXX') } : {}),
    napi: (pkg.binary && pkg.binary.napi_versions && pkg.binary.napi_versions[0]) || undefined,
    platform: process.platform,
    arch: process.arch,
    compiler: b.compiler,
    built: new Date().toISOString(),
  };
  fs.writeFileSync(path.join(dest, 'trt_landmarker.json'), JSON.stringify(meta, null, 2) + '\n');
  const trt = b.tensorrtMajor !== undefined ? `TensorRT ${g.tensorrtHeaders} headers` : `no TensorRT (${g.tensorrtReason || 'not compiled'})`;
  const glibc = meta.glibc ? `, needs glibc >= ${meta.glibc}${meta.glibcxx ? ` and libstdc++ GLIBCXX_${meta.glibcxx}` : ''}` : '';
  log(`${variant}: ${path.relative(root, dest)}/trt_landmarker.node (${toolkit ? `CUDA ${toolkit.version}, ` : ''}${trt}${glibc})`);
  return undefined;
}

function main() {
  const o = parse(process.argv.slice(2));
  const dirs = o.cuda.length ? o.cuda : defaultToolkits();
  const toolkits = new Map();
  const failures = [];
  for (const d of dirs) {
    const t = inspectToolkit(d);
    if (typeof t === 'string') {
      if (o.cuda.length) log(`skipping ${d}: ${t}`);
      continue;
    }
    const variant = `cuda${t.major}`;
    if (toolkits.has(variant)) {
      if (toolkits.get(variant).root !== t.root) log(`skipping ${d}: ${variant} already built from ${toolkits.get(variant).root}`);
      continue;
    }
    toolkits.set(variant, t);
  }
  if (toolkits.size === 0) log('no CUDA toolkit found: building the cpu variant only');
  for (const [variant, t] of toolkits) {
    const defines = [`CUDAToolkit_ROOT=${t.root}`, `CMAKE_CUDA_COMPILER=${t.nvcc}`, 'TRTL_WITH_CUDA=ON'];
    if (o.tensorrt) defines.push(`TENSORRT_ROOT=${o.tensorrt}`);
    if (o.archs) defines.push(`TRTL_CUDA_ARCHITECTURES=${o.archs}`);
    const err = buildVariant(variant, defines, o, t);
    if (err) failures.push(err);
  }
  if (o.cpu) {
    const err = buildVariant('cpu', [], o, undefined);
    if (err) failures.push(err);
  }
  for (const f of failures) log(`FAILED: ${f}`);
  return failures.length ? 1 : 0;
}

try {
  process.exitCode = main();
} catch (err) {
  log(err.message);
  process.exitCode = 1;
}
