// Replays tests/vectors/plans.json (the write script's contract as data, issue 13) on a real
// redis-server, twice per vector: (a) the planned EVALSHA, so the REAL Lua runs, and (b) the same
// write through the WATCH/MULTI fallback (the core's reads and decision, then MULTI/EXEC). Each is
// checked against the vector: every reply, then the state value, write ids (one string) and end
// marker with their TTLs (within 1 s). A `<rev>` (where the write ids keep no last rev) is held to
// its rule, R = max(old + 1, server TIME µs), with TIME read just before and after the write. tests/plan_vectors.rs replays the same file through
// the core alone; all three must agree. Where the WATCH decision is known to differ from the Lua
// (plans.json `knownGaps`), the WATCH path must fail that vector, and the Lua path must pass it.
//
// The server: REDIS_PORT when set (scripts/test-store.sh), else one started here
// (tests/support/cluster.mjs startServer). The build: backend.mjs (CALLSTATE_BACKEND).
// The two functions that call the planning wire ops, planWrite() and runWatch(), are the only
// places to change when those ops move.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cs, label, require, root } from './backend.mjs';
import { startServer } from '../../../tests/support/cluster.mjs';
import { runWatch as watchRun } from './fallback.mjs';

const Redis = require('ioredis');
const { plan } = cs[Symbol.for('callstate.internals')];
const codec = new cs.CallStateCodec();
const P = (op, args) => JSON.parse(plan(codec, op, args));
const { vectors, knownGaps } = JSON.parse(readFileSync(join(root, '..', 'tests', 'vectors', 'plans.json'), 'utf8'));

// ------------------------------------------------------------------ the two adapter functions

/** The vector's write as the core plans it: `{command, step}` (throws the planning error). */
function planWrite(v) {
  const w = v.write;
  const json = (s) => (s == null ? null : JSON.stringify(s));
  switch (v.kind) {
    case 'save': return P('save', [v.sid, json(w.state), w.writeId]);
    case 'update':
    case 'updateDelete': return P('update', [v.sid, w.prev, json(w.next), w.writeId]);
    case 'upgrade': return P('upgrade', [v.sid, w.prev, json(w.next), w.writeId]);
    case 'end': return P('end', [v.sid, String(w.keepSeconds), w.writeId]);
    case 'delete': return P('delete', [v.sid, w.writeId]);
    default: throw new Error(`unknown kind ${v.kind}`);
  }
}

/** Runs a planned write by the WATCH fallback, as the store does (./fallback.mjs). */
const runWatch = (planned, call) => watchRun(P, planned, call);

// ------------------------------------------------------------------ the runner

let server = null;
if (!process.env.REDIS_PORT) server = await startServer();
const port = server ? server.port : Number(process.env.REDIS_PORT);
const redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
after(async () => { redis.disconnect(); if (server) await server.stop(); });

const call = (argv) => redis.call(argv[0], ...argv.slice(1)).catch((e) => e);
const must = async (argv) => {
  const r = await call(argv);
  if (r instanceof Error) throw new Error(`${argv[0]}: ${r.message}`);
  return r;
};
const timeUs = async () => { const [s, us] = await must(['TIME']); return BigInt(s) * 1_000_000n + BigInt(us); };

async function runLua({ command: cmd }) {
  const r = await call(cmd);
  if (r instanceof Error && /NOSCRIPT/.test(r.message)) return call(P('evalFallback', [JSON.stringify(cmd)]));
  return r;
}

/** The vector's stored keys, from nothing. */
async function setUp(keys, stored) {
  await must(['DEL', keys.key, keys.ids, keys.end]);
  const set = (key, { value, ttl }) => must(ttl > 0 ? ['SET', key, value, 'EX', String(ttl)] : ['SET', key, value]);
  if (stored.state) await set(keys.key, stored.state);
  if (stored.end) await set(keys.end, stored.end);
  if (stored.ids) await set(keys.ids, stored.ids);
}

async function snapshot(keys) {
  const text = async (key) => {
    const value = await must(['GET', key]);
    return value == null ? null : { value, ttl: await must(['TTL', key]) };
  };
  return { state: await text(keys.key), ids: await text(keys.ids), end: await text(keys.end) };
}

/** Sends the vector's write `sends` times by `run`; throws on any difference from the vector. */
async function check(v, cmd, keys, run) {
  await setUp(keys, v.stored);
  const e = v.expect;
  const replies = [];
  let rev = null;
  for (let i = 0; i < v.sends; i++) {
    const before = await timeUs();
    const r = await run(cmd);
    const after = await timeUs();
    if (r instanceof Error || !Array.isArray(r)) throw new Error(`send ${i + 1}: ${r?.message ?? JSON.stringify(r)}`);
    replies.push([r[0], r[1] ?? null]);
    if (e.replies[i]?.value === '<rev>' && rev == null) {
      // R = max(old + 1, TIME µs) with TIME somewhere between the two reads.
      const floor = e.newRev.old == null ? 0n : BigInt(e.newRev.old) + 1n;
      const max = (a, b) => (a > b ? a : b);
      const got = BigInt(r[1]);
      assert.ok(got >= max(floor, before) && got <= max(floor, after),
        `rev ${got} not max(${e.newRev.old} + 1, TIME in [${before}, ${after}])`);
      rev = r[1];
    }
  }
  const sub = (s) => (s == null || rev == null ? s : s.replaceAll('<rev>', rev));
  assert.deepEqual(replies, e.replies.map(({ status, value }) => [status, sub(value)]), 'replies');
  const got = await snapshot(keys);
  for (const k of ['state', 'ids', 'end']) {
    const want = e.keys[k];
    if (want == null) { assert.equal(got[k], null, `${k} should be absent`); continue; }
    assert.ok(got[k] != null, `${k} should be present`);
    assert.equal(got[k].value, sub(want.value), `${k} value`);
    const ok = want.ttl === -1 ? got[k].ttl === -1 : got[k].ttl <= want.ttl && got[k].ttl >= want.ttl - 1;
    assert.ok(ok, `${k} TTL ${got[k].ttl}, want ${want.ttl}`);
  }
}

test(`plans.json: the real Lua and the WATCH fallback (${label})`, async (t) => {
  assert.ok(vectors.length >= 100, `only ${vectors.length} vectors`);
  for (const v of vectors) {
    await t.test(v.name, async () => {
      const keys = P('keys', [v.sid]);
      if (v.expect.plannedError) {
        assert.throws(() => planWrite(v), (err) => err instanceof cs.CallStateError && err.code === v.expect.plannedError);
        return;
      }
      const cmd = planWrite(v);
      for (const [path, run] of [['Lua', runLua], ['WATCH', (c) => runWatch(c, call)]]) {
        // knownGaps: the WATCH decision is known to differ from the Lua there; it must still differ.
        const gap = path === 'WATCH' && Object.hasOwn(knownGaps, v.name);
        let failed = null;
        try { await check(v, cmd, keys, run); } catch (err) { failed = err; }
        if (failed && !gap) throw new Error(`${path}: ${failed.message}`, { cause: failed });
        if (!failed && gap) throw new Error(`${path}: passes: remove ${v.name} from knownGaps in plans.json`);
      }
    });
  }
});
