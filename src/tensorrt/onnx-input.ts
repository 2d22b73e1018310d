/**
 * Reads the declared shape of one graph input straight from ONNX bytes (protobuf), to learn whether its batch
 * dimension is fixed (peppa-slim160: 1) before building an engine: a fixed batch clamps the optimisation profile.
 * ModelProto 7 graph -> GraphProto 11 input (ValueInfoProto: 1 name, 2 type) -> TypeProto 1 tensor_type ->
 * 2 shape -> 1 dim (Dimension: 1 dim_value | 2 dim_param).
 */

interface Field {
  no: number;
  wire: number;
  /** varint value (wire 0) */
  value?: number;
  /** payload range (wire 2) */
  start?: number;
  end?: number;
}

function* fields(b: Uint8Array, start: number, end: number): Generator<Field> {
  let p = start;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (;;) {
      if (p >= end) throw new Error('truncated varint');
      const byte = b[p++];
      v += (byte & 0x7f) * mul;
      if (byte < 0x80) return v;
      mul *= 128;
    }
  };
  while (p < end) {
    const key = varint();
    const no = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) yield { no, wire, value: varint() };
    else if (wire === 1) p += 8;
    else if (wire === 5) p += 4;
    else if (wire === 2) {
      const len = varint();
      if (p + len > end) throw new Error('truncated field');
      yield { no, wire, start: p, end: p + len };
      p += len;
    } else throw new Error(`unsupported wire type ${wire}`);
  }
}

function sub(b: Uint8Array, f: Field, no: number): Field | undefined {
  for (const g of fields(b, f.start!, f.end!)) if (g.no === no && g.wire === 2) return g;
  return undefined;
}

/**
 * The input's dimensions (a number for dim_value, a string for dim_param / unknown), or undefined when the input
 * is not found or the bytes are not a parseable model.
 */
export function onnxInputShape(onnx: Uint8Array, inputName: string): (number | string)[] | undefined {
  try {
    for (const g of fields(onnx, 0, onnx.length)) {
      if (g.no !== 7 || g.wire !== 2) continue;
      for (const inp of fields(onnx, g.start!, g.end!)) {
        if (inp.no !== 11 || inp.wire !== 2) continue;
        const name = sub(onnx, inp, 1);
        if (!name || Buffer.from(onnx.subarray(name.start, name.end)).toString('utf8') !== inputName) continue;
        const type = sub(onnx, inp, 2);
        const tensor = type && sub(onnx, type, 1);
        const shape = tensor && sub(onnx, tensor, 2);
        if (!shape) return [];
        const dims: (number | string)[] = [];
        for (const d of fields(onnx, shape.start!, shape.end!)) {
          if (d.no !== 1 || d.wire !== 2) continue;
          let dim: number | string = '?';
          for (const v of fields(onnx, d.start!, d.end!)) {
            if (v.no === 1 && v.wire === 0) dim = v.value!;
            if (v.no === 2 && v.wire === 2) dim = Buffer.from(onnx.subarray(v.start, v.end)).toString('utf8');
          }
          dims.push(dim);
        }
        return dims;
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** The fixed batch size of the input, or undefined when it is dynamic or unknown. */
export function onnxFixedBatch(onnx: Uint8Array, inputName: string): number | undefined {
  const dims = onnxInputShape(onnx, inputName);
  const first = dims?.[0];
  return typeof first === 'number' && first > 0 ? first : undefined;
}
