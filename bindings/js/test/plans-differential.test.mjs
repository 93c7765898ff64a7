// The write script's Lua and the core's WATCH/MULTI decision (callstate::fallback, Rust) held to
// the same answers on a real redis-server: random starting states (absent, current, rev 0, a
// seed-written value, ended, a write id already applied, TTLs long and short) × every write kind
// (save, cas, end, del, upgrade) × extend and keep-TTL, each run once by EVALSHA on one set of
// keys and once by the planned WATCH/MULTI on an identical copy. Replies and the resulting keys
// (values, TTLs, write ids, end marker) must agree; `rev` is compared by what it must be (kept,
// or strictly larger than before), since both derive it from the server's TIME.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { runWatch as watchRun } from './fallback.mjs';

const require = createRequire(import.meta.url);
const backend = process.env.CALLSTATE_BACKEND ?? 'native';
const cs = require(backend === 'wasm' ? '../../wasm' : '../../node');
const Redis = require('ioredis');
const PORT = Number(process.env.REDIS_PORT);
const { plan } = cs[Symbol.for('callstate.internals')];

// A small deterministic PRNG (mulberry32), so a failure names its seed.
const rng = (seed) => () => {
  seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const codec = new cs.CallStateCodec();
const P = (op, args) => JSON.parse(plan(codec, op, args));
const iso = (m) => new Date(Date.UTC(2024, 2, 15, 14, m)).toISOString();
const stateJson = (sid, m, extra = {}) => JSON.stringify({ lastUpdated: iso(m), callSid: sid, stage: 'ASK_ACTION',
  attemptCount: m, language: 'es', ...extra });

test(`the Lua write script and the WATCH/MULTI plan agree (${backend})`, async () => {
  const redis = new Redis({ port: PORT, host: '127.0.0.1' });
  const call = (argv) => redis.call(argv[0], ...argv.slice(1)).catch((e) => e);
  const snapshot = async (key) => {
    const [value, ttl, idsValue, idsTtl, end, endTtl] = await Promise.all([call(['GET', key]), call(['TTL', key]),
      call(['GET', `${key}:ids`]), call(['TTL', `${key}:ids`]), call(['GET', `${key}:end`]), call(['TTL', `${key}:end`])]);
    const rev = value == null ? null : /"rev":(\d+),/.exec(value)?.[1] ?? null;
    // The write ids string's head keeps the last rev handed out: the stored rev, when there is one.
    const head = idsValue == null ? null : /^(\d*):/.exec(idsValue)?.[1];
    if (rev != null && head && head !== '' && BigInt(head) < BigInt(rev)) throw new Error(`ids keep rev ${head} below the stored ${rev}`);
    const ids = idsValue?.replace(/^\d+:/, 'N:') ?? null;
    // TTLs are compared to the second they were set with: round away the second that may pass.
    const t = (n) => (n > 0 ? Math.round(n / 10) * 10 : n);
    return { body: value && value.replace(/"rev":\d+,/, '"rev":N,'), rev, ttl: t(ttl), ids, idsTtl: t(idsTtl), end, endTtl: t(endTtl) };
  };
  const runWatch = (planned) => watchRun(P, planned, call);
  const runLua = async ({ command: cmd }) => {
    const r = await call(cmd);
    if (r instanceof Error && /NOSCRIPT/.test(r.message)) return call(P('evalFallback', [JSON.stringify(cmd)]));
    return r;
  };
  let cases = 0;
  for (let seed = 1; seed <= 300; seed++) {
    const r = rng(seed);
    const pick = (xs) => xs[Math.floor(r() * xs.length)];
    const sid = `CAdiff${backend}${seed}`;
    const keys = [`call_state:${sid}`, `call_state:${sid}x`]; // one per path (same sid rules)
    const sids = [sid, `${sid}x`];
    const stored = pick(['absent', 'current', 'rev0', 'seed', 'current', 'current']);
    const ttl = pick([100, 300, 3600, -1]);
    const ended = r() < 0.15;
    const applied = r() < 0.15;
    const keepsRev = r() < 0.7;
    const writeId = `w${seed}`;
    const m = 10 + Math.floor(r() * 5); // stored lastUpdated minute
    const kind = pick(['save', 'save', 'cas', 'cas', 'casStale', 'end', 'del', 'extend', 'upgrade']);
    const nextM = m + pick([-1, 0, 1, 2]);
    const keep = String(pick([60, 300, 7200]));
    const add = String(pick([50, 1000, 9000]));
    const results = [];
    for (let k = 0; k < 2; k++) {
      const key = keys[k]; const s = sids[k];
      await call(['DEL', key, `${key}:ids`, `${key}:end`]);
      let value = null;
      if (stored === 'current') value = `{"schemaVersion":3,"rev":${1_700_000_000_000_000 + seed},${stateJson(s, m).slice(1)}`;
      if (stored === 'rev0') value = `{"schemaVersion":3,"rev":0,${stateJson(s, m).slice(1)}`;
      if (stored === 'seed') value = JSON.stringify({ callSid: s, stage: 'ASK_ACTION', attemptCount: m, lastUpdated: iso(m), language: 'es' });
      if (value) await call(ttl > 0 ? ['SET', key, value, 'EX', String(ttl)] : ['SET', key, value]);
      // The write ids string (src/plan/ids.rs), keeping the stored rev (or none: TIME decides).
      const idsRev = keepsRev && value ? (/"rev":(\d+),/.exec(value)?.[1] ?? '') : '';
      const idList = ['w-old', ...(applied ? [writeId] : [])];
      await call(['SET', `${key}:ids`, `${idsRev}:${idList.length} ${idList.map((i) => `${i} `).join('')}`, 'EX', String(ttl > 0 ? ttl : 3600)]);
      if (ended) await call(['SET', `${key}:end`, '1', 'EX', '200']);
      let cmd;
      if (kind === 'save') cmd = P('save', [s, stateJson(s, nextM), writeId]);
      else if (kind === 'cas' || kind === 'casStale') {
        const prev = kind === 'cas' ? value : (value ?? stateJson(s, 1)).replace(/"attemptCount":\d+/, '"attemptCount":99');
        try { cmd = P('update', [s, prev, stateJson(s, Math.max(nextM, m)), writeId]); } catch (e) { results.push({ planned: e.code }); continue; }
      } else if (kind === 'end') cmd = P('end', [s, keep, writeId]);
      else if (kind === 'del') cmd = P('delete', [s, writeId]);
      else if (kind === 'extend') cmd = P('extend', [s, add]);
      else if (kind === 'upgrade') {
        if (!value) { results.push({ planned: 'none' }); continue; }
        try { cmd = P('upgrade', [s, value, stateJson(s, Math.max(nextM, m)), writeId]); } catch (e) { results.push({ planned: e.code }); continue; }
      }
      const reply = k === 0 ? await runLua(cmd) : await runWatch(cmd);
      if (reply instanceof Error) throw new Error(`seed ${seed} ${kind}: ${reply.message}`);
      const after = await snapshot(key);
      const prevRev = value == null ? null : /"rev":(\d+),/.exec(value)?.[1] ?? null;
      results.push({
        reply: Array.isArray(reply) ? [reply[0], reply[0] === 'OK' ? 'rev' : reply[1]?.replaceAll(`${sid}x`, sid) ?? null] : reply,
        revOk: after.rev == null || after.rev === prevRev || BigInt(after.rev) > BigInt(prevRev ?? 0),
        ...after, body: after.body?.replaceAll(`${sid}x`, sid) ?? null, rev: undefined,
      });
    }
    cases++;
    assert.deepEqual(results[1], results[0], `seed ${seed}: ${kind} over ${stored}${ended ? ', ended' : ''}${applied ? ', id applied' : ''}, ttl ${ttl}: WATCH differs from Lua`);
    assert.ok(results[0].revOk !== false, `seed ${seed}: rev went backwards`);
  }
  assert.equal(cases, 300);
  redis.disconnect();
});
