/** Shared by test/models: python gating, running python snippets, reading ONNX metadata, ORT helpers. */
import { spawn } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { findPythonSync } from '../../tools/torch-python';

/** The python to use, or undefined with the reason (tests skip with it). */
export function pythonOrReason(): { python?: string; reason?: string } {
  try {
    return { python: findPythonSync() };
  } catch (e) {
    return { reason: (e as Error).message };
  }
}

/** Runs `python -c code args...`; resolves to stdout, rejects with stderr. */
export function runPython(python: string, code: string, args: string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const child = spawn(python, ['-c', code, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`python exited ${code}:\n${err}`))));
  });
}

export interface OnnxFacts {
  metadata: Record<string, string>;
  opset: number;
  /** Count of initializers by ONNX data type name (FLOAT, FLOAT16, INT64...). */
  initializerTypes: Record<string, number>;
  /** Graph inputs fed at run time (not initializers) and outputs: ONNX elem_type number, dim_value or dim_param. */
  inputs: OnnxValue[];
  outputs: OnnxValue[];
}

export interface OnnxValue {
  name: string;
  elemType: number;
  shape: (number | string)[];
}

/** Metadata, weight types and graph inputs/outputs of an ONNX file, read with the python onnx package (independent of our TS reader). */
export async function onnxFacts(python: string, file: string): Promise<OnnxFacts> {
  const code = [
    'import json, sys, collections, onnx',
    'm = onnx.load(sys.argv[1])',
    'types = collections.Counter(onnx.TensorProto.DataType.Name(i.data_type) for i in m.graph.initializer)',
    'opset = max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))',
    'init = {i.name for i in m.graph.initializer}',
    'def dim(d): return d.dim_value if d.HasField("dim_value") else (d.dim_param if d.HasField("dim_param") else "?")',
    'def value(v): return {"name": v.name, "elemType": v.type.tensor_type.elem_type, "shape": [dim(d) for d in v.type.tensor_type.shape.dim]}',
    'print(json.dumps({"metadata": {p.key: p.value for p in m.metadata_props}, "opset": opset,',
    '                  "initializerTypes": dict(types),',
    '                  "inputs": [value(v) for v in m.graph.input if v.name not in init],',
    '                  "outputs": [value(v) for v in m.graph.output]}))',
  ].join('\n');
  return JSON.parse(await runPython(python, code, [file])) as OnnxFacts;
}

/**
 * Deterministic test images in the range an ImageNet-normalised image has (about -2.1..2.6): a per-image
 * sinusoidal pattern (own frequency, phase and brightness per image and channel) plus noise. Pure i.i.d.
 * noise would not do: after global pooling every noise image looks alike to a randomly initialised
 * MobileNetV3, so different images would give the same output.
 */
export function fakeInput(batch: number, size: number, seed: number): Float32Array {
  const plane = size * size;
  const data = new Float32Array(batch * 3 * plane);
  let s = seed >>> 0 || 1;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < 3; c++) {
      const fx = 1 + 6 * rnd();
      const fy = 1 + 6 * rnd();
      const phase = 6.28 * rnd();
      const bright = -1 + 2 * rnd();
      const base = (b * 3 + c) * plane;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const wave = Math.sin((6.283 * (fx * x + fy * y)) / size + phase);
          const v = bright + 1.1 * wave + 0.5 * (rnd() - 0.5);
          data[base + y * size + x] = Math.max(-2.1, Math.min(2.6, v));
        }
      }
    }
  }
  return data;
}

export async function session(file: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(file, { logSeverityLevel: 3 });
}

export async function run(
  sess: ort.InferenceSession,
  data: Float32Array,
  batch: number,
  size: number,
): Promise<Record<string, ort.Tensor>> {
  const input = new ort.Tensor('float32', data, [batch, 3, size, size]);
  return (await sess.run({ [sess.inputNames[0]]: input })) as Record<string, ort.Tensor>;
}

/** Each value rounded to the nearest float16 (ties to even), as the FP16 graph's input Cast does. */
export function roundToFloat16(a: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    const m = Math.abs(v);
    if (m === 0 || !Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    // float16: 10 fraction bits; below 2^-14 the spacing stays 2^-24 (subnormals).
    let e = Math.floor(Math.log2(m));
    if (2 ** e > m) e -= 1; // log2 may round up just below a power of two
    const ulp = 2 ** (Math.max(e, -14) - 10);
    const q = m / ulp;
    let r = Math.round(q);
    if (r - q === 0.5 && r % 2 === 1) r -= 1; // Math.round rounds .5 up; make the tie go to even
    out[i] = Math.sign(v) * Math.min(r * ulp, 65504);
  }
  return out;
}

export function countNonFinite(a: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) n++;
  return n;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
