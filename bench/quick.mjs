// Quick ratio check (make bench): encode+decode of the seed's 514-byte sample state with the
// seed's plain JS, the napi package and the WASM package, in one process, interleaved rounds,
// median per-operation time. Ratios are against the seed (targets: napi ≤ 1.7×, WASM ≤ 2.6×).
// The full benchmark suite is a later issue; this only reports, it never fails on a ratio.
import { createRequire } from 'node:module';
import { readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
delete process.env.CALLSTATE_FORCE_WASM;
const seed = require(join(root, 'bindings/js/test/fixtures/seed.cjs'));
const native = require(join(root, 'bindings/node'));
const wasm = require(join(root, 'bindings/wasm'));
if (native[Symbol.for('callstate.backend')] !== 'native') throw new Error('bench: the native module did not load');

const sample = seed.sampleState();
const bytes = Buffer.byteLength(seed.serializeCallState(sample));
const impls = {
  'seed JS': seed,
  napi: native,
  wasm,
};
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const N = Number(process.env.N ?? 20000);
let sink = 0;

function round(api) {
  const { serializeCallState: ser, deserializeCallState: de } = api;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) sink += de(ser(sample)).attemptCount;
  return Number(process.hrtime.bigint() - t0) / N; // ns per encode+decode
}

for (const api of Object.values(impls)) for (let i = 0; i < 3; i++) round(api); // warm-up
const times = Object.fromEntries(Object.keys(impls).map((k) => [k, []]));
for (let r = 0; r < ROUNDS; r++) for (const [k, api] of Object.entries(impls)) times[k].push(round(api));
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
const base = median(times['seed JS']);

console.log(`encode+decode of the seed's ${bytes}-byte sample state, median of ${ROUNDS} rounds × ${N}`);
for (const k of Object.keys(impls)) {
  const m = median(times[k]);
  console.log(`  ${k.padEnd(8)} ${(m / 1000).toFixed(2).padStart(7)} µs   ${(m / base).toFixed(2)}×`);
}
const wasmFile = join(root, 'bindings/wasm/pkg/web/callstate_wasm_bg.wasm');
const nodeFile = join(root, 'npm/linux-x64-gnu/callstate.linux-x64-gnu.node');
const wasmBytes = readFileSync(wasmFile);
console.log(`sizes: .wasm ${(wasmBytes.length / 1024).toFixed(1)} KB raw, ${(gzipSync(wasmBytes, { level: 9 }).length / 1024).toFixed(1)} KB gzipped; .node ${(statSync(nodeFile).size / 1024).toFixed(0)} KB`);
if (sink === 0) console.log('');
