// One failover cell (issue 12, "Durability across failover"): several stores on several Cluster
// clients of one kind race `updateCallState` on many calls of a 3-master × 1-replica cluster while
// masters fail over three times; every update appends a unique token to the call's `tokens`, so the
// final states say which updates landed (and whether one landed twice).
//
// Counting (as bindings/js/test/store-resilience.test.mjs's kill -9 test):
//   acked         an update that resolved: its token must be in the call's final state
//   lost          an acked token missing from the final state
//   unknown       an update that rejected (any code): its outcome is unknown, so a missing token is
//                 not lost; a token found in the final state is counted as "landed" (information)
//   twice         a token (acked or unknown) found more than once in its call's final state
//   late          an update that settled later than the store's timeoutMs + 50 ms after it started
//                 (printed with the worst lateness and this process's worst event-loop delay, since
//                 a timer cannot fire while the loop is blocked)
//   errors        rejections by code; REDIS ones also by message (digits and addresses blanked)
import { createRequire } from 'node:module';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const Redis = require('ioredis');
const { createCluster } = require('redis');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const LATE_SLACK_MS = 50;

/** The package under test (CALLSTATE_BACKEND=wasm for the WASM one). */
export function loadPackage(backend = process.env.CALLSTATE_BACKEND ?? 'native') {
  const root = process.env.CALLSTATE_PKG_ROOT ?? new URL('../../bindings/', import.meta.url).pathname;
  return require(`${root.replace(/\/$/, '')}/${backend === 'wasm' ? 'wasm' : 'node'}`);
}

/** A Cluster client of `kind` on the cluster `c` (tests/support/cluster.mjs), connected. */
export async function makeClient(kind, c) {
  if (kind === 'ioredis') {
    const client = new Redis.Cluster(c.rootNodes, {
      // a refused connection to a dead master: look the slots up again soon, not after 5 s
      slotsRefreshTimeout: 1000,
      redisOptions: { connectTimeout: 1000 },
    });
    client.on('error', () => {});
    client.on('node error', () => {});
    await client.ping();
    return { client, close: () => client.disconnect() };
  }
  const client = createCluster({
    rootNodes: c.urls.map((url) => ({ url })),
    defaults: { socket: { connectTimeout: 1000, reconnectStrategy: (n) => Math.min(50 * (n + 1), 500) } },
  });
  client.on('error', () => {});
  await client.connect();
  return { client, close: () => client.destroy() };
}

const category = (e) => {
  const code = e?.code ?? (e instanceof Error ? e.name : typeof e);
  if (code !== 'REDIS') return String(code);
  const m = String(e.message)
    .replace(/\d+\.\d+\.\d+\.\d+:\d+/g, 'ADDR').replace(/\d+/g, 'N').replace(/\s+/g, ' ');
  return `REDIS ${m.slice(0, 90)}`;
};

/**
 * Runs one cell. `fault(ctx)` is awaited while the load runs (it kills/fails over masters); when it
 * returns, the load stops after `tailMs`. Returns the counters.
 * opts: { kind, c, durability, calls, clients, storesPerClient, workers, periodMs, timeoutMs, prefix }
 */
export async function runCell(opts, fault) {
  const { CallStateCodec, createCallStateStore } = loadPackage();
  const codec = new CallStateCodec({ hashTag: true });
  const base = { codec, onRedisError: 'throw', timeoutMs: opts.timeoutMs };
  const clients = [];
  for (let i = 0; i < opts.clients; i++) clients.push(await makeClient(opts.kind, opts.c));
  const stores = clients.flatMap(({ client }) => Array.from({ length: opts.storesPerClient },
    () => createCallStateStore(client, opts.durability ? { ...base, durability: opts.durability } : base)));
  const sids = Array.from({ length: opts.calls }, (_, i) => `CA${opts.prefix}${String(i).padStart(4, '0')}`);

  // Seed every call (no fault yet; retried in case the cluster is still settling).
  for (const sid of sids) {
    for (let attempt = 0; ; attempt++) {
      try {
        await stores[0].saveCallState(sid, { callSid: sid, stage: 'ASK_ACTION', attemptCount: 0,
          lastUpdated: new Date(), language: 'es', tokens: [] });
        break;
      } catch (e) { if (attempt >= 40) throw e; await sleep(100); }
    }
  }

  const ops = []; // { sid, token, t0, t1, ok, err }
  let running = true;
  const worker = async (store, name) => {
    for (let i = 0; running; i++) {
      const sid = sids[Math.floor(Math.random() * sids.length)];
      const token = `${name}.${i}`;
      const op = { sid, token, t0: performance.now(), t1: 0, ok: false, err: null, noState: false };
      ops.push(op);
      try {
        const s = await store.updateCallState(sid, (st) => st && ({ ...st, tokens: [...st.tokens, token],
          lastUpdated: new Date() }), { maxRetries: 50 });
        op.ok = true;
        if (!s) op.noState = true; // fn saw no state: nothing written
      } catch (e) { op.err = e; }
      op.t1 = performance.now();
      const wait = opts.periodMs - (op.t1 - op.t0);
      await sleep(wait > 0 ? wait : 0);
    }
  };
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const t0 = performance.now();
  const load = stores.flatMap((store, si) => Array.from({ length: opts.workers }, (_, w) => worker(store, `s${si}w${w}`)));
  let faultLog;
  try {
    faultLog = await fault();
  } finally {
    running = false;
    await Promise.all(load);
  }
  const loadSeconds = (performance.now() - t0) / 1000;
  loop.disable();
  await sleep(300); // a write already sent may still land: let it, before reading

  // Final states, from a fresh client once the cluster is whole again.
  await opts.c.waitOk(30_000);
  const reader = await makeClient('ioredis', opts.c);
  const readStore = createCallStateStore(reader.client, { ...base, timeoutMs: 10_000 });
  const final = new Map();
  for (const sid of sids) {
    const s = await readStore.getCallState(sid);
    const counts = new Map();
    for (const t of s?.tokens ?? []) counts.set(t, (counts.get(t) ?? 0) + 1);
    final.set(sid, { present: !!s, counts });
  }
  await readStore.close();
  reader.close();
  await Promise.all(stores.map((s) => s.close()));
  await Promise.all(clients.map((x) => x.close()));

  const r = { acked: 0, lost: 0, lostTokens: [], unknown: 0, landed: 0, twice: 0, late: 0, worstLateMs: 0, noState: 0,
    loopMaxMs: Math.round(loop.max / 1e6), loopP99Ms: Math.round(loop.percentile(99) / 1e6),
    missingCalls: [...final].filter(([, f]) => !f.present).length, errors: {}, ops: ops.length, loadSeconds, faultLog };
  const limit = opts.timeoutMs + LATE_SLACK_MS;
  for (const op of ops) {
    const n = final.get(op.sid).counts.get(op.token) ?? 0;
    if (n > 1) r.twice++;
    if (op.t1 - op.t0 > limit) { r.late++; r.worstLateMs = Math.max(r.worstLateMs, Math.round(op.t1 - op.t0)); }
    if (op.ok) {
      if (op.noState) { r.noState++; continue; }
      r.acked++;
      if (n === 0) { r.lost++; if (r.lostTokens.length < 10) r.lostTokens.push(`${op.sid}:${op.token}@${((op.t1 - t0) / 1000).toFixed(2)}s`); }
    } else {
      r.unknown++;
      if (n > 0) r.landed++;
      const k = category(op.err);
      const e = (r.errors[k] ??= { n: 0, maxMs: 0 });
      e.n++;
      e.maxMs = Math.max(e.maxMs, Math.round(op.t1 - op.t0));
    }
  }
  return r;
}
