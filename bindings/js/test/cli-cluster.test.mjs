// The `callstate` CLI (bindings/node/cli/main.js, the package's `bin`, built from bindings/js/cli/*.ts) with `--cluster
// --hash-tag` against a real 3-master Cluster that this file starts (tests/support/cluster.mjs),
// once per Redis client the CLI can use (CALLSTATE_REDIS_CLIENT=ioredis|redis): a few hundred calls
// spread over every master, some written raw as v1/v2 values; scan, backup, delete, restore,
// migrate (dry run, --apply, and again with nothing to do), inspect.
//   CALLSTATE_SERVER=redis|valkey   redis-server 7 or valkey-server 8 (default redis)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster, keySlot } from '../../../tests/support/cluster.mjs';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CLI = join(root, 'bindings/node', require(join(root, 'bindings/node/package.json')).bin.callstate);
const { createCallStateStore, CallStateCodec } = require(join(root, 'bindings/node'));
const Redis = require('ioredis');
const serverKind = process.env.CALLSTATE_SERVER ?? 'redis';

const dir = mkdtempSync(join(tmpdir(), 'callstate-cli-cluster-'));
let cluster; let redis;

before(async () => {
  cluster = await startCluster({ server: serverKind, masters: 3 });
  redis = new Redis.Cluster(cluster.rootNodes);
  redis.on('error', () => {});
  await new Promise((resolve) => redis.once('ready', resolve));
});
after(async () => {
  await redis?.quit().catch(() => redis.disconnect());
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI against the cluster (the URL is one node of it); resolves { code, stdout, stderr, ms }. */
function cli(args, { client, input } = {}) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, REDIS_URL: cluster.urls[1], CALLSTATE_REDIS_CLIENT: client }, cwd: root,
    });
    let stdout = ''; let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - start }));
    child.stdin.end(input ?? '');
  });
}

/** Every key's value and PTTL (through the ioredis Cluster client: one command per key). */
async function snapshot(keys) {
  const out = new Map();
  await Promise.all(keys.map(async (k) => out.set(k, { value: await redis.get(k), pttl: await redis.pttl(k) })));
  return out;
}

const N = 300;
const stages = ['COLLECT_CLIENT_ID', 'CONFIRM_JOB', 'ASK_ACTION', 'EXECUTE_ACTION', 'GOODBYE'];

for (const client of ['ioredis', 'redis']) {
  test(`callstate --cluster on ${client === 'redis' ? 'node-redis' : 'ioredis'} Cluster (${serverKind}): scan, backup, restore, migrate, inspect`, async (t) => {
    const prefix = `cli${client}:`;
    const flags = ['--cluster', '--hash-tag', '--prefix', prefix];
    const codec = new CallStateCodec({ keyPrefix: prefix, hashTag: true });
    const store = createCallStateStore(redis, { codec, onRedisError: 'throw', timeoutMs: 10_000 });
    const timings = {};
    try {
      // Seed: a third through the store (v3 with a rev), a third raw v1, a third raw v2.
      const kinds = { v1: 0, v2: 0, v3: 0 };
      const perStage = {};
      const keys = [];
      const noExpiry = new Set();
      await Promise.all(Array.from({ length: N }, async (_, i) => {
        const callSid = `CAcli${client}${String(i).padStart(4, '0')}`;
        const key = codec.generateStateKey(callSid);
        keys.push(key);
        const stage = stages[i % stages.length];
        perStage[stage] = (perStage[stage] ?? 0) + 1;
        const base = { callSid, stage, attemptCount: i % 3, lastUpdated: new Date(1_700_000_000_000 + i * 1000).toISOString() };
        const kind = ['v1', 'v2', 'v3'][i % 3];
        kinds[kind]++;
        if (kind === 'v3') return store.saveCallState(callSid, { ...base, language: 'es', lastUpdated: new Date(base.lastUpdated) });
        const value = JSON.stringify(kind === 'v1' ? base : { ...base, language: 'en', action: i % 2 ? 'cancel job' : 'Reschedule' });
        if (i % 50 === 1) { noExpiry.add(key); return redis.set(key, value); }
        return redis.set(key, value, 'PX', 1_000_000 + i * 100);
      }));
      keys.sort();
      const masters = await cluster.masters();
      const owners = new Set(keys.map((k) => {
        const slot = keySlot(k);
        return masters.find((m) => m.slots.some(([a, b]) => slot >= a && slot <= b)).port;
      }));
      assert.equal(owners.size, 3, 'the calls span every master');

      // scan: every call counted once, by stage and version.
      const scan = await cli(['scan', ...flags, '--json', '--quiet'], { client });
      assert.equal(scan.code, 0, scan.stderr);
      timings.scan = scan.ms;
      const s = JSON.parse(scan.stdout);
      assert.equal(s.total, N);
      assert.deepEqual(Object.fromEntries(s.stages.map((r) => [r.stage, r.calls])), perStage);
      assert.deepEqual(s.stages.reduce((a, r) => ({ v1: a.v1 + r.v1, v2: a.v2 + r.v2, v3: a.v3 + r.v3 }), { v1: 0, v2: 0, v3: 0 }), kinds);
      assert.deepEqual(s.invalid, {});
      const table = await cli(['scan', ...flags, '--quiet'], { client });
      assert.match(table.stdout, new RegExp(`^total +${N}$`, 'm'));

      // inspect one v2 call (read through the cluster client, routed by its key).
      const v2 = `CAcli${client}0001`; // i = 1: a raw v2 value with 'cancel job', no expiry
      const ins = await cli(['inspect', v2, ...flags, '--json'], { client });
      assert.equal(ins.code, 0, ins.stderr);
      const j = JSON.parse(ins.stdout);
      assert.deepEqual([j.key, j.schemaVersion, j.migratedFrom, j.state.actionType], [codec.generateStateKey(v2), 2, 2, 'CANCEL_JOB']);
      assert.equal(j.pttlMs, -1, 'written with no expiry');

      // backup to a file: one line per call, each key once, all masters.
      const file = join(dir, `${client}.ndjson`);
      const before = await snapshot(keys);
      const b = await cli(['backup', file, ...flags, '--quiet'], { client });
      assert.equal(b.code, 0, b.stderr);
      timings.backup = b.ms;
      assert.match(b.stderr, new RegExp(`backup: ${N} keys to `));
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(lines.map((l) => l.key).sort(), keys, 'each key once, write-id keys skipped');
      for (const l of lines) assert.equal(l.value, before.get(l.key).value, l.key);

      // delete every call, then restore.
      const deletedAt = Date.now();
      await Promise.all(keys.map((k) => redis.del(k)));
      assert.equal(JSON.parse((await cli(['scan', ...flags, '--json', '--quiet'], { client })).stdout).total, 0);
      const r = await cli(['restore', file, ...flags, '--quiet'], { client });
      assert.equal(r.code, 0, r.stderr);
      timings.restore = r.ms;
      assert.match(r.stdout, new RegExp(`^restored ${N}, skipped: 0 expired, 0 invalid`));
      const restored = await snapshot(keys);
      const withoutExpiry = []; // checked last, so that migrate runs either way
      const elapsed = Date.now() - deletedAt;
      for (const k of keys) {
        const now = restored.get(k); const was = before.get(k);
        assert.equal(now.value, was.value, `${k} restored as it was`);
        if (noExpiry.has(k)) { if (!(now.pttl > 0 && now.pttl <= 7200 * 1000)) withoutExpiry.push(`${k} (pttl ${now.pttl})`); }
        else assert.ok(now.pttl <= was.pttl && now.pttl >= was.pttl - elapsed - 2000, `${k}: pttl ${now.pttl}, was ${was.pttl}`);
      }
      const again = await cli(['restore', file, ...flags, '--quiet'], { client });
      assert.match(again.stdout, /^restored 0, skipped: 0 expired, 0 invalid/, 'NX: existing keys kept');

      // migrate: dry run counts and writes nothing.
      const dry = await cli(['migrate', ...flags, '--json'], { client });
      assert.equal(dry.code, 0, dry.stderr);
      timings['migrate (dry run)'] = dry.ms;
      const d = JSON.parse(dry.stdout);
      assert.deepEqual([d.dryRun, d.scanned, d.current, d.old, d.migrated], [true, N, kinds.v3, { v1: kinds.v1, v2: kinds.v2 }, {}]);
      const afterDry = await snapshot(keys);
      for (const k of keys) assert.equal(afterDry.get(k).value, restored.get(k).value, `dry run changed ${k}`);

      // migrate --apply: every old value is v3, same state, TTL kept; v3 values untouched.
      const applyAt = Date.now();
      const apply = await cli(['migrate', ...flags, '--apply', '--json'], { client });
      assert.equal(apply.code, 0, apply.stderr);
      timings['migrate --apply'] = apply.ms;
      const a = JSON.parse(apply.stdout);
      assert.deepEqual(a.migrated, { v1: kinds.v1, v2: kinds.v2 });
      assert.deepEqual([a.failed, a.changedMeanwhile, a.goneMeanwhile, a.ttlNotKept], [0, 0, 0, 0]);
      const migrated = await snapshot(keys);
      const since = Date.now() - applyAt;
      let untouched = 0;
      for (const k of keys) {
        const now = migrated.get(k); const was = restored.get(k);
        const rec = codec.decodeRecord(now.value);
        assert.deepEqual([rec.schemaVersion, rec.migratedFrom], [3, null], k);
        assert.equal(codec.serializeCallState(rec.state), codec.serializeCallState(codec.decodeRecord(was.value).state), `${k}: same state`);
        if (now.value === was.value) untouched++;
        assert.ok(now.pttl <= was.pttl && now.pttl >= was.pttl - since - elapsed - 2000, `${k}: pttl ${now.pttl}, was ${was.pttl}`);
      }
      assert.equal(untouched, kinds.v3, 'v3 values are not rewritten');

      // A second run finds nothing to do and writes nothing.
      const second = await cli(['migrate', ...flags, '--apply', '--json'], { client });
      assert.equal(second.code, 0, second.stderr);
      const g = JSON.parse(second.stdout);
      assert.deepEqual([g.scanned, g.current, g.old, g.migrated], [N, N, {}, {}]);
      const text = await cli(['migrate', ...flags, '--quiet'], { client });
      assert.match(text.stdout, /^nothing to migrate\.$/m);
      const final = await snapshot(keys);
      for (const k of keys) assert.equal(final.get(k).value, migrated.get(k).value, `second run changed ${k}`);

      // The migrated calls take updates through the store (rev continues from the v3 write).
      const upd = await store.updateCallState(`CAcli${client}0001`, (st) => ({ ...st, attemptCount: st.attemptCount + 1, lastUpdated: new Date() }));
      assert.equal(upd.attemptCount, 2);
      // SPEC §2: restore never creates a key without expiry (a line with pttlMs -1 gets ttl.max).
      assert.deepEqual(withoutExpiry, [], 'restored without expiry');
      t.diagnostic(`CLI on ${N} calls, 3 masters: ${Object.entries(timings).map(([k, ms]) => `${k} ${(ms / 1000).toFixed(2)} s`).join('; ')}`);
    } finally {
      await store.close();
    }
  });
}

test('--cluster still needs --hash-tag; a cluster URL that does not answer is exit 1', async () => {
  for (const client of ['ioredis', 'redis']) {
    const r = await cli(['scan', '--cluster'], { client });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--cluster needs --hash-tag/);
  }
  for (const client of ['ioredis', 'redis']) {
    const r = await new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, 'scan', '--cluster', '--hash-tag', '--quiet'], {
        env: { ...process.env, REDIS_URL: 'redis://127.0.0.1:1', CALLSTATE_REDIS_CLIENT: client } });
      let stderr = '';
      child.stderr.on('data', (d) => { stderr += d; });
      child.on('close', (code) => resolve({ code, stderr }));
    });
    assert.equal(r.code, 1, `${client}: ${r.stderr}`);
    assert.match(r.stderr, /cannot connect to cluster at redis:\/\/127\.0\.0\.1:1/, client);
  }
});
