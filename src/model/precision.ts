/**
 * One precision policy for both backends: which graph of a model runs for a requested precision. A model `m.onnx`
 * may have an FP16 sibling `m.fp16.onnx` (models/export.py writes it). ONNX Runtime runs the graph it is given;
 * TensorRT 11 builds strongly typed networks only, so an FP16 engine needs an FP16 graph, while TensorRT 10 can
 * also cast an FP32 graph with its kFP16 builder flag (docs/tensorrt.md).
 */
import { basename } from 'node:path';
import type { Precision } from '../types';

/** `m.onnx` -> `m.fp16.onnx`; null when the path already is an .fp16.onnx. */
export function fp16SiblingPath(modelPath: string): string | null {
  if (/\.fp16\.onnx$/i.test(modelPath)) return null;
  return modelPath.replace(/(\.onnx)?$/i, '.fp16.onnx');
}

/** A graph the policy can choose: its path and the precision of its weights. */
export interface GraphFacts {
  path: string;
  weights: Precision;
}

/** Who runs the graph: ONNX Runtime, or TensorRT of a major version (10 can cast FP32 graphs to FP16). */
export type GraphRunner = { kind: 'onnxruntime' } | { kind: 'tensorrt'; major: number };

export interface GraphChoice<G extends GraphFacts = GraphFacts> {
  graph: G;
  /** The precision it runs at. */
  precision: Precision;
  /** true: TensorRT builds the FP32 graph with its kFP16 flag (TensorRT 10 only). */
  cast: boolean;
  /** One sentence for info.reason / the CLI. */
  note: string;
}

/**
 * `want`: the precision asked for, or 'as-given' (ONNX Runtime when no precision was asked for: it runs the model
 * named). `sibling()`: the FP16 sibling when it exists (opened only when the policy needs it), `siblingPath` its
 * name either way (null when `given` is itself an .fp16.onnx).
 */
export function chooseGraph<G extends GraphFacts>(
  given: G,
  siblingPath: string | null,
  sibling: () => G | null,
  want: Precision | 'as-given',
  runner: GraphRunner,
): GraphChoice<G> {
  const ort = runner.kind === 'onnxruntime';
  const asIs = (note: string): GraphChoice<G> => ({ graph: given, precision: given.weights, cast: false, note });
  if (want === 'as-given' || want === given.weights) {
    if (ort) return asIs(`ONNX Runtime runs ${given.path} as given (${given.weights} weights)`);
    return asIs(given.weights === 'fp16' ? `FP16 engine from the FP16 graph ${given.path}` : `FP32 engine from ${given.path}`);
  }
  const s = want === 'fp16' ? sibling() : null;
  if (s) {
    const note = ort ? `precision fp16: ONNX Runtime runs the FP16 sibling ${s.path}` : `FP16 engine from the FP16 graph ${s.path}`;
    return { graph: s, precision: s.weights, cast: false, note };
  }
  if (ort) {
    return asIs(
      `precision ${want} was requested but ONNX Runtime runs the graph it is given: ${given.path} has ${given.weights} weights` +
        (siblingPath ? ` and there is no ${siblingPath}` : ''),
    );
  }
  if (want === 'fp32') {
    return asIs(`precision fp32 was requested but ${given.path} has fp16 weights: TensorRT builds it strongly typed, as an FP16 engine`);
  }
  if (runner.major < 11) {
    const no = siblingPath ? ` (no ${basename(siblingPath)})` : '';
    return { graph: given, precision: 'fp16', cast: true, note: `FP16 engine from ${given.path} with TensorRT ${runner.major}'s kFP16 builder flag${no}` };
  }
  return asIs(
    `precision fp16 needs ${siblingPath ?? 'an FP16 graph'} with TensorRT ${runner.major} (strongly typed networks only; ` +
      `models/export.py writes it); building an FP32 engine from ${given.path} instead`,
  );
}
