/** `npm run bench` flags -> a validated BenchConfig (messages and codes as everywhere else: src/errors.ts). */
import { flag, flagAll, has, parseArgs, usageError } from '../src/cli/args';
import { outOfRange } from '../src/errors';
import { EXPORT_ARCHS, type ExportArch } from '../tools/onnx-export';
import type { Precision } from '../src/types';

export const USAGE = `Usage: npm run bench -- [options]

Benchmarks trt-landmarker against a hand-written Node pipeline (sharp + JS loop + onnxruntime-node + JS decoding)
and PyTorch eager (when a Python with torch is installed), per stage: decode, preprocess, inference, postprocess.

Options:
  --arch LIST          resnet50,mobilenetv3,pipnet (default: all three, random weights, exported once and cached)
  --model PATH         benchmark your own ONNX model instead (contract from metadata, sidecar or --config)
  --config PATH        contract JSON for --model
  --backend LIST       onnxruntime,tensorrt (default: every backend this machine has)
  --precision LIST     TensorRT precisions fp16,fp32 (default: both); ONNX Runtime always runs the FP32 graph
  --batch LIST         batch sizes (default: 1,8)
  --iterations N       minimum measured calls per row (default: 10)
  --time MS            minimum measured milliseconds per row (default: 1000); a row runs until both are reached
  --warmup N           warm-up calls per row and round, excluded from the numbers (default: 2)
  --rounds N           trt-landmarker (CPU) and the hand-written pipeline alternate in N rounds (default: 3)
  --threads N          ONNX Runtime intra-op threads for trt-landmarker and torch threads (default: ONNX Runtime's
                       own choice, one per physical core; torch: physical cores)
  --baselines LIST     handwritten,pytorch or none (default: both)
  --image PATH         input image (default: a synthetic 384x384 face JPEG)
  --out DIR            where the JSON and Markdown results go (default: results)
  --json               print the JSON result on stdout instead of the table
  --help               this text`;

export type BaselineKind = 'handwritten' | 'pytorch';

export interface BenchConfig {
  archs: ExportArch[];
  model?: string;
  config?: string;
  /** undefined: every available backend. */
  backends?: ('onnxruntime' | 'tensorrt')[];
  precisions: Precision[];
  batches: number[];
  iterations: number;
  timeMs: number;
  warmup: number;
  rounds: number;
  threads?: number;
  baselines: BaselineKind[];
  image?: string;
  outDir: string;
  json: boolean;
  help: boolean;
}

function list(values: string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

function oneOf<T extends string>(name: string, values: string[], allowed: readonly T[]): T[] {
  for (const v of values) {
    if (!allowed.includes(v as T)) throw usageError(`Unknown value "${v}" for --${name} (expected ${allowed.join(', ')})`);
  }
  return [...new Set(values)] as T[];
}

function positiveInt(name: string, text: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw outOfRange(name, `positive integer${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}`, text);
  }
  return n;
}

export function parseBenchArgs(argv: string[]): BenchConfig {
  const a = parseArgs(argv, {
    booleans: ['json', 'help'],
    values: ['arch', 'model', 'config', 'backend', 'precision', 'batch', 'iterations', 'time', 'warmup', 'rounds', 'threads', 'baselines', 'image', 'out'],
  });
  if (a.positional.length) throw usageError(`Unexpected argument "${a.positional[0]}" (flags start with --)`);
  const model = flag(a, 'model');
  if (model !== undefined && has(a, 'arch')) throw usageError('Use either --model or --arch, not both');
  if (flag(a, 'config') !== undefined && model === undefined) throw usageError('--config needs --model');
  const backends = has(a, 'backend') ? oneOf('backend', list(flagAll(a, 'backend')), ['onnxruntime', 'tensorrt'] as const) : undefined;
  const baselineValues = list(flagAll(a, 'baselines'));
  const baselines =
    baselineValues.length === 1 && baselineValues[0] === 'none'
      ? []
      : baselineValues.length
        ? oneOf('baselines', baselineValues, ['handwritten', 'pytorch'] as const)
        : (['handwritten', 'pytorch'] as BaselineKind[]);
  const batches = has(a, 'batch') ? list(flagAll(a, 'batch')).map((b) => positiveInt('--batch', b, 1, 256)) : [1, 8];
  return {
    archs: has(a, 'arch') ? oneOf('arch', list(flagAll(a, 'arch')), EXPORT_ARCHS) : [...EXPORT_ARCHS],
    model,
    config: flag(a, 'config'),
    backends,
    precisions: has(a, 'precision') ? oneOf('precision', list(flagAll(a, 'precision')), ['fp16', 'fp32'] as const) : ['fp16', 'fp32'],
    batches: [...new Set(batches)].sort((x, y) => x - y),
    iterations: positiveInt('--iterations', flag(a, 'iterations'), 10),
    timeMs: positiveInt('--time', flag(a, 'time'), 1000),
    warmup: positiveInt('--warmup', flag(a, 'warmup'), 2),
    rounds: positiveInt('--rounds', flag(a, 'rounds'), 3, 100),
    threads: flag(a, 'threads') === undefined ? undefined : positiveInt('--threads', flag(a, 'threads'), 0, 1024),
    baselines,
    image: flag(a, 'image'),
    outDir: flag(a, 'out') ?? 'results',
    json: has(a, 'json'),
    help: has(a, 'help'),
  };
}
