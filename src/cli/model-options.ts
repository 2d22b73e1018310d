/** The model flags shared by `detect` and `worker`, so a worker runs exactly the model `detect` would. */
import type { Backend, CreateOptions, Precision } from '../types';
import { flag, type ParsedArgs, usageError } from './args';

export const MODEL_FLAGS = ['model', 'config', 'backend', 'precision', 'threads'];

export const MODEL_USAGE = `  --model PATH        ONNX model (contract from its metadata, a sidecar <model>.json, or --config); default: the
                      shipped peppa-slim160
  --config PATH|NAME  contract JSON (overrides metadata and sidecar), or the name of a bundled one: peppa-slim160
  --backend B         auto | tensorrt | onnxruntime (default auto)
  --precision P       fp16 | fp32
  --threads N         ONNX Runtime intra-op threads`;

/** TrtLandmarker.create() options from the flags (create() validates them). */
export function modelOptions(args: ParsedArgs, usage: string): CreateOptions {
  const model = flag(args, 'model');
  if (flag(args, 'config') !== undefined && !model) {
    throw usageError(`--config needs --model PATH (the default model brings its own contract)\n\n${usage}`);
  }
  const threads = flag(args, 'threads');
  return {
    model,
    config: flag(args, 'config'),
    backend: flag(args, 'backend') as Backend | undefined,
    precision: flag(args, 'precision') as Precision | undefined,
    threads: threads === undefined ? undefined : Number(threads),
  };
}
