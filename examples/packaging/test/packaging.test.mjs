// The packaging contract (SPEC §1) checked as users meet it: projects that installed the
// `npm pack` tarballs (examples/install.sh), by package name, never the source folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const run = (dir, args, env = {}) => execFileSync(process.execPath, args, {
  cwd: join(here, '..', dir), env: { ...process.env, CALLSTATE_FORCE_WASM: '', ...env }, encoding: 'utf8',
});
const SPEC_EXPORTS = [
  'ACTIVE_CALL_TTL', 'CallStateCodec', 'CallStateError', 'DEFAULT_TTL', 'compressJobData', 'deserializeCallState',
  'generateStateKey', 'getStageTTL', 'migrateCallState', 'safeDeserialize', 'safeSerialize', 'serializeCallState',
];
const hasSpecExports = (names) => SPEC_EXPORTS.every((n) => names.includes(n));

test('CommonJS (how Twilio Functions load code): require("callstate") uses the native module', () => {
  const out = JSON.parse(run('cjs', ['check.js']));
  assert.equal(out.backend, 'native');
  assert.match(out.resolved, /cjs\/node_modules\/callstate\/index\.js$/);
  assert.ok(hasSpecExports(out.exports), out.exports.join());
});

test('CommonJS with CALLSTATE_FORCE_WASM=1 runs on the WASM fallback; =0 does not', () => {
  assert.equal(JSON.parse(run('cjs', ['check.js'], { CALLSTATE_FORCE_WASM: '1' })).backend, 'wasm');
  assert.equal(JSON.parse(run('cjs', ['check.js'], { CALLSTATE_FORCE_WASM: '0' })).backend, 'native');
});

test('ESM: named imports from callstate and callstate-wasm, one instance for import and require', () => {
  const out = JSON.parse(run('esm', ['check.mjs']));
  assert.deepEqual([out.backend, out.wasmBackend], ['native', 'wasm']);
  assert.ok(hasSpecExports(out.exports), out.exports.join());
});

test('TypeScript: the installed packages type-check a strict nodenext project', () => {
  const tsc = join(here, '../esm/node_modules/typescript/bin/tsc');
  run('esm', [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', 'types.mts']);
});
