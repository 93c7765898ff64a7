// CommonJS, as Twilio Functions load code: require() by package name, from an install of the
// packed tarball. Prints one JSON line for test/packaging.test.mjs.
const assert = require('node:assert/strict');
const cs = require('callstate');

const state = { callSid: 'CA123abc456def', stage: 'CONFIRM_JOB', attemptCount: 2, language: 'es', lastUpdated: new Date('2024-03-15T14:30:22.000Z') };
const value = cs.serializeCallState(state);
assert.equal(cs.generateStateKey('CA123abc456def'), 'call_state:CA123abc456def');
assert.deepEqual(cs.deserializeCallState(value), state);
assert.equal(cs.getStageTTL('CONFIRM_JOB'), 600);
assert.equal(cs.DEFAULT_TTL, 3600);
assert.throws(() => cs.deserializeCallState('{'), (e) => e instanceof cs.CallStateError && e instanceof Error && e.code === 'INVALID_JSON');
console.log(JSON.stringify({
  backend: cs[Symbol.for('callstate.backend')],
  resolved: require.resolve('callstate'),
  exports: Object.keys(cs).sort(),
}));
