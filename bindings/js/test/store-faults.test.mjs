// One test per fault-path defect of issue 11, each on a real redis-server this file starts (its
// own, since it pauses, fills and reconfigures it), on both clients, for the backend in
// CALLSTATE_BACKEND. The broad fault matrix is tests/faults/ (scripts/test-faults.sh); these pin
// the individual rules of SPEC §7 "Faults".
import { test, describe, before, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

const require = createRequire(import.meta.url);
const backend = process.env.CALLSTATE_BACKEND ?? 'native';
const { createCallStateStore, CallStateCodec, serializeCallState } = require(backend === 'wasm' ? '../../wasm' : '../../node');
const Redis = require('ioredis');
const { createClient } = require('redis');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () => new Promise((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
let port; let proc; let dir;
const cli = (...args) => execFileSync('redis-cli', ['-p', String(port), ...args]).toString().trim();
const up = async () => {
  for (let i = 0; i < 100; i++) { try { if (cli('PING') === 'PONG') return; } catch { /* starting */ } await sleep(50); }
  throw new Error('redis did not start');
};
const startServer = async (extra = []) => {
  proc = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '',
    '--enable-debug-command', 'yes', ...extra], { stdio: 'ignore' });
  await up();
  // `app` may not script (the WATCH fallback's user); `lua` may.
  cli('ACL', 'SETUSER', 'nolua', 'on', '>pw', '~*', '&*', '+@all', '-@scripting');
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'callstate-faults-'));
  port = await freePort();
  await startServer();
});
after(() => { proc?.kill('SIGKILL'); rmSync(dir, { recursive: true, force: true }); });

const clients = {
  ioredis: async (user) => {
    // maxLoadingRetryTime: ioredis's own ready check otherwise waits out the server's LOADING
    // estimate (seconds) before sending anything; the store retries LOADING itself.
    const c = new Redis({ port, host: '127.0.0.1', maxLoadingRetryTime: 200, ...(user ? { username: user, password: 'pw' } : {}) });
    c.on('error', () => {});
    return c;
  },
  'node-redis': async (user) => {
    const c = createClient({ url: `redis://${user ? `${user}:pw@` : ''}127.0.0.1:${port}` });
    c.on('error', () => {});
    await c.connect();
    return c;
  },
};
const closeClient = (c) => { try { c.disconnect ? c.disconnect() : c.destroy(); } catch { /* closed */ } };

let n = 0;
const sid = () => `CAf${backend}${Date.now().toString(36)}x${n++}`;
const state = (callSid, over = {}) => ({ callSid, stage: 'COLLECT_CLIENT_ID', attemptCount: 0,
  lastUpdated: new Date('2024-03-15T14:30:22.000Z'), language: 'es', ...over });
const bump = (s) => ({ ...s, attemptCount: s.attemptCount + 1 });

/** A `{ send }` executor over a real client that records every command it is asked to send. */
const recording = (c) => {
  const sent = [];
  const send = (argv) => { sent.push({ at: Date.now(), argv }); return c.call ? c.call(argv[0], ...argv.slice(1)) : c.sendCommand(argv); };
  return { sent, client: { send } };
};

/**
 * A store whose first write script carrying `marker` runs on the real server, then `between(sid)`
 * runs (another webhook, on `other`), then the reply is lost as when the socket drops after the
 * server ran the command (this executor raises the connection error; the command did run).
 */
async function lostReply(connect, marker, between) {
  const redis = await connect();
  const otherClient = await connect();
  const other = createCallStateStore(otherClient, { onRedisError: 'throw' });
  let dropped = false;
  const send = async (argv) => {
    const reply = await (redis.call ? redis.call(argv[0], ...argv.slice(1)) : redis.sendCommand(argv));
    if (!dropped && argv[0] === 'EVALSHA' && argv.some((a) => a.includes(marker))) {
      dropped = true;
      await between(argv[3].slice('call_state:'.length));
      throw new Error('read ECONNRESET');
    }
    return reply;
  };
  const store = createCallStateStore({ send }, { onRedisError: 'throw' });
  const close = async () => { await store.close(); await other.close(); closeClient(redis); closeClient(otherClient); };
  return { store, other, dropped: () => dropped, close };
}

for (const [kind, connect] of Object.entries(clients)) {
  describe(`faults on ${kind} (${backend})`, () => {
    test('CLIENT PAUSE past timeoutMs: settles on time, then sends nothing and never calls fn again', async () => {
      const redis = await connect();
      const { sent, client } = recording(redis);
      const store = createCallStateStore(client, { onRedisError: 'throw', timeoutMs: 300 });
      const id = sid();
      await store.saveCallState(id, state(id));
      // Another writer (seed-style, rev 0) changes the value: the store's guess is stale, so the
      // write held by the pause answers CONFLICT after the deadline — a retry would follow it.
      cli('SET', `call_state:${id}`, serializeCallState(state(id, { clientId: 'OTHER' })), 'EX', '300');
      cli('CLIENT', 'PAUSE', '1500', 'WRITE');
      let calls = 0;
      const t0 = Date.now();
      await assert.rejects(store.updateCallState(id, (s) => { calls++; return bump(s); }, { maxRetries: 50 }),
        (e) => e.code === 'REDIS' && /timed out/.test(e.message));
      const settled = Date.now();
      assert.ok(settled - t0 < 300 + 50, `settled after ${settled - t0} ms`);
      const callsAtSettle = calls;
      await sleep(1800); // the pause ends; a write already sent lands now
      assert.equal(calls, callsAtSettle, 'fn called after the method settled');
      assert.deepEqual(sent.filter((s) => s.at > settled).map((s) => s.argv[0]), [], 'commands sent after the method settled');
      const after = await store.getCallState(id);
      assert.ok(after.attemptCount <= 1, 'applied at most once');
      await store.close(); closeClient(redis);
    });

    test('OOM fails the write but does not turn scripting off; the next write is a script again', async () => {
      const redis = await connect();
      const { sent, client } = recording(redis);
      const store = createCallStateStore(client, { onRedisError: 'throw' });
      const id = sid();
      await store.saveCallState(id, state(id));
      cli('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      cli('CONFIG', 'SET', 'maxmemory', '1');
      try {
        await assert.rejects(store.saveCallState(id, state(id, { attemptCount: 1 })), (e) => e.code === 'REDIS' && /OOM/.test(e.message));
      } finally { cli('CONFIG', 'SET', 'maxmemory', '0'); }
      sent.length = 0;
      await store.saveCallState(id, state(id, { attemptCount: 2 }));
      assert.deepEqual(sent.map((s) => s.argv[0]), ['EVALSHA'], 'the write after OOM is one EVALSHA');
      assert.equal((await store.getCallState(id)).attemptCount, 2);
      await store.close(); closeClient(redis);
    });

    test('LOADING after a restart is retried within timeoutMs, not failed', async () => {
      const redis = await connect();
      const store = createCallStateStore(redis, { onRedisError: 'throw', timeoutMs: 8000 });
      const id = sid();
      await store.saveCallState(id, state(id));
      // Enough keys that loading them at 20 µs each takes a second or two, then a restart from the
      // RDB (events processed every KiB while loading, so the server answers LOADING meanwhile).
      cli('DEBUG', 'POPULATE', '20000', 'filler');
      cli('SAVE');
      proc.kill('SIGKILL');
      await sleep(100);
      proc = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '',
        '--enable-debug-command', 'yes', '--key-load-delay', '20', '--loading-process-events-interval-bytes', '1024'],
      { stdio: 'ignore' });
      let loadingSeen = false;
      for (let i = 0; i < 200 && !loadingSeen; i++) {
        try { loadingSeen = /LOADING/.test(cli('GET', 'x')); } catch { /* not listening yet */ }
        if (!loadingSeen) await sleep(10);
      }
      assert.ok(loadingSeen, 'the server answered LOADING');
      try {
        const got = await store.updateCallState(id, bump);
        assert.equal(got.attemptCount, 1);
      } finally {
        while (true) { try { if (cli('PING') === 'PONG') break; } catch { /* loading */ } await sleep(50); }
        cli('FLUSHALL');
        cli('CONFIG', 'SET', 'key-load-delay', '0');
        cli('ACL', 'SETUSER', 'nolua', 'on', '>pw', '~*', '&*', '+@all', '-@scripting');
      }
      await store.close(); closeClient(redis);
    });

    test('a value with rev 0 is compared by its text: a different rev-0 value is not overwritten', async () => {
      const redis = await connect();
      const store = createCallStateStore(redis, { onRedisError: 'throw' });
      const id = sid();
      const key = `call_state:${id}`;
      cli('SET', key, serializeCallState(state(id, { clientId: 'FIRST' })), 'EX', '300');
      let calls = 0;
      const result = await store.updateCallState(id, (s) => {
        // A seed-style writer replaces the value with another rev-0 value meanwhile.
        if (calls++ === 0) cli('SET', key, serializeCallState(state(id, { clientId: 'SECOND' })), 'EX', '300');
        return bump(s);
      });
      assert.equal(calls, 2, 'the first compare failed and fn ran on the new value');
      assert.equal(result.clientId, 'SECOND');
      assert.equal((await store.getCallState(id)).clientId, 'SECOND');
      await store.close(); closeClient(redis);
    });

    test('endCall never lengthens a TTL; a migrated read keeps the remaining TTL', async () => {
      const redis = await connect();
      const store = createCallStateStore(redis, { onRedisError: 'throw' });
      const id = sid();
      await store.saveCallState(id, state(id)); // stage TTL 300
      await store.endCall(id, { keepSeconds: 3600 });
      assert.ok(Number(cli('TTL', `call_state:${id}`)) <= 300, 'state TTL lengthened by endCall');
      assert.ok(Number(cli('TTL', `call_state:${id}:ids`)) <= 300, 'write-id TTL lengthened by endCall');
      const old = sid();
      const v1 = JSON.stringify({ callSid: old, stage: 'COLLECT_CLIENT_ID', attemptCount: 0, lastUpdated: '2024-03-15T14:30:22.000Z' });
      cli('SET', `call_state:${old}`, v1, 'EX', '5000');
      assert.equal((await store.getCallState(old)).language, 'es');
      assert.match(cli('GET', `call_state:${old}`), /^\{"schemaVersion":3,"rev":[1-9]/, 'the upgrade was written back');
      assert.ok(Number(cli('TTL', `call_state:${old}`)) > 4000, 'a read reset the TTL to the stage');
      await store.close(); closeClient(redis);
    });

    test('a lost reply, then a newer write: the retry finds its write applied instead of STALE_WRITE', async () => {
      // The server applies the first write script; the reply is lost as when the socket drops
      // after the server ran it (the connection error is raised by this executor, after the real
      // command ran), and another webhook writes a newer state before the retry.
      const { store, other, dropped, close } = await lostReply(connect, '"attemptCount":1',
        (sid2) => other.saveCallState(sid2, state(sid2, { attemptCount: 7, lastUpdated: new Date('2024-03-15T15:00:00.000Z') })));
      const id = sid();
      await other.saveCallState(id, state(id)); // saved elsewhere: this store reads before its update
      const result = await store.updateCallState(id, (s) => ({ ...bump(s), lastUpdated: new Date('2024-03-15T14:40:00.000Z') }));
      assert.ok(dropped());
      assert.equal(result.attemptCount, 7, 'resolves to the stored state (the update was applied, then overwritten)');
      await close();
    });

    test('a lost reply, then 40 other writes before the retry: the retry is still recognised (write-id window)', async () => {
      // With 8 remembered ids the first attempt's id was gone by the retry, whose compare then
      // failed on the new rev, and fn ran again on a state that already held its update.
      const { store, other, dropped, close } = await lostReply(connect, '"clientId":"MINE"', async (sid2) => {
        for (let i = 0; i < 40; i++) await other.updateCallState(sid2, (s) => ({ ...s, jobNumber: `J${i}` }));
      });
      const id = sid();
      await other.saveCallState(id, state(id));
      let calls = 0;
      const result = await store.updateCallState(id, (s) => { calls++; return { ...bump(s), clientId: 'MINE' }; });
      assert.ok(dropped());
      assert.equal(calls, 1, 'fn ran again after its update had landed');
      assert.equal(result.attemptCount, 1);
      assert.equal((await other.getCallState(id)).attemptCount, 1, 'applied twice');
      await close();
    });

    test('without Lua: extend also extends the write ids; endCall racing saves always ends the call', async () => {
      const redis = await connect('nolua');
      const store = createCallStateStore(redis, { onRedisError: 'throw', timeoutMs: 5000 });
      const id = sid();
      await store.saveCallState(id, state(id)); // 300 s
      assert.equal(await store.extendCallStateTTL(id, 1000), 1300);
      assert.ok(Number(cli('TTL', `call_state:${id}:ids`)) > 1200, 'write ids not extended with the state');
      for (let round = 0; round < 15; round++) {
        const c = sid();
        await store.saveCallState(c, state(c));
        const saves = Array.from({ length: 4 }, (_, i) => store.saveCallState(c, state(c, { attemptCount: i })).catch(() => {}));
        await store.endCall(c, { keepSeconds: 60 });
        assert.equal(cli('EXISTS', `call_state:${c}:end`), '1', `round ${round}: endCall resolved without ending the call`);
        await Promise.all(saves);
      }
      await store.close(); closeClient(redis);
    });

    test('isolatedClient handing back one connection: one transaction at a time, nothing hangs', async () => {
      const redis = await connect('nolua');
      const shared = await connect('nolua');
      const store = createCallStateStore(redis, { onRedisError: 'throw', timeoutMs: 10_000, isolatedClient: () => shared });
      const id = sid();
      await store.saveCallState(id, state(id));
      await Promise.all(Array.from({ length: 10 }, () => store.updateCallState(id, bump, { maxRetries: 50 })));
      assert.equal((await store.getCallState(id)).attemptCount, 10);
      await store.close(); closeClient(redis);
    });

    test('without Lua: a nil EXEC (a watched key written meanwhile) runs the step again from WATCH', async () => {
      const redis = await connect('nolua');
      const conn = await connect('nolua');
      const other = await connect();
      const id = sid(); const key = `call_state:${id}`;
      let touched = false; let execs = 0; const nils = [];
      const on = (c, ...argv) => (c.call ? c.call(...argv) : c.sendCommand(argv));
      const raw = (argv) => on(conn, ...argv);
      const send = async (argv) => {
        if (argv[0] === 'EXEC') execs++;
        const reply = await raw(argv);
        if (argv[0] === 'EXEC') nils.push(reply == null);
        if (argv[0] === 'WATCH' && !touched && Number(await on(other, 'EXISTS', key))) {
          // Another client rewrites the value, unchanged, after the WATCH: EXEC must answer nil.
          touched = true;
          await on(other, 'SET', key, String(await on(other, 'GET', key)), 'KEEPTTL');
        }
        return reply;
      };
      const store = createCallStateStore(redis, { onRedisError: 'throw', timeoutMs: 10_000, isolatedClient: () => ({ send }) });
      await store.saveCallState(id, state(id));
      await store.saveCallState(id, state(id, { attemptCount: 5, lastUpdated: new Date('2024-03-15T14:31:00.000Z') }));
      assert.ok(touched, 'the key was touched between WATCH and EXEC');
      assert.deepEqual(nils.slice(-2), [true, false], 'the first EXEC of the second save was nil, the rerun applied');
      assert.equal((await store.getCallState(id)).attemptCount, 5);
      const ids = String(await on(other, 'GET', `${key}:ids`));
      assert.equal(ids.split(' ').filter(Boolean).length - 1, 2, `each save recorded its write id once: ${ids}`);
      await store.close(); closeClient(redis); closeClient(conn); closeClient(other);
    });

    test('without Lua: restore still checks the end marker and sets in one step (WATCH fallback)', async () => {
      const redis = await connect('nolua');
      const store = createCallStateStore(redis, { onRedisError: 'throw', timeoutMs: 10_000 });
      const [a, b] = [sid(), sid()];
      for (const id of [a, b]) await store.saveCallState(id, state(id));
      const lines = [];
      for await (const l of store.backup()) if ([a, b].some((id) => JSON.parse(l).key === `call_state:${id}`)) lines.push(l);
      await store.endCall(a, { keepSeconds: 60 });
      cli('DEL', `call_state:${a}`, `call_state:${b}`);
      const r = await store.restore(lines);
      assert.deepEqual([r.restored, r.skippedEnded, r.skippedExisting], [1, 1, 0]);
      assert.equal(cli('EXISTS', `call_state:${a}`), '0');
      assert.equal(cli('EXISTS', `call_state:${b}`), '1');
      const again = await store.restore(lines);
      assert.deepEqual([again.restored, again.skippedEnded, again.skippedExisting], [0, 1, 1]);
      await store.close(); closeClient(redis);
    });

    test('the WATCH pool is bounded (poolSize) and CLIENT KILL of it loses nothing', async () => {
      const redis = await connect('nolua');
      const store = createCallStateStore(redis, { onRedisError: 'throw', timeoutMs: 10_000, poolSize: 2 });
      const id = sid();
      await store.saveCallState(id, state(id));
      let maxConns = 0;
      let running = true;
      const watcher = (async () => {
        while (running) {
          maxConns = Math.max(maxConns, cli('CLIENT', 'LIST').split('\n').filter((l) => l.includes('user=nolua')).length);
          await sleep(5);
        }
      })();
      const acked = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
        if (i === 10) cli('CLIENT', 'KILL', 'USER', 'nolua');
        try { await store.updateCallState(id, bump, { maxRetries: 100 }); return 1; } catch { return 0; }
      }));
      running = false; await watcher;
      assert.ok(maxConns <= 3, `${maxConns} connections for 1 client + a pool of 2`);
      const count = (await store.getCallState(id)).attemptCount;
      const ok = acked.reduce((a, b) => a + b, 0);
      assert.ok(count >= ok && count <= 20, `${ok} acknowledged, ${count} applied`);
      await store.close(); closeClient(redis);
    });

    test('an idle WATCH connection killed: the pool replaces it (no deadlock)', async () => {
      const redis = await connect('nolua');
      const store = createCallStateStore(redis, { onRedisError: 'throw', timeoutMs: 3000, poolSize: 1 });
      const id = sid();
      await store.saveCallState(id, state(id));
      await store.updateCallState(id, bump);
      const mine = cli('CLIENT', 'LIST').split('\n').filter((l) => l.includes('user=nolua')).map((l) => /id=(\d+)/.exec(l)[1]);
      for (const cid of mine) cli('CLIENT', 'KILL', 'ID', cid); // the client's own and the idle pool connection
      await sleep(100);
      for (let i = 0; i < 3; i++) await store.updateCallState(id, bump);
      assert.equal((await store.getCallState(id)).attemptCount, 4);
      await store.close(); closeClient(redis);
    });

    test('a shared isolatedClient survives a transaction that timed out (DEBUG SLEEP)', async () => {
      const redis = await connect('nolua');
      const shared = await connect('nolua');
      const store = createCallStateStore(redis, { onRedisError: 'throw', timeoutMs: 400, isolatedClient: () => shared });
      const id = sid();
      await store.saveCallState(id, state(id));
      const admin = await connect();
      const sleeping = (admin.call ? admin.call('DEBUG', 'SLEEP', '0.7') : admin.sendCommand(['DEBUG', 'SLEEP', '0.7'])).catch(() => {});
      await sleep(20);
      await assert.rejects(store.updateCallState(id, bump), (e) => e.code === 'REDIS');
      await sleeping;
      await sleep(50);
      const got = await store.updateCallState(id, bump);
      assert.ok(got.attemptCount >= 1 && got.attemptCount <= 2);
      const pong = await (shared.call ? shared.call('PING') : shared.sendCommand(['PING']));
      assert.equal(pong, 'PONG', 'the store closed a connection it did not make');
      await store.close(); closeClient(redis); closeClient(admin);
    });

    test('a write is never left in a disconnected client\'s queue to land after the method settled', async () => {
      const redis = await connect();
      const store = createCallStateStore(redis, { onRedisError: 'throw', timeoutMs: 300 });
      const id = sid();
      proc.kill('SIGKILL');
      await sleep(100);
      await assert.rejects(store.saveCallState(id, state(id)), (e) => e.code === 'REDIS');
      await startServer();
      await sleep(1500); // the client reconnects; anything it queued would run now
      assert.equal(cli('EXISTS', `call_state:${id}`), '0', 'a write landed after its method settled');
      await store.saveCallState(id, state(id));
      assert.equal(cli('EXISTS', `call_state:${id}`), '1');
      await store.close(); closeClient(redis);
    });

    test('errors carry the cause without the command (no state JSON in logs)', async () => {
      const redis = await connect();
      const store = createCallStateStore(redis, { onRedisError: 'throw' });
      const id = sid();
      cli('RPUSH', `call_state:${id}:ids`, 'not a string'); // GET of it: WRONGTYPE
      const err = await store.saveCallState(id, state(id, { clientId: 'SECRET123' })).catch((e) => e);
      assert.equal(err.code, 'REDIS');
      assert.ok(err.cause instanceof Error);
      assert.ok(!JSON.stringify({ ...err.cause, m: err.cause.message }).includes('SECRET123'), 'cause carries the state');
      assert.equal(err.cause.command, undefined);
      await store.close(); closeClient(redis);
    });
  });
}

describe(`store options and metrics (${backend})`, () => {
  test('a bad codec option names options.codec', () => {
    assert.throws(() => createCallStateStore({ send: async () => null }, { codec: 5 }),
      (e) => e.code === 'INVALID_FIELD' && e.path === 'options.codec');
    assert.throws(() => createCallStateStore({ send: async () => null }, { codec: { ttl: { max: -1 } } }),
      (e) => e.code === 'INVALID_FIELD' && e.path === 'options.codec.ttl.max');
    assert.throws(() => createCallStateStore({ send: async () => null }, { durability: { replicas: 0 } }),
      (e) => e.code === 'INVALID_FIELD' && e.path === 'options.durability.replicas');
  });

  test('onMetric reports compressed saves, updates and reads', async () => {
    const redis = await clients.ioredis();
    const metrics = [];
    const codec = new CallStateCodec({ compression: { thresholdBytes: 64 } });
    const store = createCallStateStore(redis, { codec, onRedisError: 'throw', onMetric: (m) => metrics.push(m) });
    const id = sid();
    await store.saveCallState(id, state(id, { clientId: 'x'.repeat(400) }));
    await store.getCallState(id);
    await store.updateCallState(id, bump);
    assert.deepEqual(metrics.map((m) => [m.operation, m.compressed]), [['save', true], ['get', true], ['update', true]]);
    await store.close(); closeClient(redis);
  });
});

describe(`restore from a stream (${backend})`, () => {
  test('lines split across chunk boundaries (text and Buffer chunks), an overlong line skipped', async () => {
    const { writeFileSync, createReadStream } = await import('node:fs');
    const redis = await clients.ioredis();
    const store = createCallStateStore(redis, { onRedisError: 'throw', codec: { maxBytes: 4096 } });
    const ids = Array.from({ length: 30 }, () => sid());
    for (const id of ids) await store.saveCallState(id, state(id, { clientId: 'Ñandú-ü-€' }));
    let text = '';
    for await (const line of store.backup({ match: `CAf${backend}*` })) if (ids.some((id) => line.includes(id))) text += line;
    const overlong = `${JSON.stringify({ key: `call_state:${ids[0]}`, pttlMs: 1000, atMs: Date.now(), value: 'x'.repeat(20_000) })}\n`;
    const file = join(dir, `backup-${backend}.ndjson`);
    const lines = text.split('\n').filter(Boolean).map((l) => `${l}\n`);
    writeFileSync(file, [...lines.slice(0, 15), overlong, ...lines.slice(15)].join(''));
    for (const encoding of ['utf8', undefined]) {
      for (const id of ids) cli('DEL', `call_state:${id}`);
      const result = await store.restore(createReadStream(file, { encoding, highWaterMark: 61 }));
      assert.equal(result.skippedInvalid, 1, `the overlong line (${encoding ?? 'Buffer'} chunks)`);
      assert.equal(result.restored, 30, `every line across 61-byte chunks (${encoding ?? 'Buffer'} chunks)`);
      assert.equal((await store.getCallState(ids[7])).clientId, 'Ñandú-ü-€');
    }
    await store.close(); closeClient(redis);
  });
});

describe(`cancellation on a fake clock (${backend})`, () => {
  test('once timeoutMs passes: rejected, no further command, no further fn call', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    try {
      const sent = [];
      let release;
      // A server that answers GET at once and holds the first write until released.
      const send = (argv) => {
        sent.push(argv[0]);
        if (argv[0] === 'GET') return Promise.resolve(serializeCallState(state('CAclock1')));
        if (sent.filter((c) => c === 'EVALSHA').length === 1) return new Promise((r) => { release = () => r(['CONFLICT', null]); });
        return Promise.resolve(['CONFLICT', null]);
      };
      const store = createCallStateStore({ send }, { onRedisError: 'throw', timeoutMs: 1000 });
      let calls = 0;
      const p = store.updateCallState('CAclock1', (s) => { calls++; return bump(s); }, { maxRetries: 10 });
      const settled = p.then(() => 'ok', (e) => e.code);
      for (let i = 0; i < 5; i++) await Promise.resolve();
      await new Promise((r) => setImmediate(r));
      assert.equal(calls, 1);
      mock.timers.tick(1000);
      assert.equal(await settled, 'REDIS');
      const before = sent.length;
      release(); // the held write answers CONFLICT after the deadline: no retry may follow
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      assert.equal(calls, 1, 'fn ran after the method settled');
      assert.equal(sent.length, before, 'a command was sent after the method settled');
    } finally { mock.timers.reset(); }
  });
});
