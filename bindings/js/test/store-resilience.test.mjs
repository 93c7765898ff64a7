// The store where Redis misbehaves for real: a 3-master Redis Cluster on loopback (hashTag keeps a
// call's keys in one slot), and a durable redis killed with `kill -9` and restarted under a load of
// racing updates (no acknowledged update lost, none applied twice). Needs redis-server/redis-cli.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

const require = createRequire(import.meta.url);
const backend = process.env.CALLSTATE_BACKEND ?? 'native';
const { createCallStateStore, CallStateCodec } = require(backend === 'wasm' ? '../../wasm' : '../../node');
const Redis = require('ioredis');

const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const redisUp = async (port) => {
  for (let i = 0; i < 100; i++) {
    try { execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'pipe' }); return; } catch { await sleep(50); }
  }
  throw new Error(`redis on ${port} did not start`);
};
const server = (port, dir, args = []) => spawn('redis-server',
  ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', ...args], { stdio: 'ignore' });
const state = (callSid, over = {}) => ({ callSid, stage: 'ASK_ACTION', attemptCount: 0,
  lastUpdated: new Date(), language: 'es', tokens: [], ...over });

test(`Redis Cluster, 3 masters: a call's keys share a slot; CAS, backup and restore work (${backend})`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'callstate-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const procs = ports.map((p) => {
    const d = join(dir, String(p));
    execFileSync('mkdir', ['-p', d]);
    return server(p, d, ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--appendonly', 'no']);
  });
  try {
    await Promise.all(ports.map(redisUp));
    execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'pipe' });
    for (let i = 0; i < 100 && !execFileSync('redis-cli', ['-p', String(ports[0]), 'cluster', 'info']).toString().includes('cluster_state:ok'); i++) await sleep(100);
    const cluster = new Redis.Cluster(ports.map((port) => ({ host: '127.0.0.1', port })));
    assert.throws(() => createCallStateStore(cluster), (e) => e.code === 'INVALID_FIELD' && e.path === 'options.codec.hashTag');
    const codec = new CallStateCodec({ hashTag: true });
    const store = createCallStateStore(cluster, { codec, onRedisError: 'throw', timeoutMs: 10_000 });
    const sids = Array.from({ length: 30 }, (_, i) => `CAcluster${backend}${i}`);
    await Promise.all(sids.map((sid) => store.saveCallState(sid, state(sid))));
    // Racing updates on every call, across all three masters.
    await Promise.all(sids.flatMap((sid) => Array.from({ length: 5 }, () => store.updateCallState(sid,
      (s) => ({ ...s, attemptCount: s.attemptCount + 1, lastUpdated: new Date() }), { maxRetries: 50 }))));
    for (const sid of sids) assert.equal((await store.getCallState(sid)).attemptCount, 5);
    const key = codec.generateStateKey(sids[0]);
    assert.equal(key, `call_state:{${sids[0]}}`);
    assert.equal(await cluster.cluster('KEYSLOT', key), await cluster.cluster('KEYSLOT', `${key}:ids`));
    const lines = [];
    for await (const line of store.backup()) lines.push(line);
    assert.equal(lines.length, sids.length, 'SCAN covers every master, write-id keys skipped');
    const masters = new Set(sids.map((s) => execFileSync('redis-cli', ['-c', '-p', String(ports[0]), 'cluster', 'keyslot', codec.generateStateKey(s)]).toString().trim()));
    assert.ok(masters.size > 3, 'keys spread over many slots');
    await Promise.all(sids.map((sid) => store.deleteCallState(sid)));
    const result = await store.restore(lines);
    assert.equal(result.restored, sids.length);
    assert.equal((await store.getCallState(sids[3])).attemptCount, 5);
    await store.close();
    cluster.disconnect();
  } finally {
    procs.forEach((p) => p.kill('SIGKILL'));
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`kill -9 under racing updates: no acknowledged update lost, none applied twice (${backend})`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'callstate-durable-'));
  const port = await freePort();
  const durable = ['--appendonly', 'yes', '--appendfsync', 'always'];
  let proc = server(port, dir, durable);
  try {
    await redisUp(port);
    const sids = ['CAdurable1', 'CAdurable2', 'CAdurable3'];
    const clients = Array.from({ length: 12 }, () => {
      const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 3, retryStrategy: () => 20 });
      c.on('error', () => {});
      return c;
    });
    const stores = clients.map((c) => createCallStateStore(c, { onRedisError: 'throw', timeoutMs: 3000 }));
    for (const sid of sids) await stores[0].saveCallState(sid, state(sid));
    const acked = [];
    let failed = 0;
    let running = true;
    const worker = async (store, w) => {
      for (let i = 0; running; i++) {
        const sid = sids[i % sids.length];
        const token = `${w}-${i}`;
        try {
          await store.updateCallState(sid, (s) => s && ({ ...s, tokens: [...s.tokens, token], lastUpdated: new Date() }), { maxRetries: 100 });
          acked.push([sid, token]);
        } catch { failed++; }
      }
    };
    const load = stores.map(worker);
    for (let k = 0; k < 3; k++) {
      await sleep(700);
      proc.kill('SIGKILL');
      await sleep(200);
      proc = server(port, dir, durable);
      await redisUp(port);
    }
    await sleep(700);
    running = false;
    await Promise.all(load);
    const final = Object.fromEntries(await Promise.all(sids.map(async (sid) => [sid, (await stores[0].getCallState(sid)).tokens])));
    for (const sid of sids) assert.equal(new Set(final[sid]).size, final[sid].length, `a token applied twice in ${sid}`);
    const lost = acked.filter(([sid, token]) => !final[sid].includes(token));
    assert.deepEqual(lost, [], 'acknowledged updates lost');
    assert.ok(acked.length > 50, `only ${acked.length} updates acknowledged (${failed} failed)`);
    t.diagnostic(`${acked.length} acknowledged, ${failed} failed during restarts, 3 kills`);
    await Promise.all(stores.map((s) => s.close()));
    clients.forEach((c) => c.disconnect());
  } finally {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
