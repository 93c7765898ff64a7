// The Lua scripts and the WATCH fallback agree on every argv the fallback accepts (found by the
// fault-path audit of fc3e059): plan-made EVALSHA argvs, mutated one to three arguments at a time;
// those Scripted::from_command accepts run through the real Lua and through the WATCH fallback on
// copies of the same keys, and the replies, values, write ids, end markers and TTLs must match.
// REDIS_PORT=<port> node --test this file (N=<argvs>, default 4000).
// Not differences: a Lua ERR where the fallback answers but leaves the same keys (the store fails
// the method on an EXEC error element either way), and a restore whose TTL is a few ms (it runs out
// between the fallback's round trips and the snapshot).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cs, require } from './backend.mjs';
import { runWatch as watchRun } from './fallback.mjs';
const Redis = require('ioredis');
const { plan } = cs[Symbol.for('callstate.internals')];
const codec = new cs.CallStateCodec();
const P = (op, args) => JSON.parse(plan(codec, op, args));
const redis = new Redis({ port: Number(process.env.REDIS_PORT), host: '127.0.0.1', maxRetriesPerRequest: 0 });
after(() => redis.quit());
const call = (argv) => redis.call(argv[0], ...argv.slice(1)).catch((e) => e);
const st = (sid, lu = '2024-03-15T14:30:22.000Z') => JSON.stringify({ callSid: sid, stage: 'ASK_ACTION', attemptCount: 0, lastUpdated: lu, language: 'es' });
const SID = 'CAf';
const base = [];
const seedSave = P('save', [SID, st(SID), 'w0']).command;
const WRITE_SHA = seedSave[1];
base.push(seedSave);
base.push(P('save', [SID, st(SID, '2024-03-15T14:30:21.000Z'), 'w1']).command);
base.push(P('end', [SID, '60', 'w3']).command);
base.push(P('delete', [SID, 'w4']).command);
base.push(P('extend', [SID, '60']).command);
const rs = P('restore', [JSON.stringify({ key: `call_state:${SID}`, pttlMs: 50000, atMs: Date.now(), value: P('save', [SID, st(SID), 'w0']).state ?? st(SID) }), String(Date.now()), '0']);
assert.ok(rs.set, JSON.stringify(rs));
base.push(rs.set.guarded.command);
let rnd = 12345; const r = (n) => { rnd = (Math.imul(rnd, 1103515245) + 12345) & 0x7fffffff; return (rnd >>> 8) % n; };
const pick = (a) => a[r(a.length)];
const keysOf = (sid) => [`call_state:${sid}`, `call_state:${sid}:ids`, `call_state:${sid}:end`];
async function setup(sid, stored, ids, ended) {
  const [k, i, e] = keysOf(sid);
  await redis.del(k, i, e);
  if (stored != null) await redis.set(k, stored, 'EX', 500);
  if (ids != null) await redis.set(i, ids, 'EX', 400);
  if (ended) await redis.set(e, '1', 'EX', 300);
}
async function snap(sid) {
  const [k, i, e] = keysOf(sid);
  return { v: await redis.get(k), ids: await redis.get(i), end: await redis.get(e), t: [await redis.ttl(k), await redis.ttl(i), await redis.ttl(e)] };
}
const storedVals = ['{"schemaVersion":3,"rev":101,"lastUpdated":"2024-03-15T14:30:23.000Z","x":1}', '{"schemaVersion":3,"rev":7,"lastUpdated":"bad","x":1}', '{"schemaVersion":3,"rev":9007199254740991,"lastUpdated":"2024-03-15T14:30:22.000Z"}', null, '{"schemaVersion":3,"rev":7,"lastUpdated":"2024-03-15T14:30:22.000Z","x":1}', '{"schemaVersion":3,"rev":0,"a":1}', 'x', ''];
const mut = {
  6: ['save', 'cas', 'end', 'del'],
  7: ['', ',"lastUpdated":"2024-03-15T14:30:22.000Z","y":2}'],
  8: ['', '2024-03-15T14:30:23.000Z', '2024-03-15T14:30:21.000Z'],
  9: ['0', '1', 'k0', 'k5', '600', 'k600', '4294967295'],
  10: ['w0', 'w9', 'w1'],
  11: ['', 'r0', 'r7', 'r101', 'v', 'vx', 'v{"schemaVersion":3,"rev":0,"a":1}', 'vr7', 'r9007199254740991', 'v{"schemaVersion":3,"rev":7,"lastUpdated":"2024-03-15T14:30:22.000Z","x":1}'],
};
test('the Lua scripts and the WATCH fallback agree on every argv the fallback accepts', async () => {
  let accepted = 0;
  const diffs = [];
  const seen = new Set();
  for (let n = 0; n < Number(process.env.N ?? 4000) && diffs.length < 15; n++) {
    const cmd = [...pick(base)];
    const nm = 1 + r(3);
    for (let j = 0; j < nm; j++) {
      const idx = 6 + r(cmd.length - 6);
      const opts = cmd[1] === WRITE_SHA ? mut[idx] : ['0', '-1', '1', '60', '5', '', '7200', '99999999999', 'x', '{"schemaVersion":3,"rev":1}'];
      cmd[idx] = pick(opts);
    }
    try { P('fallbackReads', [JSON.stringify(cmd)]); } catch { continue; }
    accepted++;
    const stored = pick(storedVals), ids = pick([null, '100:1 w0 ', ':1 w0 ', 'junk w9 ', '5:1 w1 ']), ended = r(4) === 0;
    const out = {};
    for (const how of ['lua', 'watch']) {
      const sid = how === 'lua' ? 'CAl' : 'CAw';
      const c = cmd.map((a) => a.replaceAll(`call_state:${SID}`, `call_state:${sid}`));
      await setup(sid, stored, ids, ended);
      let reply;
      if (how === 'lua') reply = await call(P('evalFallback', [JSON.stringify(c)]));
      else { try { reply = await watchRun(P, { command: c }, call); } catch (e) { reply = e; } }
      const s = await snap(sid);
      const norm = (x) => JSON.stringify(x, (k, v) => (v instanceof Error ? 'ERR' : v)).replaceAll('CAl', 'CA').replaceAll('CAw', 'CA');
      out[how] = { reply: norm(reply), v: s.v, ids: s.ids, end: s.end, t: s.t };
    }
    const a = out.lua, b = out.watch;
    const ttlOk = a.t.every((t, i) => Math.abs(t - b.t[i]) <= 1);
    // rev from TIME differs between runs where ids know no last rev
    const strip = (x) => x?.replace(/\d{13,}/g, 'REV') ?? x;
    if (strip(a.reply) !== strip(b.reply) || strip(a.v) !== strip(b.v) || strip(a.ids) !== strip(b.ids) || a.end !== b.end || !ttlOk) {
      const sameKeys = strip(a.v) === strip(b.v) && strip(a.ids) === strip(b.ids) && a.end === b.end && ttlOk;
      if (sameKeys && a.reply === '"ERR"') continue;
      const restore = rs.set.guarded.command[1];
      if (cmd[1] === restore && Number(cmd[7]) < 1000) continue;
      const key = cmd.slice(6).join('|') + stored;
      if (seen.has(key)) continue; seen.add(key);
      diffs.push({ args: cmd.slice(6), sha: cmd[1].slice(0, 6), stored, ids, ended, lua: a, watch: b });
    }
  }
  assert.ok(accepted > 500, `only ${accepted} argvs accepted`);
  assert.deepEqual(diffs, []);
});
