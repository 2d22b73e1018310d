/** The machine a result came from: CPU, GPU, driver, CUDA, TensorRT, ONNX Runtime, Node and the libraries used. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

export interface MachineInfo {
  cpu: string;
  logicalCores: number;
  physicalCores: number;
  memoryGiB: number;
  os: string;
  gpu: string;
  driver: string;
  cuda: string;
  tensorrt: string;
  onnxruntime: string;
  node: string;
  sharp: string;
  libvips: string;
  tinybench: string;
  /** os.loadavg() (1, 5, 15 min) when the run started and ended: other work on the machine skews every number. */
  loadAverageStart?: number[];
  loadAverageEnd?: number[];
  /** PyTorch baseline's interpreter and libraries, filled in when it runs. */
  python?: string;
  torch?: string;
}

/** Distinct (physical id, core id) pairs in /proc/cpuinfo; falls back to the logical count elsewhere. */
export function physicalCores(): number {
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const cores = new Set<string>();
    for (const block of text.split(/\n\s*\n/)) {
      const phys = /physical id\s*:\s*(\d+)/.exec(block)?.[1] ?? '0';
      const core = /core id\s*:\s*(\d+)/.exec(block)?.[1];
      if (core !== undefined) cores.add(`${phys}:${core}`);
    }
    if (cores.size > 0) return cores.size;
  } catch {
    // not Linux
  }
  return os.availableParallelism?.() ?? os.cpus().length;
}

/** A dependency's version from its package.json (found from its entry point: some export maps hide package.json). */
function pkgVersion(name: string): string {
  try {
    let dir = dirname(require.resolve(name));
    for (;;) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      }
      const up = dirname(dir);
      if (up === dir) return 'unknown';
      dir = up;
    }
  } catch {
    return 'unknown';
  }
}

/** nvidia-smi's GPU name(s), driver and the CUDA version the driver supports; 'none' without a usable GPU. */
function nvidiaSmi(): { gpu: string; driver: string; cuda: string } {
  try {
    const q = execFileSync('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader'], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const rows = q.split('\n').map((l) => l.split(',').map((s) => s.trim()));
    const head = execFileSync('nvidia-smi', { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
    const cuda = /CUDA Version:\s*([\d.]+)/.exec(head)?.[1] ?? 'unknown';
    return { gpu: rows.map((r) => r[0]).join(' + '), driver: rows[0]?.[1] ?? 'unknown', cuda: `driver supports ${cuda}` };
  } catch {
    return { gpu: 'none (nvidia-smi not found or no NVIDIA GPU)', driver: 'none', cuda: 'none' };
  }
}

export function machineInfo(extra: { tensorrt?: string; cuda?: string } = {}): MachineInfo {
  const smi = nvidiaSmi();
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    logicalCores: os.availableParallelism?.() ?? os.cpus().length,
    physicalCores: physicalCores(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    gpu: smi.gpu,
    driver: smi.driver,
    cuda: extra.cuda ? `${extra.cuda} (trt-landmarker addon)${smi.cuda !== 'none' ? `; ${smi.cuda}` : ''}` : smi.cuda,
    tensorrt: extra.tensorrt ?? 'not loaded',
    onnxruntime: pkgVersion('onnxruntime-node'),
    node: process.version,
    sharp: pkgVersion('sharp'),
    libvips: sharp.versions.vips,
    tinybench: pkgVersion('tinybench'),
  };
}
