#!/usr/bin/env bash
# The JS side of `make test` (needs `make build` first):
#   1. the golden vectors inside the real WASM module (`wasm-pack test --node`, bindings/wasm)
#   2. one JS suite (bindings/js/test: vectors + every export and option), three times:
#      native, wasm, and native with CALLSTATE_FORCE_WASM=1 (STYLE anchor 6); then the typed-state
#      project (your own state type, zod and valibot schemas) under `tsc --strict`
#   3. the packages as users get them (STYLE anchor 8): `npm pack` of callstate, its platform
#      package and callstate-wasm, installed from the tarballs into a scratch project that only
#      does require('callstate'), import { … } from 'callstate', the same for callstate-wasm,
#      the fallback with the platform package missing, and `tsc --noEmit` of a typed file.
# Env: CALLSTATE_SKIP_WASM_TEST=1 skips step 1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf '\n== %s\n' "$*"; }

# Dev tools (typescript): installed from package-lock.json, only when it changed.
if [[ ! -x node_modules/.bin/tsc || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

# --- 1. vectors in the WASM module
if [[ "${CALLSTATE_SKIP_WASM_TEST:-}" != 1 ]]; then
  say "wasm-pack test --node (tests/vectors inside the WASM module)"
  # The cargo profile of the WASM build (written by scripts/build.sh from wasm-pack.toml).
  (source scripts/env-wasm.sh && source target/callstate-build/wasm-profile.env &&
    cd bindings/wasm && wasm-pack --log-level warn test --node --release)
fi

# --- 2. one suite, three cores
suite=(bindings/js/test/vectors.test.mjs bindings/js/test/codec.test.mjs)
for run in "native:" "wasm:" "native:1"; do
  backend="${run%%:*}" force="${run#*:}"
  say "JS suite: CALLSTATE_BACKEND=$backend${force:+ CALLSTATE_FORCE_WASM=$force}"
  CALLSTATE_BACKEND="$backend" CALLSTATE_FORCE_WASM="$force" node --test --test-reporter=dot "${suite[@]}"
done

# A WebAssembly trap (the WASM build aborts on panic) surfaces as a CallStateError (issue 15):
# once, it loads the callstate-wasm folder itself.
say "WASM trap → CallStateError"
node --test --test-reporter=dot bindings/js/test/wasm-trap.test.mjs

# Typed state (issue 14): a scratch project of the user's own state type with zod and valibot
# schemas, against the built packages' types, under `tsc --strict` (types only: once, not per core).
say "typed state: tsc --strict with zod and valibot schemas"
node --test --test-reporter=dot bindings/js/test/typed-state.test.mjs

# --- 3. tarballs in a scratch project
say "npm pack + install into a scratch project"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for dir in bindings/wasm npm/linux-x64-gnu bindings/node; do
  (cd "$dir" && npm pack --silent --pack-destination "$tmp" >/dev/null)
done
for f in "$tmp"/*.tgz; do printf "  %-40s %7.1f KB\n" "$(basename "$f")" "$(($(stat -c %s "$f") * 10 / 1024))e-1"; done
app="$tmp/app"
mkdir -p "$app"
echo '{ "name": "scratch", "private": true }' > "$app/package.json"
# --offline: every package comes from the tarballs, nothing from a registry.
(cd "$app" && npm install --offline --no-audit --no-fund --loglevel=error "$tmp"/*.tgz >/dev/null)

cat > "$app/check.cjs" <<'EOF'
const assert = require('node:assert/strict');
const cs = require('callstate');
const wasm = require('callstate-wasm');
const backend = cs[Symbol.for('callstate.backend')];
const state = { callSid: 'CA123abc456def', stage: 'ASK_ACTION', attemptCount: 0, lastUpdated: new Date(0), language: 'es' };
assert.deepEqual(wasm.deserializeCallState(cs.serializeCallState(state)), state);
assert.ok(require.resolve('callstate').includes('node_modules/callstate/'));
process.stdout.write(backend);
EOF
cat > "$app/check.mjs" <<'EOF'
import assert from 'node:assert/strict';
import { serializeCallState, deserializeCallState, CallStateError } from 'callstate';
import { serializeCallState as wasmSerialize, CallStateCodec } from 'callstate-wasm';
import { createRequire } from 'node:module';
const state = { callSid: 'CA123abc456def', stage: 'ASK_ACTION', attemptCount: 0, lastUpdated: new Date(0), language: 'es' };
assert.equal(serializeCallState(state), wasmSerialize(state));
assert.deepEqual(deserializeCallState(serializeCallState(state)), state);
assert.throws(() => deserializeCallState('{'), CallStateError);
assert.equal(new CallStateCodec().getStageTTL('ASK_ACTION'), 600);
// import and require are one module instance (one CallStateError class).
assert.equal(createRequire(import.meta.url)('callstate').CallStateError, CallStateError);
console.log('esm ok');
EOF
cat > "$app/types.mts" <<'EOF'
import {
  serializeCallState, deserializeCallState, safeDeserialize, getStageTTL, migrateCallState,
  compressJobData, generateStateKey, CallStateCodec, CallStateError, DEFAULT_TTL, ACTIVE_CALL_TTL,
  type CallState, type JobRecord, type CodecOptions, type Record,
} from 'callstate';
import * as edge from 'callstate-wasm';

const job: JobRecord = { id: 'r', jobNumber: '456', status: 'OPEN', createdDate: new Date(), anything: [1] };
const state: CallState = {
  callSid: 'CA123abc456def', stage: 'CONFIRM_JOB', attemptCount: 1, jobData: job,
  lastUpdated: new Date(), language: 'es',
};
const options: CodecOptions = { keyPrefix: 'ivr:', ttl: { stages: { ASK_ACTION: 60 } }, compression: { thresholdBytes: 4096, keepJobFields: true } };
const codec = new CallStateCodec(options);
const stored: string = serializeCallState(state);
const back: CallState = deserializeCallState(stored);
const maybe: CallState | null = safeDeserialize(stored);
const record: Record = codec.decodeRecord(stored);
const from: 1 | 2 | null = record.migratedFrom;
const ttl: number | null = codec.extendedTtl(100, 60);
const seconds: number = getStageTTL(back.stage) + DEFAULT_TTL + ACTIVE_CALL_TTL;
const migrated: CallState = migrateCallState({ callSid: 'CA1' }, 'v1');
const key: string = generateStateKey(state.callSid) + compressJobData(job);
const edgeState: CallState = edge.deserializeCallState(edge.serializeCallState(state));
try { deserializeCallState('{'); } catch (e) {
  if (e instanceof CallStateError) { const code: 'INVALID_JSON' | string = e.code; const path: string | undefined = e.path; void code; void path; }
}
// @ts-expect-error: language is 'es' | 'en'
const bad: CallState = { ...state, language: 'fr' };
// @ts-expect-error: options are checked
new CallStateCodec({ keyprefix: 'x' });
void [maybe, from, ttl, seconds, migrated, key, edgeState, bad];
EOF
cat > "$app/types.cts" <<'EOF'
import callstate = require('callstate');
const s: callstate.CallState = callstate.deserializeCallState('{}');
void s;
EOF

native="$(cd "$app" && CALLSTATE_FORCE_WASM= node check.cjs)"
[[ "$native" == native ]] || { echo "test-js: require('callstate') ran on $native, not native" >&2; exit 1; }
forced="$(cd "$app" && CALLSTATE_FORCE_WASM=1 node check.cjs)"
[[ "$forced" == wasm ]] || { echo "test-js: CALLSTATE_FORCE_WASM=1 ran on $forced" >&2; exit 1; }
(cd "$app" && node check.mjs)
"$ROOT/node_modules/.bin/tsc" --noEmit --strict --module nodenext --moduleResolution nodenext --target es2022 \
  "$app/types.mts" "$app/types.cts"
echo "tsc --noEmit ok"
# Without a prebuilt binary for the platform, the installed package falls back to callstate-wasm.
rm -rf "$app/node_modules/callstate-linux-x64-gnu"
fallback="$(cd "$app" && CALLSTATE_FORCE_WASM= node check.cjs)"
[[ "$fallback" == wasm ]] || { echo "test-js: without the platform package it ran on $fallback" >&2; exit 1; }
echo "packaging ok: require/import by name (native, forced wasm, missing platform package), types"
