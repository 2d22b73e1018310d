/**
 * Builds tiny ONNX models byte by byte (a protobuf writer for the few ONNX messages needed), so tests of the
 * contract, the protobuf reader and the whole pipeline need neither Python nor ../shared.
 * onnx.proto field numbers: ModelProto {1 ir_version, 2 producer_name, 7 graph, 8 opset_import, 14 metadata_props};
 * GraphProto {1 node, 2 name, 5 initializer, 11 input, 12 output}; NodeProto {1 input, 2 output, 3 name, 4 op_type,
 * 5 attribute}; AttributeProto {1 name, 3 i, 8 ints, 20 type}; TensorProto {1 dims, 2 data_type, 8 name, 9 raw_data};
 * ValueInfoProto {1 name, 2 type}; TypeProto {1 tensor_type {1 elem_type, 2 shape {1 dim {1 dim_value, 2 dim_param}}}}.
 */
import { writeFileSync } from 'node:fs';

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return out;
}

export class Msg {
  private parts: Buffer[] = [];
  int(field: number, v: number): this {
    this.parts.push(Buffer.from([...varint(field * 8), ...varint(v)]));
    return this;
  }
  bytes(field: number, b: Buffer | Msg): this {
    const payload = b instanceof Msg ? b.build() : b;
    this.parts.push(Buffer.from([...varint(field * 8 + 2), ...varint(payload.length)]), payload);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export type Dim = number | string;

export function valueInfo(name: string, shape: Dim[], elemType = 1): Msg {
  const shp = new Msg();
  for (const d of shape) shp.bytes(1, typeof d === 'number' ? new Msg().int(1, d) : new Msg().str(2, d));
  return new Msg().str(1, name).bytes(2, new Msg().bytes(1, new Msg().int(1, elemType).bytes(2, shp)));
}

/** A float tensor initializer (dataType 1) or float16 (10, values written as zeros: only the type matters). */
export function tensor(name: string, dims: number[], values: ArrayLike<number>, dataType = 1): Msg {
  const m = new Msg();
  for (const d of dims) m.int(1, d);
  m.int(2, dataType);
  m.str(8, name);
  if (dataType === 1) m.bytes(9, Buffer.from(new Float32Array(Array.from(values)).buffer));
  else m.bytes(9, Buffer.alloc(values.length * 2));
  return m;
}

export function node(op: string, inputs: string[], outputs: string[], attrs: Msg[] = []): Msg {
  const m = new Msg();
  for (const i of inputs) m.str(1, i);
  for (const o of outputs) m.str(2, o);
  m.str(3, `${op}_${outputs[0]}`).str(4, op);
  for (const a of attrs) m.bytes(5, a);
  return m;
}

export function intsAttr(name: string, values: number[]): Msg {
  const m = new Msg().str(1, name);
  for (const v of values) m.int(8, v);
  return m.int(20, 7);
}

export function intAttr(name: string, v: number): Msg {
  return new Msg().str(1, name).int(3, v).int(20, 2);
}

export interface ModelParts {
  nodes: Msg[];
  initializers: Msg[];
  inputs: Msg[];
  outputs: Msg[];
  metadata?: Record<string, string>;
  opset?: number;
}

export function model(p: ModelParts): Buffer {
  const g = new Msg();
  for (const n of p.nodes) g.bytes(1, n);
  g.str(2, 'tiny');
  for (const t of p.initializers) g.bytes(5, t);
  for (const i of p.inputs) g.bytes(11, i);
  for (const o of p.outputs) g.bytes(12, o);
  const m = new Msg().int(1, 8).str(2, 'trt-landmarker-tests').bytes(7, g).bytes(8, new Msg().str(1, '').int(2, p.opset ?? 17));
  for (const [k, v] of Object.entries(p.metadata ?? {})) m.bytes(14, new Msg().str(1, k).str(2, v));
  return m.build();
}

/** Deterministic pseudo-random numbers in [-1, 1). */
export function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export interface TinyRegressionOptions {
  size?: number;
  /** Values per image of the output (>= 2 * landmarks). */
  outputs?: number;
  batch?: Dim;
  inputName?: string;
  outputName?: string;
  metadata?: Record<string, string>;
  /** The bias added before the sigmoid (default: pseudo-random); NaN here makes every output NaN. */
  bias?: ArrayLike<number>;
}

/**
 * A tiny "regression" model: input [N, 3, size, size] -> ReduceMean over H, W -> MatMul [3, K] + bias -> Sigmoid,
 * so outputs lie in 0..1 and depend on the image's mean colour.
 */
export function tinyRegression(o: TinyRegressionOptions = {}): Buffer {
  const size = o.size ?? 32;
  const k = o.outputs ?? 136;
  const inName = o.inputName ?? 'input';
  const outName = o.outputName ?? 'landmarks';
  return model({
    nodes: [
      node('ReduceMean', [inName], ['mean'], [intsAttr('axes', [2, 3]), intAttr('keepdims', 0)]),
      node('MatMul', ['mean', 'w'], ['mm']),
      node('Add', ['mm', 'b'], ['logits']),
      node('Sigmoid', ['logits'], [outName]),
    ],
    initializers: [tensor('w', [3, k], rand(3 * k, 7)), tensor('b', [k], o.bias ?? rand(k, 11))],
    inputs: [valueInfo(inName, [o.batch ?? 'N', 3, size, size])],
    outputs: [valueInfo(outName, [o.batch ?? 'N', k])],
    metadata: o.metadata,
  });
}

export interface TinyPipnetOptions {
  size?: number;
  stride?: number;
  landmarks?: number;
  neighbors?: number;
  metadata?: Record<string, string>;
  /** Heads (cls, x, y, nb_x, nb_y) whose weights are all NaN, so that output is NaN. */
  nanHeads?: string[];
}

/**
 * A tiny PIPNet-shaped model: input [N, 3, size, size] -> AveragePool(stride) -> five 1x1 Convs giving
 * cls/x/y [N, L, g, g] and nb_x/nb_y [N, L * nb, g, g].
 */
export function tinyPipnet(o: TinyPipnetOptions = {}): Buffer {
  const size = o.size ?? 64;
  const stride = o.stride ?? 32;
  const L = o.landmarks ?? 68;
  const nb = o.neighbors ?? 10;
  const g = size / stride;
  const heads: Array<[string, number]> = [['cls', L], ['x', L], ['y', L], ['nb_x', L * nb], ['nb_y', L * nb]];
  return model({
    nodes: [
      node('AveragePool', ['input'], ['pooled'], [intsAttr('kernel_shape', [stride, stride]), intsAttr('strides', [stride, stride])]),
      ...heads.map(([name], i) => node('Conv', ['pooled', `w${i}`], [name])),
    ],
    initializers: heads.map(([name, c], i) =>
      tensor(`w${i}`, [c, 3, 1, 1], o.nanHeads?.includes(name) ? new Float32Array(c * 3).fill(NaN) : rand(c * 3, 100 + i)),
    ),
    inputs: [valueInfo('input', ['N', 3, size, size])],
    outputs: heads.map(([name, c]) => valueInfo(name, ['N', c, g, g])),
    metadata: o.metadata,
  });
}

/** A contract for tinyRegression(). */
export function regressionContract(size = 32, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 1,
    architecture: 'regression',
    landmarks: 68,
    input: { name: 'input', width: size, height: size, colorOrder: 'rgb', scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
    crop: { boxScale: 1.2, square: true },
    regression: { output: 'landmarks', layout: 'normalized' },
    ...extra,
  };
}

/** A mean face of L points on a slightly jittered grid (no two distances tie). */
export function gridMeanFace(L: number): number[] {
  const side = Math.ceil(Math.sqrt(L));
  const out: number[] = [];
  for (let i = 0; i < L; i++) out.push(((i % side) + 0.5 + 0.013 * i) / (side + 1), (Math.floor(i / side) + 0.5 + 0.007 * i * i / L) / (side + 1));
  return out;
}

export function pipnetContract(size = 64, L = 68, nb = 10, stride = 32): Record<string, unknown> {
  return {
    version: 1,
    architecture: 'pipnet',
    landmarks: L,
    input: { name: 'input', width: size, height: size, colorOrder: 'rgb', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    crop: { boxScale: 1.1, square: true },
    pipnet: { stride, neighbors: nb, meanFace: gridMeanFace(L), outputs: { cls: 'cls', x: 'x', y: 'y', nbX: 'nb_x', nbY: 'nb_y' } },
  };
}

export function writeModel(path: string, bytes: Buffer): string {
  writeFileSync(path, bytes);
  return path;
}
