/**
 * A minimal ONNX (protobuf) reader: just enough to find the model's metadata_props and to tell whether the
 * weights are float16, WITHOUT loading the graph (ResNet50 is ~100 MB) into JS. It walks field headers with
 * positioned reads and skips every length-delimited payload it does not need.
 *
 * ModelProto: 1 ir_version (varint), 7 graph (GraphProto), 14 metadata_props (StringStringEntryProto {1 key, 2 value}).
 * GraphProto: 5 initializer (TensorProto {2 data_type varint: 1 = FLOAT, 10 = FLOAT16; 8 name}),
 *   11 input / 12 output (ValueInfoProto {1 name, 2 type: TypeProto {1 tensor_type {1 elem_type, 2 shape {1 dim
 *   {1 dim_value | 2 dim_param}}}}}).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { LandmarkerError } from '../errors';
import type { TensorInfo } from '../contract/match';

export interface OnnxSummary {
  irVersion: number;
  metadata: Map<string, string>;
  /** Counts of initializers by ONNX data type (1 = float, 10 = float16, ...). */
  initializerTypes: Map<number, number>;
  /** Graph inputs that are fed at run time (inputs backed by an initializer, an old exporter habit, are left out). */
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

const FLOAT = 1;
const FLOAT16 = 10;

class NotProtobuf extends Error {}

/** Reads protobuf bytes at positions; varint decoding is shared, where the bytes come from is not. */
abstract class Reader {
  abstract readonly size: number;
  /** Returns `len` bytes at `pos` (a view; valid until the next call). */
  abstract bytes(pos: number, len: number): Uint8Array;

  /** Reads a varint at pos; returns [value, next position]. Values above 2^53 are not needed here. */
  varint(pos: number, end: number): [number, number] {
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw new NotProtobuf(`varint runs past its message at byte ${pos}`);
      const b = this.bytes(pos, 1)[0];
      pos++;
      value += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return [value, pos];
      mul *= 128;
    }
    throw new NotProtobuf(`varint longer than 10 bytes at byte ${pos}`);
  }
}

/** ONNX bytes already in memory. */
class BufferReader extends Reader {
  readonly size: number;
  constructor(private readonly buf: Uint8Array) {
    super();
    this.size = buf.length;
  }
  bytes(pos: number, len: number): Uint8Array {
    if (pos < 0 || pos + len > this.size) throw new NotProtobuf(`field runs past the end of the data at byte ${pos}`);
    return this.buf.subarray(pos, pos + len);
  }
}

/** Positioned reader over a file with a small read-ahead buffer (headers are tiny; payloads are skipped). */
class FileReader extends Reader {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {
    super();
  }

  private fill(pos: number, min: number): void {
    const len = Math.min(Math.max(min, 4096), this.size - pos);
    if (len < min) throw new NotProtobuf(`field runs past the end of the file at byte ${pos}`);
    const b = Buffer.alloc(len);
    const n = readSync(this.fd, b, 0, len, pos);
    if (n < min) throw new NotProtobuf(`short read at byte ${pos}`);
    this.buf = b.subarray(0, n);
    this.bufStart = pos;
  }

  bytes(pos: number, len: number): Uint8Array {
    if (pos < this.bufStart || pos + len > this.bufStart + this.buf.length) this.fill(pos, len);
    return this.buf.subarray(pos - this.bufStart, pos - this.bufStart + len);
  }
}

interface Field {
  field: number;
  wire: number;
  /** varint value (wire 0) */
  value: number;
  /** payload range for wire 2 */
  start: number;
  end: number;
}

/** Iterates the fields of the message occupying [start, end). Throws NotProtobuf on anything malformed. */
function* fields(r: Reader, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const keyPos = pos;
    const [key, p1] = r.varint(pos, end);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) throw new NotProtobuf(`field number 0 at byte ${keyPos}`);
    pos = p1;
    switch (wire) {
      case 0: {
        const [value, p2] = r.varint(pos, end);
        yield { field, wire, value, start: pos, end: p2 };
        pos = p2;
        break;
      }
      case 1:
        if (pos + 8 > end) throw new NotProtobuf(`fixed64 runs past its message at byte ${pos}`);
        yield { field, wire, value: 0, start: pos, end: pos + 8 };
        pos += 8;
        break;
      case 2: {
        const [len, p2] = r.varint(pos, end);
        if (p2 + len > end) throw new NotProtobuf(`length ${len} at byte ${pos} runs past its message`);
        yield { field, wire, value: len, start: p2, end: p2 + len };
        pos = p2 + len;
        break;
      }
      case 5:
        if (pos + 4 > end) throw new NotProtobuf(`fixed32 runs past its message at byte ${pos}`);
        yield { field, wire, value: 0, start: pos, end: pos + 4 };
        pos += 4;
        break;
      default:
        throw new NotProtobuf(`unsupported wire type ${wire} at byte ${keyPos}`);
    }
  }
}

function readString(r: Reader, f: Field): string {
  return Buffer.from(r.bytes(f.start, f.end - f.start)).toString('utf8');
}

/** The first length-delimited field `no` inside message f. */
function child(r: Reader, f: Field, no: number): Field | undefined {
  for (const g of fields(r, f.start, f.end)) if (g.field === no && g.wire === 2) return g;
  return undefined;
}

/** ONNX element types by number, named as ONNX Runtime names them (match.ts compares against 'float32'). */
const ELEM_TYPES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64', 10: 'float16', 11: 'float64' };

/**
 * A ValueInfoProto: name, element type and shape (numbers for dim_value, strings for dim_param, '?' unknown);
 * type 'non-tensor' and no shape for a value that is not a tensor.
 */
function valueInfo(r: Reader, v: Field): TensorInfo {
  let name = '';
  let type: string | undefined;
  const shape: (number | string)[] = [];
  for (const f of fields(r, v.start, v.end)) {
    if (f.field === 1 && f.wire === 2) name = readString(r, f);
    if (f.field !== 2 || f.wire !== 2) continue;
    const tensor = child(r, f, 1);
    if (!tensor) {
      // A sequence, map or optional value: no element type the pipeline could use (match.ts rejects it).
      type = 'non-tensor';
      continue;
    }
    for (const t of fields(r, tensor.start, tensor.end)) {
      if (t.field === 1 && t.wire === 0) type = ELEM_TYPES[t.value] ?? `onnx type ${t.value}`;
      if (t.field !== 2 || t.wire !== 2) continue;
      for (const d of fields(r, t.start, t.end)) {
        if (d.field !== 1 || d.wire !== 2) continue;
        let dim: number | string = '?';
        for (const x of fields(r, d.start, d.end)) {
          if (x.field === 1 && x.wire === 0) dim = x.value;
          if (x.field === 2 && x.wire === 2) dim = readString(r, x);
        }
        shape.push(dim);
      }
    }
  }
  return { name, shape, ...(type ? { type } : {}) };
}

/** Walks ModelProto's top level and the graph's initializers, inputs and outputs (payloads are skipped). */
function summarize(r: Reader): OnnxSummary {
  let irVersion = -1;
  let graph: Field | undefined;
  const metadata = new Map<string, string>();
  for (const f of fields(r, 0, r.size)) {
    if (f.field === 1) {
      expectWire(f, 0, 'ir_version');
      irVersion = f.value;
    } else if (f.field === 7) {
      expectWire(f, 2, 'graph');
      graph = f;
    } else if (f.field === 14) {
      expectWire(f, 2, 'metadata_props');
      let key = '';
      let value = '';
      for (const e of fields(r, f.start, f.end)) {
        if (e.field === 1 && e.wire === 2) key = readString(r, e);
        else if (e.field === 2 && e.wire === 2) value = readString(r, e);
      }
      metadata.set(key, value);
    }
  }
  if (irVersion < 1 || irVersion > 100) throw new NotProtobuf(`no valid ir_version (read ${irVersion})`);
  if (!graph) throw new NotProtobuf('no graph');
  const initializerTypes = new Map<number, number>();
  const initializerNames = new Set<string>();
  const inputs: TensorInfo[] = [];
  const outputs: TensorInfo[] = [];
  for (const g of fields(r, graph.start, graph.end)) {
    if (g.wire !== 2) continue;
    if (g.field === 5) {
      // TensorProto: data_type (2) and name (8) come before the payload (9 raw_data), which is never read.
      for (const t of fields(r, g.start, g.end)) {
        if (t.field === 2 && t.wire === 0) initializerTypes.set(t.value, (initializerTypes.get(t.value) ?? 0) + 1);
        else if (t.field === 8 && t.wire === 2) initializerNames.add(readString(r, t));
      }
    } else if (g.field === 11) {
      inputs.push(valueInfo(r, g));
    } else if (g.field === 12) {
      outputs.push(valueInfo(r, g));
    }
  }
  return { irVersion, metadata, initializerTypes, inputs: inputs.filter((i) => !initializerNames.has(i.name)), outputs };
}

/** The summary of ONNX bytes in memory; throws NotProtobuf-derived ERR_MODEL_LOAD naming `what`. */
export function readOnnxSummaryFromBytes(bytes: Uint8Array, what = 'the ONNX bytes'): OnnxSummary {
  try {
    return summarize(new BufferReader(bytes));
  } catch (err) {
    if (err instanceof NotProtobuf) throw new LandmarkerError('ERR_MODEL_LOAD', `${what} is not an ONNX model: ${err.message}`);
    throw err;
  }
}

function expectWire(f: Field, wire: number, what: string): void {
  if (f.wire !== wire) throw new NotProtobuf(`${what} has wire type ${f.wire}, expected ${wire}`);
}

/**
 * Reads the top level of an ONNX file. Throws LandmarkerError ERR_MODEL_LOAD (naming the file) when the file cannot
 * be read or is not an ONNX ModelProto (malformed protobuf, or no graph).
 */
export function readOnnxSummary(path: string): OnnxSummary {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new LandmarkerError('ERR_MODEL_LOAD', `Cannot open model file ${path}: ${code ?? (err as Error).message}`, {
      cause: err,
    });
  }
  try {
    return summarize(new FileReader(fd, fstatSync(fd).size));
  } catch (err) {
    if (err instanceof NotProtobuf) {
      throw new LandmarkerError('ERR_MODEL_LOAD', `${path} is not an ONNX model: ${err.message}`);
    }
    if (err instanceof LandmarkerError) throw err;
    throw new LandmarkerError('ERR_MODEL_LOAD', `Cannot read model file ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    closeSync(fd);
  }
}

/** 'fp16' when most floating-point initializers are float16 (an FP16 export), else 'fp32'. */
export function weightPrecision(summary: OnnxSummary): 'fp16' | 'fp32' {
  const f16 = summary.initializerTypes.get(FLOAT16) ?? 0;
  const f32 = summary.initializerTypes.get(FLOAT) ?? 0;
  return f16 > f32 ? 'fp16' : 'fp32';
}
