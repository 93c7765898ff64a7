// Load and correctness under load (issue 6), on the loopback redis-server bench/run.mjs starts:
// N concurrent calls (1 000) × 20 racing operations each — 14 `updateCallState`, 3 fresh
// `saveCallState`, 3 late stale `saveCallState` — with 4 operations of one call in flight at once
// (two webhooks and two retries of a Twilio call racing), bounded in time. Counts:
//
//   lost             acknowledged updates whose effect is missing where it must be present
//   staleOverwrites  writes that rolled a call back: an acknowledged stale save, or a final state
//                    older than an acknowledged write
//   errors           any other failure: a rejection other than the expected STALE_WRITE, a
//                    CONFLICT after retries, a timeout, a REDIS error, a wrongly refused save,
//                    an update applied twice, an update whose fn saw no state
//
// How a lost update can be seen. Every update appends a unique token to the state's `tokens`
// field (an extra field, kept verbatim by the codec); every save starts a new `epoch` with
// `tokens: []`. The updates of one epoch form one chain of compare-and-set writes, so the token
// lists they resolve with (what the store reports as written) must be prefixes of each other,
// and each must hold the update's own token exactly once. The final state's epoch must be the
// latest acknowledged save (saves carry increasing `lastUpdated`, so an older one landing later is
// refused as STALE_WRITE), and every update acknowledged in that epoch must have its token in
// the final state exactly once. A read-modify-write without a working compare-and-set breaks
// the prefix rule at once (two updates resolve with lists of the same length, each missing the
// other's token), so a lost update cannot hide.
//
// Usage: node bench/load.mjs --port P [--calls N] [--backend native|wasm|naive] [--seconds S] [--smoke] [--out FILE]
import { storePackage, connect, hrMs } from './lib/store.mjs';
import { args, emit, round } from './lib/util.mjs';

const opts = args();
if (!opts.port) throw new Error('--port is required (bench/run.mjs starts the redis)');
const smoke = Boolean(opts.smoke);
const CALLS = Number(opts.calls ?? (smoke ? 20 : 1000));
const RACE = 4;
const MIX = { update: 14, save: 3, stale: 3 };
const LIMIT_S = Number(opts.seconds ?? (smoke ? 20 : 120));
const backends = opts.backend ? [opts.backend] : ['native', 'wasm'];

const T0 = Date.parse('2024-03-15T14:00:00.000Z');
const MINUTE = 60_000;

function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 1 | s) + 0x6d2b79f5) >>> 0;
    return s / 4294967296;
  };
}

function baseState(sid, epoch, at) {
  return {
    callSid: sid, stage: 'ASK_ACTION', attemptCount: 0, clientId: 'ABC123', jobNumber: '456',
    jobData: { id: 'rec123abc', jobNumber: '456', status: 'IN_PROGRESS' },
    lastUpdated: new Date(at), language: 'es', epoch, tokens: [],
  };
}

function runBackend(which, redis) {
  return runBackendSized(which, redis, CALLS);
}

async function runBackendSized(which, redis, CALLS) {
  // `naive` is the self-test: the seed's way on the native codec — a blind `SET` for saves and a
  // read-modify-write update with no compare-and-set (get, fn, set). It must show lost updates
  // and stale overwrites; `make test-bench` checks that it does, so the counting cannot go blind.
  const { createCallStateStore, api } = storePackage(which === 'naive' ? 'native' : which);
  let redisErrors = 0;
  let retries = 0;
  const real = createCallStateStore(redis, {
    onRedisError: 'throw', timeoutMs: 20_000,
    onError: () => { redisErrors++; },
    onMetric: (m) => { retries += m.retries ?? 0; },
  });
  const store = which !== 'naive' ? real : {
    async saveCallState(sid, st) { await redis.set(api.generateStateKey(sid), api.serializeCallState(st)); },
    getCallState: (sid) => real.getCallState(sid),
    close: () => real.close(),
    async updateCallState(sid, fn) {
      const next = await fn(await real.getCallState(sid));
      if (next !== undefined) await this.saveCallState(sid, next);
      return next;
    },
  };
  const tag = `${which}${Date.now().toString(36)}`;
  const deadline = hrMs() + LIMIT_S * 1000;
  const c = { lost: 0, staleOverwrites: 0, errors: 0, duplicates: 0, wrongRefusals: 0, fnSawNull: 0, conflicts: 0,
    ops: 0, skipped: 0, updatesAcked: 0, savesAcked: 0, savesRefusedStale: 0, staleRefused: 0, unackedApplied: 0 };
  const errorSamples = [];
  const noteError = (what, e) => {
    c.errors++;
    if (e?.code === 'CONFLICT') c.conflicts++;
    if (errorSamples.length < 5) errorSamples.push(`${what}: ${e?.code ?? ''} ${e?.message ?? e}`);
  };

  async function oneCall(i) {
    const sid = `CAld${tag}x${i}`;
    const rnd = prng(i + 1);
    const ops = [];
    for (const [kind, n] of Object.entries(MIX)) for (let k = 0; k < n; k++) ops.push({ kind, k });
    for (let j = ops.length - 1; j > 0; j--) { const r = (rnd() * (j + 1)) | 0; [ops[j], ops[r]] = [ops[r], ops[j]]; }

    await store.saveCallState(sid, baseState(sid, 'init', T0));
    const updates = []; // { token, epoch, tokens, at }
    const saves = [];   // { k, acked, refused, at }
    const tokensSent = new Set();
    let next = 0;
    async function lane() {
      while (next < ops.length) {
        const op = ops[next++];
        if (hrMs() > deadline) { c.skipped++; continue; }
        c.ops++;
        if (op.kind === 'update') {
          const token = `${i}u${op.k}`;
          tokensSent.add(token);
          try {
            const s = await store.updateCallState(sid, (cur) => {
              if (cur == null) { c.fnSawNull++; return undefined; }
              return { ...cur, tokens: [...cur.tokens, token], lastUpdated: new Date(cur.lastUpdated.getTime() + 1) };
            }, { maxRetries: 50 });
            if (s == null) { noteError('update', new Error('resolved null')); continue; }
            c.updatesAcked++;
            const own = s.tokens.filter((t) => t === token).length;
            if (own !== 1) c.lost++; // the write it reports does not hold its own token exactly once
            updates.push({ token, epoch: s.epoch, tokens: s.tokens, at: s.lastUpdated.getTime() });
          } catch (e) { noteError('update', e); }
        } else if (op.kind === 'save') {
          const at = T0 + (op.k + 1) * MINUTE;
          const rec = { k: op.k, acked: false, refused: false, at };
          saves.push(rec);
          try {
            await store.saveCallState(sid, baseState(sid, `s${op.k}`, at));
            rec.acked = true;
            c.savesAcked++;
          } catch (e) {
            if (e?.code === 'STALE_WRITE') { rec.refused = true; c.savesRefusedStale++; } else noteError('save', e);
          }
        } else {
          try {
            await store.saveCallState(sid, baseState(sid, `stale${op.k}`, T0 - 60 * MINUTE));
            c.staleOverwrites++; // acknowledged although older than what is stored
          } catch (e) {
            if (e?.code === 'STALE_WRITE') c.staleRefused++; else noteError('stale save', e);
          }
        }
      }
    }
    await Promise.all(Array.from({ length: RACE }, lane));

    // --- verification
    const final = await store.getCallState(sid);
    if (final == null) { noteError('final get', new Error('state missing')); return; }
    const acked = saves.filter((s) => s.acked);
    const latest = acked.reduce((m, s) => (m == null || s.k > m.k ? s : m), null);
    const wantEpoch = latest ? `s${latest.k}` : 'init';
    if (final.epoch !== wantEpoch) c.staleOverwrites++;
    for (const s of saves) {
      if (s.refused && !acked.some((a) => a.k > s.k)) c.wrongRefusals++;
    }
    const finalAt = final.lastUpdated.getTime();
    for (const w of [...acked, ...updates]) if (w.at > finalAt) c.staleOverwrites++;
    if (String(final.epoch).startsWith('stale')) c.staleOverwrites++;
    // Chains: per epoch, resolved token lists are prefixes of one another.
    const byEpoch = new Map();
    for (const u of updates) {
      if (!byEpoch.has(u.epoch)) byEpoch.set(u.epoch, []);
      byEpoch.get(u.epoch).push(u.tokens);
    }
    for (const lists of byEpoch.values()) {
      lists.sort((a, b) => a.length - b.length);
      for (let j = 1; j < lists.length; j++) {
        const a = lists[j - 1];
        const b = lists[j];
        if (!a.every((t, x) => b[x] === t)) c.lost++;
      }
    }
    // Final epoch: every update acknowledged in it is present exactly once.
    const seen = new Map();
    for (const t of final.tokens) seen.set(t, (seen.get(t) ?? 0) + 1);
    for (const [t, n] of seen) {
      if (n > 1) c.duplicates += n - 1;
      if (!tokensSent.has(t)) c.errors++; // a token this call never sent: cross-call corruption
    }
    for (const u of updates) {
      if (u.epoch === final.epoch && !seen.has(u.token)) c.lost++;
    }
    const ackedTokens = new Set(updates.map((u) => u.token));
    for (const t of seen.keys()) if (!ackedTokens.has(t)) c.unackedApplied++;
  }

  const t0 = hrMs();
  await Promise.all(Array.from({ length: CALLS }, (_, i) => oneCall(i).catch((e) => noteError('call', e))));
  const seconds = (hrMs() - t0) / 1000;
  await store.close();
  c.errors += c.wrongRefusals + c.duplicates + c.fnSawNull;
  return {
    calls: CALLS, opsPerCall: MIX.update + MIX.save + MIX.stale, racingPerCall: RACE, ...c,
    storeRetries: retries, redisErrorHooks: redisErrors, seconds: round(seconds, 2),
    opsPerSec: round(c.ops / seconds, 0), timeLimitSeconds: LIMIT_S, completed: c.skipped === 0, errorSamples,
  };
}

const redis = connect(opts.port);
await redis.ping();
const out = { backends: {} };
// The self-test first: the naive read-modify-write must be caught (lost > 0, stale > 0).
if (!opts.backend) {
  const naive = await runBackendSized('naive', redis, Math.min(CALLS, 100));
  out.selfTest = {
    backend: 'naive (blind SET, read-modify-write without compare-and-set)', calls: naive.calls,
    lost: naive.lost, staleOverwrites: naive.staleOverwrites, detects: naive.lost > 0 && naive.staleOverwrites > 0,
  };
  process.stderr.write(`load self-test (naive store): lost ${naive.lost}, stale ${naive.staleOverwrites} — ${out.selfTest.detects ? 'detected' : 'NOT DETECTED'}\n`);
}
for (const which of backends) {
  out.backends[which] = await runBackend(which, redis);
  const b = out.backends[which];
  process.stderr.write(`load ${which}: ${b.ops} ops in ${b.seconds}s, lost ${b.lost}, stale ${b.staleOverwrites}, errors ${b.errors}${b.errorSamples.length ? ` (${b.errorSamples[0]})` : ''}\n`);
}
const sum = (k) => Object.values(out.backends).reduce((a, b) => a + b[k], 0);
out.load = {
  lost: sum('lost'), staleOverwrites: sum('staleOverwrites'), errors: sum('errors'),
  calls: CALLS, backends: Object.keys(out.backends), completed: Object.values(out.backends).every((b) => b.completed),
};
await redis.quit();
emit(opts, out);
