// The worker under Miniflare, which runs the real workerd binary: bundle as wrangler would,
// start workerd, send Twilio-shaped webhooks, check the planned Redis write. Also measures what
// the runtime pays for callstate-wasm: bundle and .wasm sizes, and start-up time against an
// empty worker (workerd freezes clocks inside a worker, so timing is taken from outside).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Miniflare } from 'miniflare';
import { build } from '../build.mjs';

const SID = 'CA0123456789abcdef0123456789abcdef';
let mf;
let built;

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

async function start(options) {
  const t0 = process.hrtime.bigint();
  const m = new Miniflare({ compatibilityDate: '2025-09-01', ...options });
  await m.ready;
  return { m, readyMs: ms(t0) };
}

before(async () => {
  built = await build({ quiet: true });
  const ours = {
    modules: true,
    scriptPath: built.script,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
  };
  // workerd start-up (process start, config, module load: the WASM is compiled here) for an
  // empty module worker and for ours, alternating, 5 each; the minimum is the least disturbed
  // by other load on the machine. The last of ours serves the tests.
  const min = (xs) => Math.min(...xs);
  const base = [];
  const with_ = [];
  for (let i = 0; i < 5; i++) {
    const empty = await start({ modules: true, script: 'export default { fetch() { return new Response("ok"); } }' });
    base.push(empty.readyMs);
    await empty.m.dispose();
    const it = await start(ours);
    with_.push(it.readyMs);
    if (i < 4) await it.m.dispose();
    else mf = it.m;
  }
  let t0 = process.hrtime.bigint();
  await (await mf.dispatchFetch('http://localhost/')).json();
  const firstMs = ms(t0);
  t0 = process.hrtime.bigint();
  await (await mf.dispatchFetch('http://localhost/')).json();
  const warmMs = ms(t0);
  const wasm = built.files.find((f) => f.name.endsWith('.wasm'));
  const js = built.files.find((f) => f.name.endsWith('.mjs'));
  const [b, w] = [min(base), min(with_)];
  console.log(`workerd: callstate_wasm_bg.wasm ${wasm.bytes} bytes (${wasm.gzip} gzipped), bundled worker.mjs ${js.bytes} bytes (${js.gzip} gzipped)`);
  console.log(`workerd: start-up ${w.toFixed(0)} ms with callstate-wasm vs ${b.toFixed(0)} ms for an empty worker` +
    ` (min of 5 each: WASM load ≈ ${(w - b).toFixed(0)} ms); request round trip via Miniflare: first ${firstMs.toFixed(1)} ms, then ${warmMs.toFixed(1)} ms`);
});

after(async () => {
  await mf?.dispose();
});

const webhook = (fields, stored) => mf.dispatchFetch('http://localhost/webhook', {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({
    AccountSid: 'AC0123456789abcdef0123456789abcdef', CallStatus: 'in-progress', ...fields, ...(stored ? { CallState: stored } : {}),
  }).toString(),
});

test('the codec built at module load answers with the stage TTL table', async () => {
  const r = await mf.dispatchFetch('http://localhost/');
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), {
    ok: true, DEFAULT_TTL: 3600,
    ttl: { COLLECT_CLIENT_ID: 300, COLLECT_JOB_NUMBER: 300, CONFIRM_JOB: 600, ASK_ACTION: 600, EXECUTE_ACTION: 1800, OTHER: 3600 },
  });
});

test('a new call: state encoded in workerd, SET … EX planned with the stage TTL', async () => {
  const before = Date.now();
  const r = await webhook({ CallSid: SID, From: '+34600000000' });
  assert.equal(r.status, 200);
  const body = await r.json();
  assert.equal(body.key, `call_state:${SID}`);
  assert.equal(body.ttl, 300);
  assert.equal(body.record, null);
  const [cmd] = body.commands;
  assert.deepEqual([cmd[0], cmd[1], cmd[3], cmd[4]], ['SET', `call_state:${SID}`, 'EX', '300']);
  const value = JSON.parse(cmd[2]);
  assert.equal(cmd[2].startsWith('{"schemaVersion":3,"rev":0,"lastUpdated":"'), true);
  assert.equal(value.callSid, SID);
  assert.equal(value.stage, 'COLLECT_CLIENT_ID');
  assert.equal(value.language, 'es');
  // Date.now() inside the request is frozen at its start, but it is real time.
  const at = Date.parse(value.lastUpdated);
  assert.ok(at >= before - 60_000 && at <= Date.now() + 60_000, `lastUpdated ${value.lastUpdated}`);
});

test('decode → step → encode across requests (English on request, then digits)', async () => {
  let stored = (await (await webhook({ CallSid: SID })).json()).commands[0][2];
  let body = await (await webhook({ CallSid: SID, SpeechResult: 'English, please.' }, stored)).json();
  assert.equal(body.state.language, 'en');
  assert.deepEqual(body.record, { revision: 0, schemaVersion: 3, migratedFrom: null });
  stored = body.commands[0][2];
  body = await (await webhook({ CallSid: SID, Digits: '1234' }, stored)).json();
  assert.equal(body.state.stage, 'COLLECT_JOB_NUMBER');
  assert.equal(body.state.clientId, '1234');
  assert.equal(body.state.language, 'en');
  assert.equal(body.ttl, 300);
  stored = body.commands[0][2];
  body = await (await webhook({ CallSid: SID, Digits: '456' }, stored)).json();
  assert.equal(body.state.stage, 'CONFIRM_JOB');
  assert.equal(body.ttl, 600);
  assert.deepEqual(body.commands[0].slice(3), ['EX', '600']);
});

test('an old (v1) stored value is migrated on read', async () => {
  const v1 = JSON.stringify({ callSid: SID, stage: 'COLLECT_JOB_NUMBER', attemptCount: 1, clientId: '1234', lastUpdated: '2024-03-15T14:30:22.000Z' });
  const body = await (await webhook({ CallSid: SID, Digits: '456' }, v1)).json();
  assert.deepEqual(body.record, { revision: 0, schemaVersion: 1, migratedFrom: 1 });
  assert.equal(body.state.language, 'es');
  assert.equal(body.state.stage, 'CONFIRM_JOB');
});

test('errors cross from WASM as CallStateError with code and path', async () => {
  let r = await webhook({ CallSid: 'CAnot-a-twilio-sid' });
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error.code, 'INVALID_CALL_SID');
  r = await webhook({ CallSid: SID }, '{"schemaVersion":9}');
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error.code, 'UNSUPPORTED_VERSION');
  r = await webhook({ CallSid: SID }, '\ufeff{}');
  assert.equal((await r.json()).error.code, 'INVALID_JSON');
  const bad = { callSid: SID, stage: 'ASK_ACTION', attemptCount: 0, language: 'es', lastUpdated: 'yesterday' };
  const { error } = await (await webhook({ CallSid: SID }, JSON.stringify(bad))).json();
  assert.deepEqual([error.code, error.path], ['INVALID_DATE', 'lastUpdated']);
});

test('why the package has a workerd entry: workerd refuses to compile WASM bytes in a handler', async () => {
  // The same .wasm as raw bytes (a Data module), compiled the way a browser build would do it.
  const { m } = await start({
    modules: [
      { type: 'ESModule', path: 'compile-late.mjs', contents: `import bytes from './callstate_wasm_bg.bin';
        export default { async fetch() {
          try { await WebAssembly.compile(bytes); return new Response('compiled'); }
          catch (e) { return new Response(String(e.message), { status: 500 }); } } };` },
      { type: 'Data', path: 'callstate_wasm_bg.bin', contents: readFileSync(join(built.dir, built.files.find((f) => f.name.endsWith('.wasm')).name)) },
    ],
  });
  try {
    const r = await m.dispatchFetch('http://localhost/');
    assert.equal(r.status, 500);
    const why = await r.text();
    assert.match(why, /disallowed|not allowed|code generation/i);
    console.log(`workerd: WebAssembly.compile(bytes) in a handler -> ${why}`);
  } finally {
    await m.dispose();
  }
});

test('callstate-wasm exports the same names in workerd as in Node (SPEC §2: one API)', async () => {
  const probe = await build({ entry: 'exports-probe', quiet: true,
    contents: "import * as cs from 'callstate-wasm'; export default { fetch() { return Response.json(Object.keys(cs).sort()); } };" });
  const { m } = await start({ modules: true, scriptPath: probe.script, modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }] });
  try {
    const inWorkerd = await (await m.dispatchFetch('http://localhost/')).json();
    const inNode = Object.keys(createRequire(import.meta.url)('callstate-wasm')).sort();
    assert.deepEqual(inWorkerd, inNode);
  } finally {
    await m.dispose();
  }
});
