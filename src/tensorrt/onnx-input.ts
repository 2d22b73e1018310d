/**
 * The declared shape of one graph input, read from ONNX bytes already in memory (the engine cache hashes them), to
 * learn whether its batch dimension is fixed (peppa-slim160: 1) before building an engine: a fixed batch clamps the
 * optimisation profile. The protobuf walk is src/contract/onnx-proto.ts's.
 */
import { readOnnxSummaryFromBytes } from '../contract/onnx-proto';

/**
 * The input's dimensions (a number for dim_value, a string for dim_param / unknown), or undefined when the input
 * is not found or the bytes are not a parseable model.
 */
export function onnxInputShape(onnx: Uint8Array, inputName: string): (number | string)[] | undefined {
  try {
    const input = readOnnxSummaryFromBytes(onnx).inputs.find((i) => i.name === inputName);
    return input ? [...input.shape] : undefined;
  } catch {
    return undefined;
  }
}

/** The fixed batch size of the input, or undefined when it is dynamic or unknown. */
export function onnxFixedBatch(onnx: Uint8Array, inputName: string): number | undefined {
  const dims = onnxInputShape(onnx, inputName);
  const first = dims?.[0];
  return typeof first === 'number' && first > 0 ? first : undefined;
}
