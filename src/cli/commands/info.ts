/** `trt-landmarker info`: what this machine offers: addon build, GPU path, TensorRT, library versions. */
import { execFileSync } from 'node:child_process';
import sharp from 'sharp';
import { describeOrt } from '../../backends/ort-module';
import { probeTensorRt } from '../../backends/tensorrt';
import { largeJpegDecoder } from '../../detector/photo';
import type { NativeGpuStatus } from '../../native/addon';
import { loadAddon, loadedAddonPath } from '../../native/loader';
import { variantReport, type VariantReport } from '../../native/variants';
import { has, parseArgs } from '../args';

export const usage = `info [--json]   backends available here and library versions (addon, GPU, driver, CUDA, TensorRT, ONNX Runtime)`;

export interface SystemInfo {
  node: string;
  platform: string;
  addon: { loaded: boolean; path?: string; error?: string; version?: string; variant?: string; cuda?: boolean; cudaVersion?: string; tensorrtMajor?: number; compiler?: string };
  gpuStatus?: NativeGpuStatus;
  /** The addon binaries the loader considers, best first, with what this machine lacks for each. */
  variants: VariantReport;
  gpus: Array<{ name: string; driver: string; memory: string }>;
  gpuQuery: string;
  tensorrt: { available: boolean; reason: string; versions: Record<string, string> };
  onnxruntime: string;
  sharp: string;
  libvips: string;
  /** Who decodes large JPEGs for detectFaces (src/detector/photo.ts). */
  jpegDecoder: string;
  defaultBackend: 'tensorrt' | 'onnxruntime';
}

/** GPUs as nvidia-smi reports them (no nvidia-smi or no GPU: empty list and why). */
function queryGpus(): { gpus: SystemInfo['gpus']; note: string } {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const gpus = out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [name, driver, memory] = l.split(',').map((s) => s.trim());
        return { name, driver, memory };
      });
    return { gpus, note: gpus.length ? 'nvidia-smi' : 'nvidia-smi lists no GPU' };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { gpus: [], note: code === 'ENOENT' ? 'nvidia-smi not found (no NVIDIA driver)' : `nvidia-smi failed: ${(err as Error).message.split('\n')[0]}` };
  }
}

export function systemInfo(): SystemInfo {
  let addon: SystemInfo['addon'];
  let gpuStatus: SystemInfo['gpuStatus'];
  try {
    const a = loadAddon();
    addon = { loaded: true, path: loadedAddonPath(), ...a.buildInfo() };
    try {
      gpuStatus = a.gpuStatus();
    } catch (err) {
      gpuStatus = { cuda: false, tensorrt: false, reason: `gpuStatus() failed: ${(err as Error).message}` };
    }
  } catch (err) {
    addon = { loaded: false, error: (err as Error).message };
  }
  const jpegDecoder = addon.loaded ? largeJpegDecoder().description : 'sharp (addon not loaded)';
  const { gpus, note } = queryGpus();
  const tensorrt = probeTensorRt();
  return {
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    addon,
    gpuStatus,
    variants: variantReport(),
    gpus,
    gpuQuery: note,
    tensorrt,
    onnxruntime: describeOrt(),
    sharp: sharp.versions.sharp ?? 'unknown',
    libvips: sharp.versions.vips,
    jpegDecoder,
    defaultBackend: tensorrt.available ? 'tensorrt' : 'onnxruntime',
  };
}

function gpuDetails(g: NativeGpuStatus | undefined): string[] {
  if (!g) return [];
  const out: string[] = [];
  if (g.cudaRuntime || g.cudaDriver) out.push(`CUDA          runtime ${g.cudaRuntime ?? '-'}, driver API ${g.cudaDriver ?? '-'}`);
  if (g.device) out.push(`device        ${g.device.name}, compute ${g.device.computeCapability}, ${(g.device.totalMemory / 2 ** 30).toFixed(1)} GiB`);
  if (g.tensorrtHeaders || g.tensorrtVersion || g.tensorrtReason) {
    out.push(`TensorRT lib  headers ${g.tensorrtHeaders ?? '-'}, loaded ${g.tensorrtVersion ?? '-'}${g.tensorrtLibrary ? ` (${g.tensorrtLibrary})` : ''}${g.tensorrtReason ? `: ${g.tensorrtReason}` : ''}`);
  }
  return out;
}

function libnvinferText(v: VariantReport): string {
  const found = Object.entries(v.facts.libnvinfer).map(([major, path]) => `${major}: ${path ?? 'not found'}`);
  return found.length ? found.join(', ') : 'not looked for';
}

function text(s: SystemInfo): string {
  const a = s.addon;
  const lines = [
    `Node.js       ${s.node} (${s.platform})`,
    a.loaded
      ? `addon         ${a.version} variant ${a.variant}, CUDA ${a.cuda ? a.cudaVersion ?? 'yes' : 'no'}, TensorRT sources ${a.tensorrtMajor ? `v${a.tensorrtMajor}` : 'no'}, ${a.compiler}\n              ${a.path}`
      : `addon         NOT LOADED: ${a.error}`,
    `GPU path      ${s.gpuStatus ? `CUDA ${s.gpuStatus.cuda ? 'yes' : 'no'}, TensorRT ${s.gpuStatus.tensorrt ? 'yes' : 'no'}: ${s.gpuStatus.reason}` : 'unknown (addon not loaded)'}`,
    ...gpuDetails(s.gpuStatus),
    `variants      ${s.variants.facts.driver ? `driver ${s.variants.facts.driver}` : 'no NVIDIA driver loaded'}; libnvinfer ${libnvinferText(s.variants)}`,
    ...s.variants.candidates.map(
      (c, i) => `  ${i + 1}. ${c.path}${c.exists ? '' : ' (absent)'}${c.path === s.addon.path ? '  <- loaded' : ''}${c.note ? `: ${c.note}` : ''}`,
    ),
    `GPU           ${s.gpus.length ? s.gpus.map((g) => `${g.name} (${g.memory})`).join('; ') : s.gpuQuery}`,
    `driver        ${s.gpus[0]?.driver ?? '-'}`,
    `TensorRT      ${s.tensorrt.available ? 'available' : 'unavailable'}: ${s.tensorrt.reason}${Object.keys(s.tensorrt.versions).length ? ` (${Object.entries(s.tensorrt.versions).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`,
    `ONNX Runtime  ${s.onnxruntime}`,
    `sharp         ${s.sharp} (libvips ${s.libvips})`,
    `large JPEGs   ${s.jpegDecoder}`,
    `backend       'auto' uses ${s.defaultBackend === 'tensorrt' ? 'TensorRT' : 'ONNX Runtime on the CPU'}`,
  ];
  return lines.join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, { booleans: ['json'] });
  const s = systemInfo();
  process.stdout.write((has(args, 'json') ? JSON.stringify(s, null, 2) : text(s)) + '\n');
  return s.addon.loaded ? 0 : 1;
}
