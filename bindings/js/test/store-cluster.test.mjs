// The store suite on a real 3-master Cluster, on ioredis Cluster and node-redis Cluster, in script
// mode and in the no-Lua mode (an ACL user without @scripting on every node: WATCH/MULTI on the
// slot master's own connection). The file starts its own cluster (tests/support/cluster.mjs).
//   CALLSTATE_BACKEND=native|wasm   the core (default native)
//   CALLSTATE_SERVER=redis|valkey   redis-server 7 or valkey-server 8 (default redis)
// Server state is checked with the cluster-aware cli (`redis-cli -c`, or `valkey-cli -c`).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startCluster, keySlot } from '../../../tests/support/cluster.mjs';

const require = createRequire(import.meta.url);
const backend = process.env.CALLSTATE_BACKEND ?? 'native';
const serverKind = process.env.CALLSTATE_SERVER ?? 'redis';
const cs = require(backend === 'wasm' ? '../../wasm' : '../../node');
const { createCallStateStore, CallStateCodec, CallStateError } = cs;
const Redis = require('ioredis');
const { createCluster } = require('redis');

const codec = new CallStateCodec({ hashTag: true });
const keyOf = (id) => codec.generateStateKey(id);

let cluster; // tests/support/cluster.mjs handle
const ccli = (...args) => cluster.ccli(...args);

/** Cluster clients, as a user builds them. `auth`: { username, password } or {}. */
const clients = {
  ioredis: async (auth = {}) => {
    const c = new Redis.Cluster(cluster.rootNodes, { redisOptions: { ...auth } });
    c.on('error', () => {});
    if (c.status !== 'ready') await new Promise((resolve, reject) => { c.once('ready', resolve); c.once('end', () => reject(new Error('cluster ended'))); });
    return c;
  },
  'node-redis': async (auth = {}) => {
    const c = createCluster({ rootNodes: cluster.urls.map((url) => ({ url })), defaults: { ...auth } });
    c.on('error', () => {});
    await c.connect();
    return c;
  },
};
const closeClient = async (c) => {
  if (typeof c.quit === 'function' && c.isCluster) return c.quit().catch(() => c.disconnect());
  return c.close ? c.close() : c.disconnect();
};

/** `count` extra Cluster clients, each with its own store; always closed after `fn`. */
async function withStores(connect, count, auth, storeOptions, fn) {
  const conns = await Promise.all(Array.from({ length: count }, () => connect(auth)));
  const stores = conns.map((c) => createCallStateStore(c, { codec, onRedisError: 'throw', ...storeOptions }));
  try { return await fn(stores); } finally {
    await Promise.all(stores.map((s) => s.close()));
    await Promise.all(conns.map(closeClient));
  }
}

let n = 0;
const sid = () => `CA${backend}${serverKind}${Date.now().toString(36)}x${n++}`;
const state = (callSid, over = {}) => ({
  callSid, stage: 'COLLECT_CLIENT_ID', attemptCount: 0,
  lastUpdated: new Date('2024-03-15T14:30:22.000Z'), language: 'es', ...over,
});
const bump = (cur) => ({ ...cur, attemptCount: cur.attemptCount + 1, lastUpdated: new Date() });
const revOf = async (key) => JSON.parse(await ccli('GET', key)).rev;

/** The port of the master serving `key` right now. */
const ownerOf = (key) => cluster.ownerOf(key);
/**
 * `count` call sids (a multiple of 3), exactly a third of them on each master — picked by slot, so
 * that "every master" never depends on luck.
 */
async function spreadSids(count) {
  const masters = await cluster.masters();
  const portOf = (id) => {
    const slot = keySlot(keyOf(id));
    return masters.find((m) => m.slots.some(([a, b]) => slot >= a && slot <= b)).port;
  };
  const ids = [];
  const owners = new Map(masters.map((m) => [m.port, 0]));
  while (ids.length < count) {
    const id = sid();
    const p = portOf(id);
    if (owners.get(p) >= count / 3) continue;
    owners.set(p, owners.get(p) + 1);
    ids.push(id);
  }
  return { ids, owners };
}
/** Sum of one INFO field (e.g. errorstat_MOVED's count) over every master. */
async function statSum(section, re) {
  let sum = 0;
  for (const m of await cluster.masters()) {
    const info = await cluster.cli(m.port, 'INFO', section);
    const hit = info.match(re);
    if (hit) sum += Number(hit[1]);
  }
  return sum;
}

before(async () => { cluster = await startCluster({ server: serverKind, masters: 3 }); });
after(async () => { await cluster?.stop(); });

test(`the cluster is ${serverKind}, 3 masters, and a Cluster client needs hashTag (${backend})`, async () => {
  const version = await cluster.cli(cluster.ports[0], 'INFO', 'server');
  assert.match(version, serverKind === 'valkey' ? /valkey_version:8\./ : /redis_version:7\./);
  assert.equal((await cluster.masters()).length, 3);
  for (const connect of Object.values(clients)) {
    const c = await connect();
    assert.throws(() => createCallStateStore(c), (e) => e.code === 'INVALID_FIELD' && e.path === 'options.codec.hashTag');
    await closeClient(c);
  }
});

for (const [kind, connect] of Object.entries(clients)) {
  describe(`store on ${kind} Cluster, ${serverKind} (${backend})`, () => {
    let redis; let store;
    before(async () => { redis = await connect(); store = createCallStateStore(redis, { codec, onRedisError: 'throw', timeoutMs: 10_000 }); });
    after(async () => { await store?.close(); if (redis) await closeClient(redis); });

    test('save, get, extend, delete; TTL follows the stage; keys in one slot', async () => {
      const id = sid();
      const key = keyOf(id);
      assert.equal(key, `call_state:{${id}}`);
      await store.saveCallState(id, state(id, { stage: 'CONFIRM_JOB', clientId: 'ABC123' }));
      const pttl = Number(await ccli('PTTL', key));
      assert.ok(pttl > 599_000 && pttl <= 600_000, `pttl ${pttl}`);
      const got = await store.getCallState(id);
      assert.equal(got.clientId, 'ABC123');
      assert.ok(got.lastUpdated instanceof Date);
      assert.equal(await store.extendCallStateTTL(id, 100), 700);
      assert.equal(await store.extendCallStateTTL(id, 100_000), 7200);
      assert.equal(await store.extendCallStateTTL('CAmissing1', 100), null);
      const noexp = keyOf(`CAnoexpiry${backend}${n++}`);
      await ccli('SET', noexp, await ccli('GET', key));
      assert.equal(await store.extendCallStateTTL(noexp.slice('call_state:{'.length, -1), 100), null);
      assert.equal(Number(await ccli('TTL', noexp)), -1, 'no expiry added');
      // Every key the store keeps for the call (state, write ids, end marker) is in the state's slot
      // on the same master, and none outlives the state.
      await store.updateCallState(id, bump);
      const owner = await ownerOf(key);
      const keys = (await cluster.cli(owner, '--scan', '--pattern', `*${id}*`)).split('\n').filter(Boolean);
      assert.ok(keys.includes(key) && keys.length >= 2, `keys of the call: ${keys}`);
      const slot = await ccli('CLUSTER', 'KEYSLOT', key);
      for (const k of keys) {
        assert.equal(await ccli('CLUSTER', 'KEYSLOT', k), slot, k);
        assert.ok(Number(await ccli('TTL', k)) > 0, `${k} has a TTL`);
      }
      await store.deleteCallState(id);
      assert.equal(await store.getCallState(id), null);
      assert.equal(await ccli('EXISTS', key), '0');
    });

    test('racing updaters on separate Cluster connections, calls on every master: exact counts', async () => {
      const { ids, owners } = await spreadSids(12);
      assert.equal(owners.size, 3, 'the calls span all three masters');
      await Promise.all(ids.map((id) => store.saveCallState(id, state(id))));
      // 8 connections × 3 updates per call = 24 racing updates on each of 12 calls.
      await withStores(connect, 8, {}, { timeoutMs: 30_000 }, (stores) => Promise.all(stores.flatMap((s) =>
        ids.flatMap((id) => Array.from({ length: 3 }, () => s.updateCallState(id, bump, { maxRetries: 500 }))))));
      for (const id of ids) assert.equal((await store.getCallState(id)).attemptCount, 24, id);
    });

    test('mixed save and update: rev strictly increases, nothing resurrects', async () => {
      const id = sid();
      const key = keyOf(id);
      let last = 0;
      for (let i = 0; i < 10; i++) {
        if (i % 2) await store.saveCallState(id, state(id, { attemptCount: i, lastUpdated: new Date() }));
        else await store.updateCallState(id, () => state(id, { attemptCount: i, lastUpdated: new Date() }));
        const rev = await revOf(key);
        assert.ok(rev > last, `rev ${rev} after ${last}`);
        last = rev;
      }
      await store.updateCallState(id, () => null);
      assert.equal(await ccli('EXISTS', key), '0');
      await store.saveCallState(id, state(id, { lastUpdated: new Date() }));
      assert.ok(await revOf(key) > last, 'rev grows across delete and re-create');
    });

    test('a late webhook is STALE_WRITE and writes nothing; equal is not stale', async () => {
      const id = sid();
      await store.saveCallState(id, state(id, { stage: 'ASK_ACTION' }));
      const stored = await ccli('GET', keyOf(id));
      const older = state(id, { lastUpdated: new Date('2024-03-15T14:30:21.000Z') });
      await assert.rejects(store.saveCallState(id, older), (e) => e instanceof CallStateError && e.code === 'STALE_WRITE');
      await assert.rejects(store.updateCallState(id, () => older), (e) => e.code === 'STALE_WRITE');
      assert.equal(await ccli('GET', keyOf(id)), stored);
      await store.saveCallState(id, state(id, { stage: 'EXECUTE_ACTION' })); // equal is not stale
      assert.equal((await store.getCallState(id)).stage, 'EXECUTE_ACTION');
    });

    test('a schemaVersion 4 value is never overwritten; old values migrate and are written back', async () => {
      const id = sid();
      const v4 = JSON.stringify({ schemaVersion: 4, rev: 9, callSid: id, future: true });
      await ccli('SET', keyOf(id), v4);
      await assert.rejects(store.updateCallState(id, (s) => s), (e) => e.code === 'UNSUPPORTED_VERSION');
      await assert.rejects(store.saveCallState(id, state(id)), (e) => e.code === 'UNSUPPORTED_VERSION');
      assert.equal(await ccli('GET', keyOf(id)), v4);
      const old = sid();
      await ccli('SET', keyOf(old), JSON.stringify({ callSid: old, stage: 'ASK_ACTION', attemptCount: 1,
        action: 'update status', lastUpdated: '2024-03-15T14:30:22.000Z' }), 'EX', '100');
      assert.equal((await store.getCallState(old)).actionType, 'UPDATE_STATUS');
      const upgraded = JSON.parse(await ccli('GET', keyOf(old)));
      assert.equal(upgraded.schemaVersion, 3);
      assert.equal(upgraded.action, undefined);
    });

    test('replayed webhooks (same idempotency key) change nothing; 20 concurrent replays apply once', async () => {
      const id = sid();
      await store.saveCallState(id, state(id));
      const first = await store.updateCallState(id, bump, { idempotencyKey: 'tok-1' });
      const rev = await revOf(keyOf(id));
      const replay = await store.updateCallState(id, bump, { idempotencyKey: 'tok-1' });
      assert.equal(replay.attemptCount, first.attemptCount);
      assert.equal(await revOf(keyOf(id)), rev, 'a replay writes nothing');
      // Replays from other connections too: the write id lives with the call, not the client.
      const racers = await withStores(connect, 1, {}, { timeoutMs: 10_000 }, ([otherStore]) => Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? otherStore : store).updateCallState(id, bump, { idempotencyKey: 'tok-2', maxRetries: 50 }))));
      assert.equal((await store.getCallState(id)).attemptCount, 2);
      assert.ok(racers.every((r) => r.attemptCount === 2));
    });

    test('endCall keeps the state briefly and refuses late writes (STALE_WRITE)', async () => {
      const id = sid();
      await store.saveCallState(id, state(id, { stage: 'EXECUTE_ACTION' }));
      await store.endCall(id, { keepSeconds: 120 });
      const ttl = Number(await ccli('TTL', keyOf(id)));
      assert.ok(ttl > 115 && ttl <= 120, `ttl ${ttl}`);
      assert.equal((await store.getCallState(id)).stage, 'EXECUTE_ACTION', 'late webhooks can read it');
      await assert.rejects(store.updateCallState(id, (s) => ({ ...s, stage: 'ASK_ACTION', lastUpdated: new Date() })),
        (e) => e.code === 'STALE_WRITE');
      await assert.rejects(store.saveCallState(id, state(id, { lastUpdated: new Date() })), (e) => e.code === 'STALE_WRITE');
      assert.equal(await store.extendCallStateTTL(id, 600), null);
      await store.endCall(id); // ending twice is fine
      assert.equal((await store.getCallState(id)).stage, 'EXECUTE_ACTION');
      // A store on another connection sees the end too.
      await withStores(connect, 1, {}, {}, ([otherStore]) =>
        assert.rejects(otherStore.saveCallState(id, state(id, { lastUpdated: new Date() })), (e) => e.code === 'STALE_WRITE'));
    });

    test('backup covers every master; flush, restore: same values, TTLs within 1 s', async () => {
      const { ids, owners } = await spreadSids(24);
      assert.equal(owners.size, 3, 'the calls span all three masters');
      for (const id of ids) await store.saveCallState(id, state(id, { stage: 'EXECUTE_ACTION' }));
      await store.updateCallState(ids[0], bump); // write-id keys exist: backup must skip them
      const before = {};
      // Each TTL with when it was read: a restored key must be on the same course (its TTL less
      // the time since), whatever the backup and restore took on a loaded machine.
      for (const id of ids) before[id] = [await ccli('GET', keyOf(id)), Number(await ccli('PTTL', keyOf(id))), Date.now()];
      const lines = [];
      for await (const line of store.backup()) lines.push(line);
      assert.ok(lines.every((l) => l.endsWith('\n')));
      const keys = lines.map((l) => JSON.parse(l).key);
      assert.equal(new Set(keys).size, keys.length, 'each key once (no master scanned twice)');
      // State keys, and the end marker of an ended call right after its state (never write ids).
      assert.ok(keys.every((k, i) => /^call_state:\{[^}]+\}$/.test(k) || (/:end$/.test(k) && keys[i - 1] === k.slice(0, -4))),
        'only state keys and end markers');
      const ours = lines.filter((l) => ids.some((id) => JSON.parse(l).key === keyOf(id)));
      assert.equal(ours.length, ids.length);
      for (const id of ids) await ccli('DEL', keyOf(id));
      const expired = JSON.stringify({ ...JSON.parse(ours[0]), pttlMs: 10, atMs: Date.now() - 60_000 }) + '\n';
      const result = await store.restore([...ours, 'not json\n', expired,
        JSON.stringify({ key: 'other:x', pttlMs: -1, atMs: 0, value: '{}' }) + '\n']);
      assert.deepEqual([result.restored, result.skippedExpired, result.skippedInvalid, result.invalid.map((i) => i.line)],
        [ids.length, 1, 2, [ids.length + 1, ids.length + 3]]);
      for (const id of ids) {
        assert.equal(await ccli('GET', keyOf(id)), before[id][0]);
        const expected = before[id][1] - (Date.now() - before[id][2]);
        assert.ok(Math.abs(Number(await ccli('PTTL', keyOf(id))) - expected) < 1000, id);
      }
      assert.equal((await store.restore(ours)).restored, 0, 'NX: existing keys are kept');
      // The restored calls take updates again (rev continues).
      assert.equal((await store.updateCallState(ids[1], bump)).attemptCount, 1);
    });

    test('every command reaches the slot master: no MOVED/ASK redirect on any master', async () => {
      await cluster.each('CONFIG', 'RESETSTAT');
      const { ids } = await spreadSids(15);
      await Promise.all(ids.map((id) => store.saveCallState(id, state(id))));
      await Promise.all(ids.flatMap((id) => [store.updateCallState(id, bump, { maxRetries: 50 }),
        store.updateCallState(id, bump, { maxRetries: 50, idempotencyKey: `k-${id}` })]));
      await Promise.all(ids.map((id) => store.getCallState(id)));
      await Promise.all(ids.map((id) => store.extendCallStateTTL(id, 10)));
      await Promise.all(ids.slice(0, 5).map((id) => store.endCall(id)));
      await Promise.all(ids.slice(5).map((id) => store.deleteCallState(id)));
      const moved = await statSum('errorstats', /errorstat_MOVED:count=(\d+)/);
      const ask = await statSum('errorstats', /errorstat_ASK:count=(\d+)/);
      const evals = await statSum('commandstats', /cmdstat_evalsha:calls=(\d+)/);
      assert.deepEqual({ moved, ask }, { moved: 0, ask: 0 }, 'scripts and reads routed by the call key');
      assert.ok(evals >= ids.length * 3, `EVALSHA ran on the masters (${evals})`);
    });
  });

  describe(`no-Lua mode on ${kind} Cluster (ACL -@scripting on every node), ${serverKind} (${backend})`, () => {
    const auth = { username: 'noscript', password: 'pw' };
    let redis; let store;
    before(async () => {
      await cluster.each('ACL', 'SETUSER', 'noscript', 'on', '>pw', '~*', '&*', '+@all', '-@scripting');
      redis = await connect(auth);
      store = createCallStateStore(redis, { codec, onRedisError: 'throw', timeoutMs: 30_000 });
    });
    after(async () => { await store?.close(); if (redis) await closeClient(redis); });

    test('scripting is refused for this user', async () => {
      const probe = await cluster.cli(cluster.ports[0], '--user', 'noscript', '--pass', 'pw', '--no-auth-warning', 'EVAL', 'return 1', '0');
      assert.match(probe, /NOPERM/);
    });

    test('racing updates on separate connections, calls on every master: exact counts via WATCH/MULTI on the slot master', async (t) => {
      await cluster.each('CONFIG', 'RESETSTAT');
      const { ids, owners } = await spreadSids(9);
      assert.equal(owners.size, 3);
      await Promise.all(ids.map((id) => store.saveCallState(id, state(id))));
      const before = await statSum('stats', /total_connections_received:(\d+)/);
      // 6 connections × 3 updates per call = 18 racing updates on each of 9 calls.
      await withStores(connect, 6, auth, { timeoutMs: 60_000 }, (stores) => Promise.all(stores.flatMap((s) =>
        ids.flatMap((id) => Array.from({ length: 3 }, () => s.updateCallState(id, bump, { maxRetries: 1000 }))))));
      const connections = await statSum('stats', /total_connections_received:(\d+)/) - before;
      for (const id of ids) assert.equal((await store.getCallState(id)).attemptCount, 18, id);
      // The transactions ran on each call's own master: every master EXECed; no MULTI/EXEC/WATCH was
      // rejected ("EXEC without MULTI", "MULTI calls can not be nested", …) and none was redirected.
      let execs = 0;
      for (const m of await cluster.masters()) {
        const stats = await cluster.cli(m.port, 'INFO', 'commandstats');
        const exec = Number((stats.match(/cmdstat_exec:calls=(\d+)/) ?? [0, 0])[1]);
        assert.ok(exec > 0, `master ${m.port} ran EXEC (${exec})`);
        execs += exec;
        for (const cmd of ['multi', 'exec', 'watch', 'unwatch', 'discard']) {
          const line = stats.match(new RegExp(`cmdstat_${cmd}:(\\S+)`))?.[1] ?? '';
          assert.doesNotMatch(line, /rejected_calls=[1-9]|failed_calls=[1-9]/, `${cmd} on ${m.port}: ${line}`);
        }
      }
      assert.equal(await statSum('errorstats', /errorstat_MOVED:count=(\d+)/), 0, 'no transaction command was sent to another node');
      assert.equal(await statSum('errorstats', /errorstat_EXECABORT:count=(\d+)/), 0);
      t.diagnostic(`${execs} EXEC, ${connections} new connections for ${ids.length * 18} updates`);
    });

    test('extend, STALE_WRITE ordering, idempotency, endCall, delete — without scripts', async () => {
      const id = sid();
      await store.saveCallState(id, state(id, { stage: 'ASK_ACTION' }));
      assert.equal(await store.extendCallStateTTL(id, 60), 660); // ASK_ACTION: 600 s
      const older = state(id, { lastUpdated: new Date('2024-03-15T14:30:21.000Z') });
      await assert.rejects(store.saveCallState(id, older), (e) => e.code === 'STALE_WRITE');
      const first = await store.updateCallState(id, bump, { idempotencyKey: 'nl-1' });
      const rev = await revOf(keyOf(id));
      assert.equal((await store.updateCallState(id, bump, { idempotencyKey: 'nl-1' })).attemptCount, first.attemptCount);
      assert.equal(await revOf(keyOf(id)), rev, 'a replay writes nothing');
      await store.endCall(id, { keepSeconds: 30 });
      await assert.rejects(store.updateCallState(id, (s) => ({ ...s, lastUpdated: new Date() })), (e) => e.code === 'STALE_WRITE');
      assert.ok(Number(await ccli('TTL', keyOf(id))) <= 30);
      await store.deleteCallState(id); // a delete goes through even after the end
      assert.equal(await store.getCallState(id), null);
    });

    test('backup and restore across every master without scripts', async () => {
      const { ids, owners } = await spreadSids(9);
      assert.equal(owners.size, 3);
      for (const id of ids) await store.saveCallState(id, state(id, { stage: 'EXECUTE_ACTION' }));
      const lines = [];
      for await (const line of store.backup()) lines.push(line);
      const ours = lines.filter((l) => ids.some((id) => JSON.parse(l).key === keyOf(id)));
      assert.equal(ours.length, ids.length);
      for (const id of ids) await ccli('DEL', keyOf(id));
      assert.equal((await store.restore(ours)).restored, ids.length);
      for (const id of ids) assert.equal((await store.getCallState(id)).stage, 'EXECUTE_ACTION');
    });
  });
}

test(`every store and client closed: no connection left open on any node (${backend})`, async () => {
  // Connections close asynchronously (QUIT, FIN): give them a moment.
  let left = [];
  for (let i = 0; i < 50; i++) {
    left = (await cluster.each('CLIENT', 'LIST')).flatMap((list) => list.split('\n'))
      .filter((l) => l && !/ cmd=client\|list /.test(l));
    if (left.length === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(left.map((l) => l.replace(/^.*?(addr=\S+).*?(user=\S+).*?(cmd=\S+).*$/, '$1 $2 $3')), []);
});
