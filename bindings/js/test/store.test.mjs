// The store against a real redis-server, once per client (ioredis, node-redis) and backend
// (CALLSTATE_BACKEND=native|wasm). Started by scripts/test-store.sh, which passes REDIS_PORT.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import net from 'node:net';
import { execFileSync } from 'node:child_process';

const require = createRequire(import.meta.url);
const backend = process.env.CALLSTATE_BACKEND ?? 'native';
const cs = require(backend === 'wasm' ? '../../wasm' : '../../node');
const { createCallStateStore, CallStateCodec, CallStateError } = cs;
const Redis = require('ioredis');
const { createClient } = require('redis');
const PORT = Number(process.env.REDIS_PORT);
const cli = (...args) => execFileSync('redis-cli', ['-p', String(PORT), ...args]).toString().trim();

const clients = {
  ioredis: async () => new Redis({ port: PORT, host: '127.0.0.1', lazyConnect: false }),
  'node-redis': async () => { const c = createClient({ url: `redis://127.0.0.1:${PORT}` }); await c.connect(); return c; },
};
const closeClient = async (c) => (c.quit ? c.quit() : c.disconnect());

let n = 0;
const sid = () => `CA${backend}${Date.now().toString(36)}x${n++}`;
const state = (callSid, over = {}) => ({
  callSid, stage: 'COLLECT_CLIENT_ID', attemptCount: 0,
  lastUpdated: new Date('2024-03-15T14:30:22.000Z'), language: 'es', ...over,
});
const revOf = (key) => JSON.parse(cli('GET', key)).rev;

for (const [kind, connect] of Object.entries(clients)) {
  describe(`store on ${kind} (${backend})`, () => {
    let redis; let store;
    before(async () => { redis = await connect(); store = createCallStateStore(redis, { onRedisError: 'throw' }); });
    after(async () => { await store.close(); await closeClient(redis); });

    test('save, get, extend, delete; TTL follows the stage', async () => {
      const id = sid();
      await store.saveCallState(id, state(id, { stage: 'CONFIRM_JOB', clientId: 'ABC123' }));
      const pttl = Number(cli('PTTL', `call_state:${id}`));
      assert.ok(pttl > 599_000 && pttl <= 600_000, `pttl ${pttl}`);
      const got = await store.getCallState(id);
      assert.equal(got.clientId, 'ABC123');
      assert.ok(got.lastUpdated instanceof Date);
      assert.equal(await store.extendCallStateTTL(id, 100), 700);
      assert.equal(await store.extendCallStateTTL(id, 100_000), 7200);
      assert.equal(await store.extendCallStateTTL('CAmissing1', 100), null);
      cli('SET', 'call_state:CAnoexpiry1', cli('GET', `call_state:${id}`));
      assert.equal(await store.extendCallStateTTL('CAnoexpiry1', 100), null);
      assert.equal(Number(cli('TTL', 'call_state:CAnoexpiry1')), -1, 'no expiry added');
      await store.deleteCallState(id);
      assert.equal(await store.getCallState(id), null);
    });

    test('50 concurrent updaters on separate connections: exact count', async () => {
      const id = sid();
      await store.saveCallState(id, state(id));
      const conns = await Promise.all(Array.from({ length: 50 }, connect));
      const stores = conns.map((c) => createCallStateStore(c, { onRedisError: 'throw', timeoutMs: 20_000 }));
      await Promise.all(stores.map((s) => s.updateCallState(id, (cur) => ({
        ...cur, attemptCount: cur.attemptCount + 1, lastUpdated: new Date(),
      }), { maxRetries: 200 })));
      assert.equal((await store.getCallState(id)).attemptCount, 50);
      await Promise.all(stores.map((s) => s.close()));
      await Promise.all(conns.map(closeClient));
    });

    test('mixed save and update: rev strictly increases, nothing resurrects', async () => {
      const id = sid();
      const key = `call_state:${id}`;
      let last = 0;
      for (let i = 0; i < 10; i++) {
        if (i % 2) await store.saveCallState(id, state(id, { attemptCount: i, lastUpdated: new Date() }));
        else await store.updateCallState(id, (cur) => state(id, { attemptCount: i, lastUpdated: new Date() }));
        const rev = revOf(key);
        assert.ok(rev > last, `rev ${rev} after ${last}`);
        last = rev;
      }
      await store.updateCallState(id, () => null);
      assert.equal(cli('EXISTS', key), '0');
      await store.saveCallState(id, state(id, { lastUpdated: new Date() }));
      assert.ok(revOf(key) > last, 'rev grows across delete and re-create');
    });

    test('a late webhook is STALE_WRITE and writes nothing', async () => {
      const id = sid();
      await store.saveCallState(id, state(id, { stage: 'ASK_ACTION' }));
      const before = cli('GET', `call_state:${id}`);
      const older = state(id, { lastUpdated: new Date('2024-03-15T14:30:21.000Z') });
      await assert.rejects(store.saveCallState(id, older), (e) => e instanceof CallStateError && e.code === 'STALE_WRITE');
      await assert.rejects(store.updateCallState(id, () => older), (e) => e.code === 'STALE_WRITE');
      assert.equal(cli('GET', `call_state:${id}`), before);
      await store.saveCallState(id, state(id, { stage: 'EXECUTE_ACTION' })); // equal is not stale
    });

    test('a schemaVersion 4 value is never overwritten', async () => {
      const id = sid();
      const v4 = JSON.stringify({ schemaVersion: 4, rev: 9, callSid: id, future: true });
      cli('SET', `call_state:${id}`, v4);
      await assert.rejects(store.updateCallState(id, (s) => s), (e) => e.code === 'UNSUPPORTED_VERSION');
      await assert.rejects(store.saveCallState(id, state(id)), (e) => e.code === 'UNSUPPORTED_VERSION');
      assert.equal(cli('GET', `call_state:${id}`), v4);
    });

    test('old values migrate on read and the upgrade is written back', async () => {
      const id = sid();
      cli('SET', `call_state:${id}`, JSON.stringify({ callSid: id, stage: 'ASK_ACTION', attemptCount: 1,
        action: 'update status', lastUpdated: '2024-03-15T14:30:22.000Z' }), 'EX', '100');
      const got = await store.getCallState(id);
      assert.equal(got.actionType, 'UPDATE_STATUS');
      assert.equal(got.language, 'es');
      const stored = JSON.parse(cli('GET', `call_state:${id}`));
      assert.equal(stored.schemaVersion, 3);
      assert.equal(stored.actionType, 'UPDATE_STATUS');
      assert.equal(stored.action, undefined);
    });

    test('a client that resends every write applies each once', async () => {
      const id = sid();
      const resending = { send: async (args) => {
        const first = await (redis.call ? redis.call(...args) : redis.sendCommand(args));
        if (args[0] === 'EVALSHA' || args[0] === 'EVAL') {
          const again = await (redis.call ? redis.call(...args) : redis.sendCommand(args));
          assert.equal(again[0], 'DUP');
        }
        return first;
      } };
      const s = createCallStateStore(resending, { onRedisError: 'throw' });
      await s.saveCallState(id, state(id));
      for (let i = 0; i < 5; i++) {
        await s.updateCallState(id, (cur) => ({ ...cur, attemptCount: cur.attemptCount + 1, lastUpdated: new Date() }));
      }
      assert.equal((await s.getCallState(id)).attemptCount, 5);
    });

    test('an update starts from the value the store knows: one round trip, other writers never lost', async () => {
      const id = sid();
      const sent = [];
      const counting = { send: async (args) => {
        sent.push(args[0]);
        return redis.call ? redis.call(...args) : redis.sendCommand(args);
      } };
      const a = createCallStateStore(counting, { onRedisError: 'throw' });
      const bump = (cur) => ({ ...cur, attemptCount: cur.attemptCount + 1, lastUpdated: new Date() });
      await a.saveCallState(id, state(id));
      sent.length = 0;
      await a.updateCallState(id, bump);
      assert.deepEqual(sent, ['EVALSHA'], 'no GET: the saved value was known');
      // Another writer changes it behind a's back: a's guess conflicts, and the reply has the value.
      await store.updateCallState(id, (cur) => ({ ...cur, attemptCount: 10, lastUpdated: new Date() }));
      sent.length = 0;
      assert.equal((await a.updateCallState(id, bump)).attemptCount, 11);
      assert.deepEqual(sent, ['EVALSHA', 'EVALSHA']);
      // With no retries allowed there is no guess: fn runs once, on the stored value.
      await store.updateCallState(id, (cur) => ({ ...cur, attemptCount: 20, lastUpdated: new Date() }));
      let runs = 0;
      const once = await a.updateCallState(id, (cur) => { runs++; return bump(cur); }, { maxRetries: 0 });
      assert.deepEqual([once.attemptCount, runs], [21, 1]);
      // "Leave it" on a guess is checked against the stored value before it is answered.
      await store.updateCallState(id, (cur) => ({ ...cur, stage: 'ASK_ACTION', lastUpdated: new Date() }));
      assert.equal((await a.updateCallState(id, () => undefined)).stage, 'ASK_ACTION');
      // Deleted behind its back: the function runs again and sees that there is no state.
      cli('DEL', `call_state:${id}`);
      const seen = [];
      await a.updateCallState(id, (cur) => {
        seen.push(cur);
        return cur === null ? state(id, { lastUpdated: new Date() }) : bump(cur);
      });
      assert.equal(seen.at(-1), null);
      assert.equal((await store.getCallState(id)).attemptCount, 0);
    });

    test('a delete resent after a later save removes nothing', async () => {
      const id = sid();
      const call = (args) => (redis.call ? redis.call(...args) : redis.sendCommand(args));
      let between = async () => {};
      const resending = { send: async (args) => {
        const first = await call(args);
        if (args[0] === 'EVALSHA' && args[6] === 'del') {
          await between(); // another webhook saves before the resend arrives
          assert.equal((await call(args))[0], 'DUP');
        }
        return first;
      } };
      const s = createCallStateStore(resending, { onRedisError: 'throw' });
      await s.saveCallState(id, state(id));
      between = () => store.saveCallState(id, state(id, { stage: 'ASK_ACTION', lastUpdated: new Date() }));
      await s.deleteCallState(id);
      assert.equal((await store.getCallState(id)).stage, 'ASK_ACTION', 'the resend deleted nothing');
      await store.deleteCallState(id);
      assert.equal(await store.getCallState(id), null);
    });

    test('replayed webhooks (same idempotency key) change nothing; 20 concurrent replays apply once', async () => {
      const id = sid();
      await store.saveCallState(id, state(id));
      const bump = (cur) => ({ ...cur, attemptCount: cur.attemptCount + 1, lastUpdated: new Date() });
      const first = await store.updateCallState(id, bump, { idempotencyKey: 'tok-1' });
      const rev = revOf(`call_state:${id}`);
      const replay = await store.updateCallState(id, bump, { idempotencyKey: 'tok-1' });
      assert.equal(replay.attemptCount, first.attemptCount);
      assert.equal(revOf(`call_state:${id}`), rev, 'a replay writes nothing');
      const racers = await Promise.all(Array.from({ length: 20 }, () =>
        store.updateCallState(id, bump, { idempotencyKey: 'tok-2', maxRetries: 50 })));
      assert.equal((await store.getCallState(id)).attemptCount, 2);
      assert.ok(racers.every((r) => r.attemptCount === 2));
    });

    test('endCall keeps the state briefly and refuses late writes', async () => {
      const id = sid();
      await store.saveCallState(id, state(id, { stage: 'EXECUTE_ACTION' }));
      await store.endCall(id, { keepSeconds: 120 });
      const ttl = Number(cli('TTL', `call_state:${id}`));
      assert.ok(ttl > 115 && ttl <= 120, `ttl ${ttl}`);
      assert.equal((await store.getCallState(id)).stage, 'EXECUTE_ACTION', 'late webhooks can read it');
      await assert.rejects(store.updateCallState(id, (s) => ({ ...s, stage: 'ASK_ACTION', lastUpdated: new Date() })),
        (e) => e.code === 'STALE_WRITE');
      await assert.rejects(store.saveCallState(id, state(id, { lastUpdated: new Date() })), (e) => e.code === 'STALE_WRITE');
      assert.equal(await store.extendCallStateTTL(id, 600), null);
      await store.endCall(id); // ending twice is fine
      assert.equal((await store.getCallState(id)).stage, 'EXECUTE_ACTION');
    });

    test('backup, flush, restore: same values, TTLs within 1 s', async () => {
      const ids = [sid(), sid(), sid()];
      for (const id of ids) await store.saveCallState(id, state(id, { stage: 'EXECUTE_ACTION' }));
      const before = Object.fromEntries(ids.map((id) => [id, [cli('GET', `call_state:${id}`), Number(cli('PTTL', `call_state:${id}`)), Date.now()]]));
      const lines = [];
      for await (const line of store.backup()) lines.push(line);
      assert.ok(lines.every((l) => l.endsWith('\n')));
      for (const id of ids) cli('DEL', `call_state:${id}`);
      const ours = lines.filter((l) => ids.some((id) => JSON.parse(l).key === `call_state:${id}`));
      assert.equal(ours.length, 3);
      const expired = JSON.stringify({ ...JSON.parse(ours[0]), pttlMs: 10, atMs: Date.now() - 60_000 }) + '\n';
      const result = await store.restore([...ours, 'not json\n', expired,
        JSON.stringify({ key: 'other:x', pttlMs: -1, atMs: 0, value: '{}' }) + '\n']);
      assert.deepEqual(result, {
        restored: 3, skippedExpired: 1, skippedInvalid: 2, skippedEnded: 0, skippedExisting: 0,
        invalid: [
          { line: 4, reason: 'not a backup line ({key, pttlMs, atMs, value} with integer times)' },
          { line: 6, reason: 'the key is not a call state key of this codec' },
        ],
      });
      for (const id of ids) {
        assert.equal(cli('GET', `call_state:${id}`), before[id][0]);
        // On the same course as before: its TTL less the time since it was read.
        assert.ok(Math.abs(Number(cli('PTTL', `call_state:${id}`)) - (before[id][1] - (Date.now() - before[id][2]))) < 1000);
      }
      const again = await store.restore(ours);
      assert.deepEqual([again.restored, again.skippedExisting], [0, 3], 'NX: existing keys are kept');
      const later = await store.restore(ours.join(''), { now: Date.now() + 10_000_000, replace: true });
      assert.deepEqual([later.restored, later.skippedExpired, later.skippedInvalid], [0, 3, 0], 'now as a number; NDJSON as one string');
    });

    test('restore from a hostile file: each bad line counted with its number and reason, nothing immortal, nothing foreign', async () => {
      const id = sid(); const key = `call_state:${id}`;
      const value = (over = {}) => cs.serializeCallState(state(id, over)).replace('"rev":0', '"rev":7');
      const line = (v, extra = {}) => `${JSON.stringify({ key, pttlMs: 60_000, atMs: Date.now(), value: v, ...extra })}\n`;
      const poisoned = value().replace('"rev":7', `"rev":${2 ** 53 - 1}`);
      const huge = `{"schemaVersion":${'9'.repeat(10_000)}}`;
      const result = await store.restore([
        line(value(), { pttlMs: -1 }), // no expiry in the file: ttl.max, never immortal
        line(poisoned), // a rev that leaves no room to grow
        line(cs.serializeCallState(state(sid()))), // another call's value under this key
        line(huge), // a 10 KB version: the reason stays short
        line(value(), { pttlMs: 1e15 }), // an absurd TTL: clamped
      ], { replace: true });
      assert.equal(result.restored, 2);
      assert.deepEqual(result.invalid.map((i) => i.line), [2, 3, 4]);
      assert.deepEqual(result.invalid.map((i) => i.reason), [
        'its rev is at or past 2^53 - 2^20', "the value's callSid is not the key's", 'the value does not decode: UNSUPPORTED_VERSION']);
      const pttl = Number(cli('PTTL', key));
      assert.ok(pttl > 0 && pttl <= 7_200_000, `TTL clamped to (0, ttl.max]: ${pttl}`);
      // The codec's own errors quote outside text briefly, too.
      assert.throws(() => cs.deserializeCallState(huge), (e) => e.code === 'UNSUPPORTED_VERSION' && e.message.length < 120);
    });

    test('restore refuses a clock that is not a time (NaN, an Invalid Date, 1e21): nothing written, never a long-expired line brought back', async () => {
      const id = sid(); const key = `call_state:${id}`;
      const v = cs.serializeCallState(state(id)).replace('"rev":0', '"rev":7');
      const old = JSON.stringify({ key, pttlMs: 600_000, atMs: Date.parse('2024-01-01T00:00:00Z'), value: v });
      for (const now of [new Date(NaN), 'not a time', () => undefined, 1e21, NaN]) {
        await assert.rejects(store.restore([old], { now, replace: true }),
          (e) => e.code === 'INVALID_FIELD' && e.path === 'now' && e.restore?.restored === 0, String(now));
        assert.equal(cli('EXISTS', key), '0', `nothing written (now: ${String(now)})`);
      }
      assert.equal((await store.restore([old], { replace: true })).skippedExpired, 1, 'with the real clock: expired');
    });

    test('restore rewrites a lastUpdated the scripts cannot compare (an offset, a lowercase t), keeping rev', async () => {
      const id = sid(); const key = `call_state:${id}`;
      const canonical = cs.serializeCallState(state(id)).replace('"rev":0', '"rev":7');
      const offset = canonical.replace('2024-03-15T14:30:22.000Z', '2024-03-15T16:30:22.000+02:00');
      const lower = canonical.replace('2024-03-15T14:30:22.000Z', '2024-03-15t14:30:22.000z');
      for (const v of [offset, lower]) {
        const r = await store.restore([JSON.stringify({ key, pttlMs: 60_000, atMs: Date.now(), value: v })], { replace: true });
        assert.equal(r.restored, 1);
        assert.equal(cli('GET', key), canonical, 'stored as the codec writes it');
      }
      // So a late webhook's older save is refused as the script reads the prefix (STALE_WRITE).
      await assert.rejects(store.saveCallState(id, state(id, { lastUpdated: new Date('2024-03-15T14:00:00.000Z') })),
        (e) => e.code === 'STALE_WRITE');
    });

    test('a backup carries end markers: restored into an empty Redis, an ended call stays ended', async () => {
      const id = sid(); const key = `call_state:${id}`;
      await store.saveCallState(id, state(id));
      await store.endCall(id, { keepSeconds: 300 });
      const lines = [];
      for await (const l of store.backup()) if (JSON.parse(l).key.startsWith(key)) lines.push(l);
      assert.deepEqual(lines.map((l) => JSON.parse(l).key), [key, `${key}:end`], 'the marker follows its state');
      cli('DEL', key, `${key}:end`, `${key}:ids`);
      const r = await store.restore(lines);
      assert.deepEqual([r.restored, r.skippedEnded, r.skippedInvalid], [2, 0, 0]);
      const endTtl = Number(cli('PTTL', `${key}:end`));
      assert.ok(endTtl > 290_000 && endTtl <= 300_000, `the marker's own TTL: ${endTtl}`);
      await assert.rejects(store.saveCallState(id, state(id, { attemptCount: 9, lastUpdated: new Date('2024-03-15T15:00:00.000Z') })),
        (e) => e.code === 'STALE_WRITE', 'a late webhook after the restore is still refused');
    });

    test('an endCall racing a restore is never undone: the end check and the SET are one step', async () => {
      const id = sid(); const key = `call_state:${id}`;
      const value = cs.serializeCallState(state(id)).replace('"rev":0', '"rev":7');
      const line = JSON.stringify({ key, pttlMs: 600_000, atMs: Date.now(), value });
      // The webhook's endCall lands right after the restore's first command about this call
      // (between a separate check and SET, if there were two).
      let raced = false;
      const racing = { send: async (argv) => {
        const reply = await (redis.call ? redis.call(argv[0], ...argv.slice(1)) : redis.sendCommand(argv));
        if (!raced && argv.some((a) => typeof a === 'string' && a.startsWith(key))) {
          raced = true;
          await store.endCall(id, { keepSeconds: 5 });
        }
        return reply;
      } };
      const restoring = createCallStateStore(racing, { onRedisError: 'throw' });
      await restoring.restore([line], { replace: true });
      assert.ok(raced);
      const pttl = Number(cli('PTTL', key));
      assert.ok(pttl <= 5_000, `the state lives no longer than the ended call's keep (${pttl} ms)`);
      assert.equal(cli('EXISTS', `${key}:end`), '1');
      await restoring.close();
    });

    test('restore checks the user schema: a state it refuses is an invalid line, not a stuck call', async () => {
      const schema = { '~standard': { version: 1, vendor: 'test', validate: (v) => (v.callerNumber === undefined || typeof v.callerNumber === 'string'
        ? { value: v } : { issues: [{ message: 'must be a string', path: ['callerNumber'] }] }) } };
      const checked = createCallStateStore(redis, { onRedisError: 'throw', schema });
      const [good, bad] = [sid(), sid()];
      const line = (id, over) => JSON.stringify({ key: `call_state:${id}`, pttlMs: 60_000, atMs: Date.now(),
        value: cs.serializeCallState(state(id, over)) });
      const r = await checked.restore([line(good, { callerNumber: '+15550100' }), line(bad, { callerNumber: 5 })]);
      assert.equal(r.restored, 1);
      assert.deepEqual(r.invalid.map((i) => i.line), [2]);
      assert.match(r.invalid[0].reason, /schema refuses it: .*callerNumber/);
      assert.equal(cli('EXISTS', `call_state:${bad}`), '0');
      await checked.close();
    });

    test('restore skips calls that have ended unless includeEnded; a dry run writes nothing', async () => {
      const [a, b] = [sid(), sid()];
      for (const id of [a, b]) await store.saveCallState(id, state(id));
      const lines = [];
      for await (const l of store.backup()) if ([a, b].some((id) => JSON.parse(l).key === `call_state:${id}`)) lines.push(l);
      await store.endCall(a, { keepSeconds: 600 });
      cli('DEL', `call_state:${a}`, `call_state:${b}`);
      const dry = await store.restore(lines, { dryRun: true, replace: true });
      assert.deepEqual([dry.restored, dry.skippedEnded], [1, 1]);
      assert.equal(cli('EXISTS', `call_state:${a}`, `call_state:${b}`), '0', 'a dry run writes nothing');
      const real = await store.restore(lines);
      assert.deepEqual([real.restored, real.skippedEnded], [1, 1]);
      assert.equal(cli('EXISTS', `call_state:${a}`), '0', 'the ended call is not brought back');
      const forced = await store.restore(lines, { includeEnded: true });
      assert.deepEqual([forced.restored, forced.skippedExisting], [1, 1]);
      assert.equal(cli('EXISTS', `call_state:${a}`), '1');
    });
  });
}

describe(`failure policy (${backend})`, () => {
  test('a port that never answers: fail-open within timeoutMs, REDIS in throw mode', async () => {
    const silent = net.createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
    const redis = new Redis({ port: silent.address().port, host: '127.0.0.1', maxRetriesPerRequest: null, enableOfflineQueue: true });
    const errors = [];
    const open = createCallStateStore(redis, { timeoutMs: 300, onError: (e) => errors.push(e) });
    const t0 = Date.now();
    assert.equal(await open.getCallState('CAsilent1'), null);
    await open.saveCallState('CAsilent1', state('CAsilent1'));
    assert.ok(Date.now() - t0 < 1500, `took ${Date.now() - t0} ms`);
    assert.equal(errors.length, 2);
    assert.ok(errors.every((e) => e instanceof CallStateError && e.code === 'REDIS'));
    const strict = createCallStateStore(redis, { timeoutMs: 300, onRedisError: 'throw' });
    await assert.rejects(strict.getCallState('CAsilent1'), (e) => e.code === 'REDIS');
    redis.disconnect(); silent.close();
  });

  test('a killed redis is REDIS in throw mode, null in fail-open', async () => {
    const dir = `/tmp/callstate-kill-${process.pid}-${backend}`;
    const port = execFileSync('bash', ['scripts/redis.sh', 'start', dir], { cwd: new URL('../../..', import.meta.url).pathname }).toString().trim();
    const redis = new Redis({ port: Number(port), host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    redis.on('error', () => {}); // reconnect noise after the kill is expected
    const strict = createCallStateStore(redis, { timeoutMs: 500, onRedisError: 'throw' });
    await strict.saveCallState('CAkilled1', state('CAkilled1'));
    execFileSync('bash', ['scripts/redis.sh', 'stop', dir], { cwd: new URL('../../..', import.meta.url).pathname });
    await new Promise((r) => setTimeout(r, 200));
    await assert.rejects(strict.getCallState('CAkilled1'), (e) => e.code === 'REDIS' && e.cause !== undefined || e.code === 'REDIS');
    const open = createCallStateStore(redis, { timeoutMs: 500 });
    assert.equal(await open.getCallState('CAkilled1'), null);
    redis.disconnect();
  });

  test('a closed store rejects with REDIS even in fail-open mode', async () => {
    const errors = [];
    const store = createCallStateStore({ send: async () => null }, { onError: (e) => errors.push(e) });
    await store.close();
    await assert.rejects(store.getCallState('CAclosed1'), (e) => e.code === 'REDIS' && /closed/.test(e.message));
    await assert.rejects(store.saveCallState('CAclosed1', state('CAclosed1')), (e) => e.code === 'REDIS');
    await assert.rejects(store.restore([]), (e) => e.code === 'REDIS');
    assert.ok(errors.length >= 3, 'onError sees them');
  });

  test('options are checked strictly', () => {
    assert.throws(() => createCallStateStore({ send: async () => null }, { timeoutMS: 5 }),
      (e) => e.code === 'INVALID_FIELD' && e.path === 'options.timeoutMS');
    assert.throws(() => createCallStateStore({ send: async () => null }, { codec: { ttl: { defualt: 1 } } }),
      (e) => e.code === 'INVALID_FIELD' && e.path === 'options.codec.ttl.defualt');
  });
});

describe(`scripting refused: WATCH/MULTI fallback (${backend})`, () => {
  test('an ACL user without @scripting still gets exact CAS under a 50-way race', async () => {
    cli('ACL', 'SETUSER', 'noscript', 'on', '>pw', '~*', '+@all', '-@scripting');
    const connect = () => new Redis({ port: PORT, host: '127.0.0.1', username: 'noscript', password: 'pw' });
    const id = sid();
    const main = connect();
    const store = createCallStateStore(main, { onRedisError: 'throw', timeoutMs: 30_000 });
    await store.saveCallState(id, state(id));
    const conns = Array.from({ length: 50 }, connect);
    const stores = conns.map((c) => createCallStateStore(c, { onRedisError: 'throw', timeoutMs: 30_000 }));
    await Promise.all(stores.map((s) => s.updateCallState(id, (cur) => ({
      ...cur, attemptCount: cur.attemptCount + 1, lastUpdated: new Date(),
    }), { maxRetries: 500 })));
    assert.equal((await store.getCallState(id)).attemptCount, 50);
    assert.equal(await store.extendCallStateTTL(id, 60), 360);
    await store.endCall(id, { keepSeconds: 30 });
    await assert.rejects(store.updateCallState(id, (s) => ({ ...s, lastUpdated: new Date() })), (e) => e.code === 'STALE_WRITE');
    assert.ok(Number(cli('TTL', `call_state:${id}`)) <= 30);
    await store.deleteCallState(id); // a delete goes through even after the end
    assert.equal(await store.getCallState(id), null);
    await Promise.all([...stores, store].map((s) => s.close()));
    conns.forEach((c) => c.disconnect()); main.disconnect();
  });
});
