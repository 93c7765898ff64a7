// What the write script costs on the server, per path (issue 15): each path's EVALSHA commands,
// planned by the core, sent one at a time (a `redis-cli --latency`-style loop: the client-side
// round trip, p50), with `CONFIG RESETSTAT` before and `INFO commandstats` after, whose
// `cmdstat_evalsha` `usec_per_call` is the script's own time on the server.
//
//   create      a save on a call with no keys (the only path that reads TIME)
//   save        a save over the call's state, few write ids kept
//   saveFull    the same with 128 write ids kept (the oldest falls out on every write)
//   cas         an update (compare-and-set on the rev) over the state read
//   dup         the same write resent (answered DUP, the ids key touched)
//   conflict    an update planned from an older read (answered CONFLICT)
//   delete      a delete of the state
//
// `script` (optional): another write script's text to run with the same arguments (its
// EVALSHA in place of the planned one), to compare two versions on one server.

import { createHash } from 'node:crypto';
import { hrMs } from './store.mjs';
import { quantile, round } from './util.mjs';

const stateJson = (sid, n, minute = 30) => JSON.stringify({
  lastUpdated: new Date(Date.UTC(2024, 2, 15, 14, minute, 0, n % 1000)).toISOString(),
  callSid: sid, stage: 'ASK_ACTION', attemptCount: n % 1000, language: 'es',
});

/** `{ path: { usecPerCall, rttP50Us, n } }` for the write script on `redis` (ioredis). */
export async function scriptCost(redis, api, { n = 500, tag = 'sc', script } = {}) {
  const { plan } = api[Symbol.for('callstate.internals')];
  const codec = new api.CallStateCodec();
  const P = (op, args) => JSON.parse(plan(codec, op, args));
  let sha = null;
  if (script) {
    sha = createHash('sha1').update(script).digest('hex');
    await redis.call('SCRIPT', 'LOAD', script);
  }
  const send = async (cmd) => {
    const argv = sha ? ['EVALSHA', sha, ...cmd.slice(2)] : cmd;
    try { return await redis.call(...argv); } catch (e) {
      if (!/NOSCRIPT/.test(e.message)) throw e;
      return redis.call(...P('evalFallback', [JSON.stringify(cmd)]));
    }
  };
  // Write ids as the store makes them (16 base-36 digits).
  const wid = () => Math.random().toString(36).slice(2, 10).padEnd(8, '0') + Math.random().toString(36).slice(2, 10).padEnd(8, '0');
  const sids = (name) => Array.from({ length: n }, (_, i) => `CA${tag}${name}${i}`);
  const clear = async (list) => {
    for (let i = 0; i < list.length; i += 100) {
      const keys = list.slice(i, i + 100).flatMap((sid) => { const k = P('keys', [sid]); return [k.key, k.ids, k.end]; });
      await redis.del(...keys);
    }
  };
  /** Runs `cmds` one at a time between RESETSTAT and INFO; checks each reply's status. */
  const measure = async (cmds, status) => {
    await redis.call('CONFIG', 'RESETSTAT');
    const rtt = [];
    for (const cmd of cmds) {
      const t0 = hrMs();
      const r = await send(cmd);
      rtt.push(hrMs() - t0);
      if (r[0] !== status) throw new Error(`script cost: ${r[0]}, want ${status}`);
    }
    const info = await redis.info('commandstats');
    const usec = Number(info.match(/cmdstat_evalsha:[^\r\n]*usec_per_call=([\d.]+)/)?.[1]);
    return { usecPerCall: round(usec, 2), rttP50Us: round(quantile(rtt, 0.5) * 1000, 1), n: rtt.length };
  };
  const out = {};
  const fresh = sids('c');
  await clear(fresh);
  const creates = fresh.map((sid, i) => P('save', [sid, stateJson(sid, i), wid()]).command);
  // The script cached before any stats are taken (no NOSCRIPT inside a measure).
  if (!script) await redis.call('SCRIPT', 'LOAD', P('evalFallback', [JSON.stringify(creates[0])])[1]);
  // create: fresh calls (no keys).
  out.create = await measure(creates, 'OK');
  // save over the state, few ids (the calls just created hold one).
  const saves = fresh.map((sid, i) => P('save', [sid, stateJson(sid, i, 31), wid()]).command);
  out.save = await measure(saves, 'OK');
  // dup: the same saves resent.
  out.dup = await measure(saves, 'DUP');
  // cas on the rev of the state read.
  const cas = [];
  for (const [i, sid] of fresh.entries()) {
    const stored = await redis.get(P('keys', [sid]).key);
    cas.push(P('update', [sid, stored, stateJson(sid, i, 32), wid()]).command);
  }
  out.cas = await measure(cas, 'OK');
  // conflict: planned from the value the cas above replaced.
  const stale = [];
  for (const [i, sid] of fresh.entries()) {
    const prev = `{"schemaVersion":3,"rev":1,${stateJson(sid, i, 31).slice(1)}`;
    stale.push(P('update', [sid, prev, stateJson(sid, i, 33), wid()]).command);
  }
  out.conflict = await measure(stale, 'CONFLICT');
  // saveFull: 128 ids kept (130 writes first), then one more save each.
  const full = fresh.slice(0, Math.min(n, 100));
  for (const [i, sid] of full.entries()) {
    for (let k = 0; k < 130; k++) await send(P('save', [sid, stateJson(sid, i, 34), wid()]).command);
  }
  out.saveFull = await measure(full.map((sid, i) => P('save', [sid, stateJson(sid, i, 35), wid()]).command), 'OK');
  // delete.
  out.delete = await measure(fresh.map((sid) => P('delete', [sid, wid()]).command), 'OK');
  await clear(fresh);
  return out;
}
