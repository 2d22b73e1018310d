#!/usr/bin/env node
/**
 * npm run verify:gpu [-- --out DIR] [--dry-run]
 *
 * The one command a person with an NVIDIA GPU runs to check the GPU path, writing one report
 * (<out>/verify-gpu-report.md, default results/verify-gpu/) with every step's command, exit code, time and output
 * tail (full logs beside it):
 *   1. build: the addon (scripts/build-native.js; TENSORRT_ROOT is honoured) and the TypeScript (dist/);
 *   2. kernel checks: native/test/gpu-check.sh (CUDA kernels vs the CPU reference, timings, event-wait cost), then
 *      kernel_check --mutate KIND for each mutation, each of which must fail every check (the checks can fail);
 *   3. the GPU test tier with TRT_LANDMARKER_REQUIRE_GPU=1 (every tier: jest.all.config.js test/gpu), where a
 *      missing driver, TensorRT, Python or model is a failure, not a skip (this includes the face detector on
 *      TensorRT against ONNX Runtime: test/gpu/tensorrt-detector-gpu.test.ts);
 *   4. the bench's TensorRT rows (node dist/bench/main.js --backend tensorrt --baselines none).
 * Without TensorRT (CUDA and a GPU present) steps 1-2 still run and 3-4 are reported as not run.
 * Exit: 0 everything passed; 1 a step failed or there is no GPU; 3 kernel checks passed but TensorRT is absent.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, mkdirSync, writeFileSync } = require('node:fs');
const { join, resolve } = require('node:path');

const ROOT = resolve(__dirname, '..');
const MUTATIONS = ['nan', 'offset', 'drop-last', 'nan-to-value'];

function parseArgs(argv) {
  const o = { out: join(ROOT, 'results', 'verify-gpu'), dryRun: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1]) o.out = resolve(argv[++i]);
    else if (argv[i] === '--dry-run') o.dryRun = true;
    else {
      console.error(`verify:gpu: unknown argument ${argv[i]} (expected --out DIR, --dry-run)`);
      process.exit(2);
    }
  }
  return o;
}

/** Why this machine has no usable NVIDIA GPU, or undefined when it seems to have one. */
function noGpuReason() {
  const smi = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' });
  const listed = smi.status === 0 && /GPU \d+:/.test(smi.stdout);
  if (listed) return undefined;
  const driver = existsSync('/proc/driver/nvidia/version');
  return (
    `no GPU: ${driver ? 'the NVIDIA driver is loaded but nvidia-smi lists no GPU' : 'no NVIDIA driver (/proc/driver/nvidia/version is absent)'}` +
    `${smi.error ? ' and nvidia-smi is not installed' : smi.status !== 0 ? ` (nvidia-smi exit ${smi.status}: ${(smi.stderr || smi.stdout).trim().split('\n')[0]})` : ''}` +
    '. Run this on a machine with an NVIDIA GPU and its driver.'
  );
}

function tail(text, lines = 40) {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const steps = [];
  const plan = [
    ['build the addon', 'node scripts/build-native.js'],
    ['build the TypeScript', 'npx tsc -p tsconfig.build.json'],
    ['kernel checks vs the CPU reference', 'native/test/gpu-check.sh'],
    ...MUTATIONS.map((m) => [`kernel checks catch --mutate ${m}`, `build-gpu-check/kernel_check --mutate ${m}  (must fail every check)`]),
    ['GPU test tier, prerequisites required', 'TRT_LANDMARKER_REQUIRE_GPU=1 npx jest -c jest.all.config.js test/gpu'],
    ['bench TensorRT rows', 'node dist/bench/main.js --backend tensorrt --baselines none'],
  ];
  const why = noGpuReason();
  if (opts.dryRun) {
    console.log('verify:gpu --dry-run: would run');
    plan.forEach(([name, cmd], i) => console.log(`  ${i + 1}. ${name}: ${cmd}`));
  }
  if (why) {
    console.error(`verify:gpu: ${why}`);
    mkdirSync(opts.out, { recursive: true });
    writeFileSync(join(opts.out, 'verify-gpu-report.md'), `# verify:gpu\n\n${new Date().toISOString()}: NOT RUN, ${why}\n`);
    process.exit(1);
  }
  if (opts.dryRun) process.exit(0);

  mkdirSync(opts.out, { recursive: true });
  const run = (name, cmd, args, { env = {}, expect = 0 } = {}) => {
    const t0 = Date.now();
    console.log(`verify:gpu: ${name}: ${[cmd, ...args].join(' ')}`);
    const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 256 << 20 });
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}`;
    const log = join(opts.out, `${String(steps.length + 1).padStart(2, '0')}-${name.replace(/[^a-z0-9]+/gi, '-')}.log`);
    writeFileSync(log, output);
    const ok = typeof expect === 'function' ? expect(r.status, output) : r.status === expect;
    const step = { name, command: [cmd, ...args].join(' '), env, status: r.status, seconds: (Date.now() - t0) / 1000, ok, log, output };
    steps.push(step);
    console.log(`verify:gpu: ${name}: ${ok ? 'ok' : 'FAILED'} (exit ${r.status}, ${step.seconds.toFixed(0)} s)`);
    return step;
  };
  const skip = (name, reason) => steps.push({ name, skipped: reason, ok: false });

  const build = run('build the addon', process.execPath, ['scripts/build-native.js']);
  const ts = run('build the TypeScript', process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
  const kernels = run('kernel checks', 'bash', ['native/test/gpu-check.sh'], { env: { OUT: opts.out, BUILD_DIR: 'build-gpu-check' } });
  if (kernels.status === 0) {
    for (const m of MUTATIONS) {
      run(`kernel checks catch --mutate ${m}`, join(ROOT, 'build-gpu-check', 'kernel_check'), ['--mutate', m], {
        expect: (status, out) => status === 1 && /FAILED: 0 of \d+ checks passed/.test(out),
      });
    }
  }
  let trt = { available: false, reason: 'the build failed' };
  if (build.ok && ts.ok) {
    const probe = spawnSync(process.execPath, ['-e', `console.log(JSON.stringify(require(${JSON.stringify(join(ROOT, 'dist/src/backends/tensorrt.js'))}).probeTensorRt()))`], { encoding: 'utf8' });
    try {
      trt = JSON.parse(probe.stdout);
    } catch {
      trt = { available: false, reason: `probe failed: ${probe.stderr.trim()}` };
    }
  }
  if (trt.available) {
    run('GPU test tier (TRT_LANDMARKER_REQUIRE_GPU=1)', process.execPath, [require.resolve('jest/bin/jest'), '-c', 'jest.all.config.js', '--runInBand', 'test/gpu'], {
      env: { TRT_LANDMARKER_REQUIRE_GPU: '1' },
    });
    run('bench TensorRT rows', process.execPath, ['dist/bench/main.js', '--backend', 'tensorrt', '--baselines', 'none', '--out', join(opts.out, 'bench')]);
  } else {
    skip('GPU test tier (TRT_LANDMARKER_REQUIRE_GPU=1)', `TensorRT is not usable: ${trt.reason}`);
    skip('bench TensorRT rows', `TensorRT is not usable: ${trt.reason}`);
  }

  const machine = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,compute_cap,memory.total', '--format=csv,noheader'], { encoding: 'utf8' }).stdout.trim();
  const failed = steps.filter((s) => !s.ok && !s.skipped);
  const trtAbsent = steps.some((s) => s.skipped);
  const verdict = failed.length ? `FAILED (${failed.map((s) => s.name).join(', ')})` : trtAbsent ? 'KERNEL CHECKS PASSED; TensorRT absent, its steps did not run' : 'PASSED';
  const md = [
    '# verify:gpu report',
    '',
    `${new Date().toISOString()} on ${machine}; node ${process.version}; TENSORRT_ROOT=${process.env.TENSORRT_ROOT ?? '(unset)'}`,
    `TensorRT: ${trt.available ? `usable (${trt.reason})` : `not usable (${trt.reason})`}`,
    '',
    `**${verdict}**`,
    '',
    '| step | exit | seconds | result |',
    '| --- | --- | --- | --- |',
    ...steps.map((s) => `| ${s.name} | ${s.skipped ? '-' : s.status} | ${s.skipped ? '-' : s.seconds.toFixed(0)} | ${s.skipped ? `not run: ${s.skipped}` : s.ok ? 'ok' : 'FAILED'} |`),
    '',
    ...steps
      .filter((s) => !s.skipped)
      .flatMap((s) => [`## ${s.name}`, '', `\`${Object.entries(s.env).map(([k, v]) => `${k}=${v} `).join('')}${s.command}\` (full log: ${s.log})`, '', '```', tail(s.output), '```', '']),
  ].join('\n');
  const report = join(opts.out, 'verify-gpu-report.md');
  writeFileSync(report, md);
  console.log(`verify:gpu: ${verdict}\nverify:gpu: report ${report}`);
  process.exit(failed.length ? 1 : trtAbsent ? 3 : 0);
}

main();
