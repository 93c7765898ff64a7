// Store vs raw client (issue 6), on the loopback redis-server that bench/run.mjs starts:
//   latency      save+get pairs one at a time (the first 500 of each not kept: warm-up): the store (`saveCallState` + `getCallState`) vs the
//                seed's own code on the same ioredis client (`SETEX` of the seed's JSON, `GET` +
//                the seed's parse) — p50, p99 in µs; blocks of the two interleaved. Also bare
//                `SET`/`GET` of a ready string, the network floor.
//   throughput   the same pairs with 50 in flight, for a fixed time per round, rounds alternated.
//   update       `updateCallState` on 50 concurrent calls (one chain of updates each) vs the
//                seed's save (`SETEX`) on 50 concurrent calls: operations per second.
//   compression  save+get p50 of 8, 32 and 128 KB states, plain vs a codec with compression on.
//   scriptCost   the write script per path (create, save, saveFull, cas, dup, conflict, delete):
//                INFO commandstats usec_per_call of EVALSHA and the one-at-a-time round trip
//                (bench/lib/script-cost.mjs); `store.scriptUsecPerCall` in latest.json.
// Each backend (native, wasm) is measured; the headline figures are the native package's.
//
// Usage: node bench/store.mjs --port P [--backend native|wasm] [--smoke] [--out FILE]
// Without --backend, each backend runs in a child process of its own.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sampleState, stateOfSize } from './lib/states.mjs';
import { seedStore } from './lib/seed.mjs';
import { serializeCallState } from './lib/seed.mjs';
import { storePackage, connect, hrMs } from './lib/store.mjs';
import { COMPRESSION } from './lib/variants.mjs';
import { scriptCost } from './lib/script-cost.mjs';
import { args, emit, median, quantile, round } from './lib/util.mjs';

const opts = args();
if (!opts.port) throw new Error('--port is required (bench/run.mjs starts the redis)');
const smoke = Boolean(opts.smoke);
const P = smoke
  ? { pairs: 40, warmupPairs: 10, block: 10, seconds: 0.15, rounds: 1, concurrency: 50, sizes: [['8KB', 8192]], sizeIters: 3 }
  : { pairs: 4000, warmupPairs: 500, block: 100, seconds: 1.5, rounds: 3, concurrency: 50, sizes: [['8KB', 8192], ['32KB', 32768], ['128KB', 131072]], sizeIters: 60 };

const redis = connect(opts.port);
await redis.ping();
const seed = seedStore(redis);
const bare = {
  async saveCallState(sid, _state, text) { await redis.set(`bare:${sid}`, text, 'EX', 600); },
  async getCallState(sid) { return redis.get(`bare:${sid}`); },
};
// Calls of their own per implementation: the seed's code writes the same `call_state:` keys, and
// a seed-written value (no `rev` prefix) sends the store's next save down its read-and-compare
// path (three round trips) — a mix no real deployment has.
const sidsOf = (impl) => Array.from({ length: 100 }, (_, i) => `CAbench${impl}${i}`);

async function latency(impls, state) {
  const text = serializeCallState(state);
  const samples = Object.fromEntries(Object.keys(impls).map((k) => [k, []]));
  const sids = Object.fromEntries(Object.keys(impls).map((k) => [k, sidsOf(k)]));
  // The first P.warmupPairs pairs of each implementation run exactly as the measured ones
  // (interleaved blocks) but are not kept: the JIT's first tiers, the connection's first
  // buffers and the script cache would otherwise sit in the p99 (issue 15).
  for (let done = -P.warmupPairs; done < P.pairs; done += P.block) {
    for (const [k, impl] of Object.entries(impls)) {
      for (let i = 0; i < P.block; i++) {
        const sid = sids[k][(done + P.warmupPairs + i) % 100];
        const t0 = hrMs();
        await impl.saveCallState(sid, state, text);
        const back = await impl.getCallState(sid);
        if (done >= 0) samples[k].push(hrMs() - t0);
        if (back == null) throw new Error(`${k}: get after save returned nothing`);
      }
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, {
    p50Us: round(quantile(xs, 0.5) * 1000, 1), p99Us: round(quantile(xs, 0.99) * 1000, 1), n: xs.length,
    warmupPairsDropped: P.warmupPairs,
  }]));
}

/** Operations per second of `op(workerIndex)` run by `concurrency` workers for `seconds`. */
async function rate(op, concurrency, seconds) {
  const end = hrMs() + seconds * 1000;
  let count = 0;
  const t0 = hrMs();
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    while (hrMs() < end) {
      await op(w);
      count++;
    }
  }));
  return count / ((hrMs() - t0) / 1000);
}

async function throughput(impls, state) {
  const text = serializeCallState(state);
  const perRound = [];
  for (let r = -1; r < P.rounds; r++) { // round -1: a warm-up, not kept
    const t = {};
    for (const [k, impl] of Object.entries(impls)) {
      const sids = sidsOf(k);
      t[k] = await rate(async (w) => {
        await impl.saveCallState(sids[w], state, text);
        await impl.getCallState(sids[w]);
      }, P.concurrency, P.seconds);
    }
    if (r >= 0) perRound.push(t);
  }
  return Object.fromEntries(Object.keys(impls).map((k) => [k, round(median(perRound.map((t) => t[k])), 0)]));
}

async function updateVsSet(store, state, tag) {
  const sids = Array.from({ length: P.concurrency }, (_, i) => `CAupd${tag}${i}`);
  for (const sid of sids) await store.saveCallState(sid, { ...state, callSid: sid });
  const bump = (s) => ({ ...s, attemptCount: (s.attemptCount + 1) % 1000, lastUpdated: new Date(s.lastUpdated.getTime() + 1) });
  const perRound = [];
  for (let r = -1; r < P.rounds; r++) { // round -1: a warm-up, not kept
    const update = await rate((w) => store.updateCallState(sids[w], bump), P.concurrency, P.seconds);
    const set = await rate((w) => seed.saveCallState(`CAset${w}`, state), P.concurrency, P.seconds);
    if (r >= 0) perRound.push({ update, set, ratio: update / set });
  }
  return {
    updatesPerSec: round(median(perRound.map((x) => x.update)), 0),
    rawSetsPerSec: round(median(perRound.map((x) => x.set)), 0),
    ratio: round(median(perRound.map((x) => x.ratio))),
    ratioPerRound: perRound.map((x) => round(x.ratio)),
  };
}

async function compression(which) {
  const { createCallStateStore, api } = storePackage(which);
  const plain = createCallStateStore(redis, { onRedisError: 'throw' });
  const packed = createCallStateStore(redis, { onRedisError: 'throw', codec: new api.CallStateCodec(COMPRESSION) });
  const rows = [];
  for (const [label, bytes] of P.sizes) {
    const state = stateOfSize(bytes);
    const t = { plain: [], compressed: [] };
    const stored = {};
    for (let i = 0; i < P.sizeIters; i++) {
      for (const [k, s] of [['plain', plain], ['compressed', packed]]) {
        const sid = `CAsize${which}${k}${label.replace('.', '')}`;
        const t0 = hrMs();
        await s.saveCallState(sid, state);
        await s.getCallState(sid);
        t[k].push(hrMs() - t0);
        stored[k] = await redis.strlen(`call_state:${sid}`);
      }
    }
    rows.push({
      label,
      plainP50Us: round(median(t.plain) * 1000, 1),
      compressedP50Us: round(median(t.compressed) * 1000, 1),
      plainStoredBytes: stored.plain,
      compressedStoredBytes: stored.compressed,
    });
  }
  return rows;
}

const state = sampleState();
const out = { redisVersion: (await redis.info('server')).match(/redis_version:(\S+)/)?.[1], backends: {} };
if (!opts.backend) {
  // Each backend in its own process: a crash in one (a signal) is reported, not fatal to the other.
  await redis.quit();
  for (const which of ['native', 'wasm']) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--port', String(opts.port), '--backend', which, ...(smoke ? ['--smoke'] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 16 << 20,
    });
    if (r.status === 0) out.backends[which] = JSON.parse(r.stdout).backends[which];
    else out.backends[which] = { error: r.status === null ? `signal ${r.signal}` : `exit ${r.status}` };
  }
  const n = out.backends.native;
  out.store = n?.error ? null : {
    saveGetOverhead: n.saveGetOverhead, updateThroughputRatio: n.update.ratio,
    scriptUsecPerCall: Object.fromEntries(Object.entries(n.scriptCost).map(([k, v]) => [k, v.usecPerCall])),
  };
  out.errors = Object.fromEntries(Object.entries(out.backends).filter(([, b]) => b.error).map(([k, b]) => [k, b.error]));
  emit(opts, out);
  process.exit(Object.keys(out.errors).length ? 1 : 0);
}
for (const which of [opts.backend]) {
  const { createCallStateStore, api } = storePackage(which);
  const store = createCallStateStore(redis, { onRedisError: 'throw' });
  const impls = { store, seed, bare };
  const lat = await latency(impls, state);
  const thr = await throughput(impls, state);
  const upd = await updateVsSet(store, state, `${which}${Date.now().toString(36)}`);
  out.backends[which] = {
    latency: lat,
    throughputPairsPerSec: thr,
    saveGetOverhead: round(lat.store.p50Us / lat.seed.p50Us),
    saveGetOverheadP99: round(lat.store.p99Us / lat.seed.p99Us),
    throughputRatio: round(thr.store / thr.seed),
    update: upd,
    compression: await compression(which),
    scriptCost: await scriptCost(redis, api, { n: smoke ? 20 : 1000, tag: `sc${which}` }),
  };
  await store.close();
  process.stderr.write(`store ${which}: overhead p50 ${out.backends[which].saveGetOverhead}x, update/SET ${upd.ratio}\n`);
}
await redis.quit();
emit(opts, out);
