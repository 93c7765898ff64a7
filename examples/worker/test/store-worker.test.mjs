// callstate-wasm's store inside workerd (Miniflare), on a real redis-server reached the way a
// worker reaches Redis: an Upstash-style REST endpoint (here a small loopback proxy). Checks the
// store's I/O rules hold in workerd (timers, a clock frozen between I/O, no sockets): webhooks
// update the call, racing webhooks lose nothing, TTLs are the stage's.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import { Miniflare } from 'miniflare';
import { build } from '../build.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const TOKEN = 'test-token';
let dir;
let redis;
let proxy;
let mf;
let outage = false; // the proxy answers every command with an error while set

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'callstate-worker-store-'));
  const port = Number(execFileSync('bash', [join(ROOT, 'scripts/redis.sh'), 'start', dir], { encoding: 'utf8' }).trim());
  redis = new Redis({ host: '127.0.0.1', port });
  // The Upstash REST protocol: POST a JSON array (one command) → { result } or { error }.
  proxy = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    let out;
    if (req.headers.authorization !== `Bearer ${TOKEN}`) out = { error: 'Unauthorized' };
    else if (outage) out = { error: 'ERR simulated outage' };
    else {
      try {
        const [cmd, ...args] = JSON.parse(body);
        out = { result: await redis.call(cmd, ...args) };
      } catch (e) {
        out = { error: e.message };
      }
    }
    res.writeHead(out.error === 'Unauthorized' ? 401 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out));
  });
  await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
  const built = await build({ entry: 'store-worker', quiet: true });
  mf = new Miniflare({
    compatibilityDate: '2025-09-01',
    modules: true,
    scriptPath: built.script,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    bindings: { REDIS_REST_URL: `http://127.0.0.1:${proxy.address().port}/`, REDIS_REST_TOKEN: TOKEN },
  });
  await mf.ready;
});

after(async () => {
  await mf?.dispose();
  await new Promise((r) => (proxy ? proxy.close(r) : r()));
  redis?.disconnect();
  if (dir) {
    execFileSync('bash', [join(ROOT, 'scripts/redis.sh'), 'stop', dir]);
    rmSync(dir, { recursive: true, force: true });
  }
});

const sid = () => `CA${Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('')}`;
const webhook = async (fields) => {
  const r = await mf.dispatchFetch('http://localhost/webhook', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: r.status, body: await r.json() };
};

test('webhooks update the call through the store in workerd; TTL is the stage\'s', async () => {
  const callSid = sid();
  let r = await webhook({ CallSid: callSid, CallStatus: 'ringing' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state.stage, 'COLLECT_CLIENT_ID');
  r = await webhook({ CallSid: callSid, CallStatus: 'in-progress', Digits: '1234' });
  assert.equal(r.body.state.stage, 'COLLECT_JOB_NUMBER');
  assert.equal(r.body.state.clientId, '1234');
  const stored = JSON.parse(await redis.get(`call_state:${callSid}`));
  assert.equal(stored.schemaVersion, 3);
  assert.ok(stored.rev > 0, 'the store set a revision');
  assert.equal(stored.clientId, '1234');
  const ttl = await redis.ttl(`call_state:${callSid}`);
  assert.ok(ttl > 290 && ttl <= 300, `TTL ${ttl}`);
});

test('racing webhooks of one call through workerd: no update lost', async () => {
  const callSid = sid();
  await webhook({ CallSid: callSid, CallStatus: 'ringing' });
  const replies = await Promise.all([
    webhook({ CallSid: callSid, CallStatus: 'in-progress', Digits: '1234' }),
    webhook({ CallSid: callSid, CallStatus: 'completed' }),
  ]);
  for (const r of replies) assert.equal(r.status, 200, JSON.stringify(r.body));
  const stored = JSON.parse(await redis.get(`call_state:${callSid}`));
  assert.equal(stored.stage, 'COLLECT_JOB_NUMBER');
  assert.equal(stored.callStatus, 'completed');
});

test('scripts flushed from Redis: EVALSHA falls back to EVAL (NOSCRIPT) inside workerd', async () => {
  await redis.call('SCRIPT', 'FLUSH');
  const r = await webhook({ CallSid: sid() });
  assert.equal(r.status, 200, JSON.stringify(r.body));
});

test('a Redis outage reaches the worker as CallStateError REDIS (onRedisError: throw)', async () => {
  outage = true;
  try {
    const r = await webhook({ CallSid: sid() });
    assert.equal(r.status, 503);
    assert.equal(r.body.error.code, 'REDIS');
    assert.match(r.body.error.message, /simulated outage/);
  } finally {
    outage = false;
  }
  const bad = await webhook({ CallSid: 'CAnot-a-twilio-sid' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, 'INVALID_CALL_SID');
});
