/**
 * The contract's preprocessing in the addon's words, written once: the CPU core (ONNX Runtime pipeline, face
 * detector) and the GPU runtime (src/backends/tensorrt.ts builds its runtime config on it) read the same shape.
 */
import type { NativePreprocessParams } from '../native/addon';
import type { InputSpec } from './types';

export function preprocessParams(input: InputSpec): NativePreprocessParams {
  return { width: input.width, height: input.height, bgr: input.colorOrder === 'bgr', scale: input.scale, mean: input.mean, std: input.std };
}
