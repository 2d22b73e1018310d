/**
 * Jest environment for tests that read onnxruntime-node outputs (select it per file with the docblock
 * `@jest-environment ./test/models/ort-environment.js`).
 *
 * Why: jest runs each test file in its own realm with its own Float32Array etc., while onnxruntime-node's
 * native code creates output arrays with the main realm's constructors. onnxruntime-common then rejects its
 * own outputs ("A float32 tensor's data must be type of function Float32Array()") because `instanceof`
 * compares constructors across realms. Sharing the main realm's typed-array constructors fixes that.
 */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array',
  'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class OrtEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) if (globalThis[name]) this.global[name] = globalThis[name];
  }
}

module.exports = OrtEnvironment;
