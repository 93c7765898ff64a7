// Plain Node ESM: named imports by package name, from installs of the packed tarballs. Both
// packages must agree. Prints one JSON line for test/packaging.test.mjs.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as native from 'callstate';
import { serializeCallState, deserializeCallState, CallStateCodec, CallStateError } from 'callstate';
import * as wasm from 'callstate-wasm';

const require = createRequire(import.meta.url);
const state = { callSid: 'CA123abc456def', stage: 'ASK_ACTION', attemptCount: 0, language: 'en', lastUpdated: new Date('2024-03-15T14:30:22.000Z') };
const value = serializeCallState(state);
assert.equal(wasm.serializeCallState(state), value);
assert.deepEqual(wasm.deserializeCallState(value), deserializeCallState(value));
assert.equal(new CallStateCodec({ hashTag: true }).generateStateKey('CA1'.padEnd(34, '0')), `call_state:{${'CA1'.padEnd(34, '0')}}`);
assert.throws(() => new CallStateCodec({ keyPrfix: 'x' }), (e) => e instanceof CallStateError && e.code === 'INVALID_FIELD');
// import and require give one module instance (one CallStateError class).
assert.equal(require('callstate').CallStateError, CallStateError);
assert.deepEqual(Object.keys(native).sort(), Object.keys(wasm).sort());
console.log(JSON.stringify({
  backend: require('callstate')[Symbol.for('callstate.backend')],
  wasmBackend: require('callstate-wasm')[Symbol.for('callstate.backend')],
  exports: Object.keys(native).sort(),
}));
