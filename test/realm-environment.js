/**
 * The jest environment of every test file (jest.config.js).
 *
 * Why: jest runs each test file in its own realm with its own Float32Array, Error etc., while native code (the
 * addon, sharp, onnxruntime-node), Node's own modules and messages from worker threads create objects with the
 * main realm's constructors. `instanceof` then fails across realms (`points instanceof Float32Array` is false in
 * a test although it is true in any real process). Sharing the main realm's constructors of what those create
 * (typed arrays, and the errors the addon throws: Error, TypeError, RangeError) makes tests see what users see;
 * test/unit/realm.test.ts checks each. Errors the engine throws by itself inside a test file's realm (a property
 * read of undefined) still come from that realm: nothing in the package relies on their class.
 */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array',
  'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
  'Error', 'TypeError', 'RangeError',
];

class RealmEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) if (globalThis[name]) this.global[name] = globalThis[name];
  }
}

module.exports = RealmEnvironment;
