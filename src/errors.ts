/**
 * Every error this package throws carries a stable string `code`.
 * Bad arguments are TypeError / RangeError (with a code too); everything else is a LandmarkerError.
 */

export type ErrorCode =
  | 'ERR_INVALID_ARG_TYPE' // TypeError: wrong type for an argument or option
  | 'ERR_INVALID_ARG_VALUE' // TypeError: right type, unsupported value (unknown format, unknown enum)
  | 'ERR_OUT_OF_RANGE' // RangeError: number/size/box/batch outside what is allowed
  | 'ERR_FILE_NOT_FOUND'
  | 'ERR_IMAGE_DECODE' // unreadable, corrupt or truncated image
  | 'ERR_MODEL_LOAD' // model file missing, not ONNX, or rejected by the backend
  | 'ERR_CONTRACT_MISSING' // ONNX without metadata key `trt_landmarker` and without a sidecar <model>.json
  | 'ERR_CONTRACT_INVALID' // contract JSON fails validation
  | 'ERR_CONTRACT_MISMATCH' // contract disagrees with the ONNX inputs/outputs
  | 'ERR_DISPOSED' // call after dispose(), or work cancelled by dispose()
  | 'ERR_BACKEND_UNAVAILABLE' // requested backend cannot be loaded here (reason in message)
  | 'ERR_NATIVE_LOAD' // the addon binary could not be loaded (aggregated reasons)
  | 'ERR_INFERENCE' // the backend failed while running the model
  | 'ERR_CUDA' // a CUDA call failed (message names the call)
  | 'ERR_TENSORRT' // a TensorRT call failed (message names the call)
  | 'ERR_ENGINE_CACHE' // engine cache unreadable/unwritable/locked
  | 'ERR_DATASET' // evaluation data missing or malformed (message names file and line)
  | 'ERR_CAPTURE' // ffmpeg missing, device busy, stream ended or changed
  | 'ERR_PYTHON' // no python with torch/torchvision/onnx for model export, or the export script failed
  | 'ERR_QUEUE' // the job queue: Redis unreachable, no worker serves the model, a job lost or malformed
  | 'ERR_MODEL_MISMATCH' // a queue job was made for another model (ONNX sha256 + contract hash) than the worker's
  | 'ERR_INTERNAL';

export class LandmarkerError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LandmarkerError';
    this.code = code;
  }
}

export interface CodedTypeError extends TypeError {
  code: 'ERR_INVALID_ARG_TYPE' | 'ERR_INVALID_ARG_VALUE';
}
export interface CodedRangeError extends RangeError {
  code: 'ERR_OUT_OF_RANGE';
}

/** Short human description of a received value, for "but received ..." messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (Buffer.isBuffer(value)) return `Buffer of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `${Object.prototype.toString.call(value).slice(8, -1)} of length ${(value as unknown as ArrayLike<unknown>).length}`;
  if (typeof value === 'function') return 'function';
  return describeObject(value);
}

/**
 * "object Date", "object Object": the name of the prototype's constructor. Reads the prototype's constructor, never an own
 * field: an object such as {"constructor": {"name": {"toString": 1}}} parsed from JSON must not make the message
 * builder throw.
 */
function describeObject(value: unknown): string {
  try {
    const proto: unknown = Object.getPrototypeOf(value);
    const ctor = proto && Object.prototype.hasOwnProperty.call(proto, 'constructor') ? (proto as { constructor: unknown }).constructor : undefined;
    const name = typeof ctor === 'function' ? (ctor as { name?: unknown }).name : undefined;
    return `object ${typeof name === 'string' && name !== '' ? name : 'Object'}`;
  } catch {
    return 'object Object'; // a Proxy whose traps throw
  }
}

export function invalidType(name: string, expected: string, received: unknown): CodedTypeError {
  const err = new TypeError(`Expected ${expected} for \`${name}\` but received ${describe(received)}`) as CodedTypeError;
  err.code = 'ERR_INVALID_ARG_TYPE';
  return err;
}

export function invalidValue(name: string, expected: string, received: unknown): CodedTypeError {
  const err = new TypeError(`Expected ${expected} for \`${name}\` but received ${describe(received)}`) as CodedTypeError;
  err.code = 'ERR_INVALID_ARG_VALUE';
  return err;
}

export function outOfRange(name: string, expected: string, received: unknown): CodedRangeError {
  const err = new RangeError(`Expected ${expected} for \`${name}\` but received ${describe(received)}`) as CodedRangeError;
  err.code = 'ERR_OUT_OF_RANGE';
  return err;
}

/**
 * Errors crossing from the addon carry `code` set natively; anything without one becomes `fallback`.
 * The addon's TypeError/RangeError are bad arguments: they keep their class and get a code if they lack one.
 */
export function fromNative(err: unknown, fallback: ErrorCode = 'ERR_INTERNAL'): Error {
  if (err instanceof LandmarkerError) return err;
  const e = err as { message?: unknown; code?: unknown } | null;
  if (e === null || typeof e !== 'object' || typeof e.message !== 'string') {
    return new LandmarkerError(fallback, String(err));
  }
  const code = typeof e.code === 'string' && e.code.startsWith('ERR_') ? (e.code as ErrorCode) : undefined;
  if (err instanceof TypeError || err instanceof RangeError) {
    if (code === undefined) (err as Error & { code?: string }).code = err instanceof TypeError ? 'ERR_INVALID_ARG_TYPE' : 'ERR_OUT_OF_RANGE';
    return err;
  }
  return new LandmarkerError(code ?? fallback, e.message, { cause: err });
}
