// A WebAssembly trap reaches users as a `CallStateError` (issue 15). The WASM build aborts on
// panic (`panic = "immediate-abort"`), so a panic — a bug — is a trap (`RuntimeError:
// unreachable`), which the shared shim must turn into a `CallStateError` and recover from. The
// trap is forced through `__callstateTestTrap`, a test-only export of the module (undocumented,
// never called by the shim, not in any .d.ts), from inside a real `RawCodec` method call.
// Run once (scripts/test-js.sh), not per backend: it loads the callstate-wasm folder itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { dirs, require } from './backend.mjs';

const raw = require(join(dirs.wasm, 'pkg', 'node', 'callstate_wasm.js'));
const { createApi } = require(join(dirs.wasm, 'shim.cjs'));
const { CallStateError } = require(dirs.wasm);

const state = {
  callSid: 'CA123abc456def', stage: 'CONFIRM_JOB', attemptCount: 2, clientId: 'ABC123',
  lastUpdated: new Date('2024-03-15T14:30:22.000Z'), language: 'es',
};

/** The module's `RawCodec`, whose next `encode` traps inside the module when `trapNext` is set. */
let trapNext = false;
let made = 0;
class TrappingRaw extends raw.RawCodec {
  constructor(...args) {
    super(...args);
    made++;
  }
  encode(json) {
    if (trapNext) {
      trapNext = false;
      raw.__callstateTestTrap();
    }
    return super.encode(json);
  }
}

test('the test-only export traps (panic = immediate-abort: no message, no unwinding)', () => {
  assert.throws(() => raw.__callstateTestTrap(), (e) => e instanceof WebAssembly.RuntimeError);
});

test('a trap surfaces as a CallStateError naming the method, and the codec keeps working', () => {
  const api = createApi(TrappingRaw, 'wasm');
  const codec = new api.CallStateCodec();
  const expected = codec.serializeCallState(state);
  const before = made;
  trapNext = true;
  assert.throws(() => codec.serializeCallState(state), (e) => {
    assert.ok(e instanceof CallStateError);
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'CallStateError');
    assert.match(e.message, /^callstate-wasm: internal error, the WebAssembly module trapped in encode \(.+\); this is a bug/);
    assert.ok(e.cause instanceof WebAssembly.RuntimeError);
    assert.equal(e.path, undefined);
    return true;
  });
  // The trapped instance was replaced by a fresh one with the same options.
  assert.equal(made, before + 1);
  assert.equal(codec.serializeCallState(state), expected);
  assert.deepEqual(codec.deserializeCallState(expected), state);
  // safe* report a trap like any other failure.
  trapNext = true;
  assert.equal(codec.safeSerialize(state), null);
  assert.equal(codec.safeSerialize(state), expected);
});

test('a codec with options is rebuilt with the same options after a trap', () => {
  const api = createApi(TrappingRaw, 'wasm');
  const codec = new api.CallStateCodec({ keyPrefix: 'ivr:' });
  trapNext = true;
  assert.throws(() => codec.serializeCallState(state), CallStateError);
  assert.equal(codec.generateStateKey('CA1'), 'ivr:CA1');
});
