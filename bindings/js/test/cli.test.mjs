// The `callstate` CLI (bindings/node/cli/main.js, the package's `bin`, built from bindings/js/cli/*.ts) against a real
// redis-server that this file starts with scripts/redis.sh. Each test uses its own key prefix.
// Speeds on 10 000 keys are printed as diagnostics, never asserted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CLI = join(root, 'bindings/node', require(join(root, 'bindings/node/package.json')).bin.callstate);
const { createCallStateStore, CallStateCodec } = require(join(root, 'bindings/node'));
const Redis = require('ioredis');

const dir = mkdtempSync(join(tmpdir(), 'callstate-cli-'));
let port; let url; let redis;

before(async () => {
  port = execFileSync('bash', [join(root, 'scripts/redis.sh'), 'start', dir]).toString().trim();
  url = `redis://127.0.0.1:${port}`;
  redis = new Redis(url);
});
after(async () => {
  await redis?.quit();
  execFileSync('bash', [join(root, 'scripts/redis.sh'), 'stop', dir]);
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI; resolves { code, stdout, stderr, ms }. */
function cli(args, { input, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, REDIS_URL: url, ...env }, cwd: root,
    });
    let stdout = ''; let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - start }));
    child.stdin.end(input ?? '');
  });
}

const state = (callSid, over = {}) => ({
  callSid, stage: 'COLLECT_CLIENT_ID', attemptCount: 0,
  lastUpdated: new Date('2024-03-15T14:30:22.000Z'), language: 'es', ...over,
});

test('usage: --help is 0, a bad command or option is 2, no redis is 1', async () => {
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: callstate <command>/);
  for (const args of [[], ['bogus'], ['scan', '--nope'], ['inspect'], ['scan', '--cluster'], ['scan', '--prefix', 'a b'], ['backup', '--apply']]) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
  }
  const down = await cli(['scan'], { env: { REDIS_URL: 'redis://127.0.0.1:1' } });
  assert.equal(down.code, 1, down.stderr);
  assert.match(down.stderr, /cannot connect to redis:\/\/127\.0\.0\.1:1/);
  // A password is never printed, whatever it holds (encoded @ and /, or not encoded at all).
  for (const secret of ['redis://user:s3cr%40t%2Fpw@127.0.0.1:1', 'redis://user:s3cr@t/pw@127.0.0.1:1', 'redis://user:4321/s3cr@127.0.0.1:1']) {
    const r = await cli(['scan'], { env: { REDIS_URL: secret } });
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /s3cr|pw@|user|4321/, r.stderr);
    assert.match(r.stderr, /redis:\/\/\*\*\*@127\.0\.0\.1:1/);
  }
});

test('inspect: state, rev, schema version, migratedFrom, TTL; both clients', async () => {
  const store = createCallStateStore(redis, { codec: { keyPrefix: 'ins:' }, onRedisError: 'throw' });
  await store.saveCallState('CAins1', state('CAins1', { stage: 'CONFIRM_JOB', clientId: 'ABC123' }));
  await redis.set('ins:CAins2', JSON.stringify({ ...state('CAins2'), action: 'cancel job' }), 'EX', 100);
  await redis.set('ins:CAins3', JSON.stringify({ callSid: 'CAins3', schemaVersion: 9 }));

  const text = await cli(['inspect', 'CAins1', '--prefix', 'ins:']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^key +ins:CAins1$/m);
  assert.match(text.stdout, /^stage +CONFIRM_JOB$/m);
  assert.match(text.stdout, /^rev +\d{10,}$/m);
  assert.match(text.stdout, /^schema version +3$/m);
  assert.match(text.stdout, /^TTL +(599|600) s \(\d+m\d\ds\)$/m);
  assert.match(text.stdout, /"clientId": "ABC123"/);

  for (const client of ['ioredis', 'redis']) {
    const r = await cli(['inspect', 'CAins2', '--prefix', 'ins:', '--json'], { env: { CALLSTATE_REDIS_CLIENT: client } });
    assert.equal(r.code, 0, `${client}: ${r.stderr}`);
    const j = JSON.parse(r.stdout);
    assert.deepEqual([j.schemaVersion, j.migratedFrom, j.revision, j.state.actionType], [2, 2, 0, 'CANCEL_JOB'], client);
    assert.ok(j.pttlMs > 98_000 && j.pttlMs <= 100_000, `pttl ${j.pttlMs}`);
  }
  const bad = await cli(['inspect', 'CAins3', '--prefix', 'ins:']);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /UNSUPPORTED_VERSION/);
  const missing = await cli(['inspect', 'CAnope', '--prefix', 'ins:']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no state for CAnope/);
  assert.equal((await cli(['inspect', 'CA bad', '--prefix', 'ins:'])).code, 1, 'INVALID_CALL_SID');
  await store.close();
});

test('scan: active calls by stage, as a table and as JSON', async () => {
  const store = createCallStateStore(redis, { codec: { keyPrefix: 'scn:' }, onRedisError: 'throw' });
  for (let i = 0; i < 5; i++) await store.saveCallState(`CAscan${i}`, state(`CAscan${i}`, { stage: i < 3 ? 'ASK_ACTION' : 'CONFIRM_JOB' }));
  await redis.set('scn:CAscanold', JSON.stringify({ callSid: 'CAscanold', stage: 'ASK_ACTION', attemptCount: 0, lastUpdated: '2024-01-01T00:00:00.000Z' }));
  await redis.set('scn:CAscanbad', 'not json');
  await redis.set('other:CAscanx', JSON.stringify(state('CAscanx'))); // another prefix: not counted

  const r = await cli(['scan', '--prefix', 'scn:']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0], /^STAGE +CALLS +V1 +V2 +V3 +MIN TTL +MAX TTL +OLDEST lastUpdated$/);
  assert.match(r.stdout, /^ASK_ACTION +4 +1 +0 +3 +\d+ s .* +none +2024-01-01T00:00:00\.000Z$/m);
  assert.match(r.stdout, /^CONFIRM_JOB +2 +0 +0 +2 /m);
  assert.match(r.stdout, /^total +6$/m);
  assert.match(r.stdout, /^undecodable: INVALID_JSON: 1/m);

  const j = JSON.parse((await cli(['scan', '--prefix', 'scn:', '--json', '--quiet'])).stdout);
  assert.equal(j.total, 7);
  assert.deepEqual(j.stages.map((s) => [s.stage, s.calls]), [['ASK_ACTION', 4], ['CONFIRM_JOB', 2]]);
  assert.deepEqual(j.invalid, { INVALID_JSON: 1 });
  await store.close();
});

test('backup and restore: NDJSON to a file and through stdin/stdout, NX unless --replace', async () => {
  const store = createCallStateStore(redis, { codec: { keyPrefix: 'bak:' }, onRedisError: 'throw' });
  for (let i = 0; i < 20; i++) await store.saveCallState(`CAbak${i}`, state(`CAbak${i}`));
  const file = join(dir, 'backup.ndjson');
  const b = await cli(['backup', file, '--prefix', 'bak:']);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stderr, /backup: 20 keys to /);
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 20);
  for (const l of lines) assert.deepEqual(Object.keys(JSON.parse(l)).sort(), ['atMs', 'key', 'pttlMs', 'value']);

  const before = await redis.get('bak:CAbak7');
  await redis.del(...lines.map((l) => JSON.parse(l).key).slice(0, 5));
  const r1 = await cli(['restore', file, '--prefix', 'bak:']);
  assert.equal(r1.code, 0, r1.stderr);
  assert.match(r1.stdout, /^restored 5, skipped: 0 expired, 0 invalid, 0 of calls that ended .*, 15 existing \(--replace overwrites them\)$/m);
  assert.match(r1.stderr, /restore \[#+\] 20\/20 100%/);
  const r2 = await cli(['restore', file, '--prefix', 'bak:', '--replace', '--quiet']);
  assert.match(r2.stdout, /^restored 20, skipped: 0 expired, 0 invalid, 0 of calls that ended .*, 0 existing$/m);
  assert.equal(r2.stderr, '');
  assert.equal(await redis.get('bak:CAbak7'), before);
  const ttl = await redis.pttl('bak:CAbak3');
  assert.ok(ttl > 290_000 && ttl <= 300_000, `ttl ${ttl}`);

  // stdout → stdin, into another database-free prefix check: a line outside the prefix is invalid
  const piped = await cli(['backup', '--prefix', 'bak:', '--quiet']);
  assert.equal(piped.stdout.trimEnd().split('\n').length, 20);
  await redis.del('bak:CAbak0');
  const extra = `${JSON.stringify({ key: 'zzz:CA1', pttlMs: -1, atMs: Date.now(), value: '{}' })}\n`;
  const r3 = await cli(['restore', '--prefix', 'bak:'], { input: piped.stdout + extra });
  assert.equal(r3.code, 0, r3.stderr);
  assert.match(r3.stdout, /^restored 1, skipped: 0 expired, 1 invalid/);
  const missingFile = await cli(['restore', join(dir, 'nope.ndjson'), '--prefix', 'bak:']);
  assert.equal(missingFile.code, 1);
  await store.close();
});

test('backup files are private and never overwritten without --force; restore --dry-run writes nothing and reports bad lines by number', async () => {
  const store = createCallStateStore(redis, { codec: { keyPrefix: 'priv:' }, onRedisError: 'throw' });
  for (let i = 0; i < 3; i++) await store.saveCallState(`CApriv${i}`, state(`CApriv${i}`));
  const file = join(dir, 'private.ndjson');
  const b1 = await cli(['backup', file, '--prefix', 'priv:', '--quiet']);
  assert.equal(b1.code, 0, b1.stderr);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const kept = readFileSync(file, 'utf8');
  await store.saveCallState('CApriv3', state('CApriv3'));
  const b2 = await cli(['backup', file, '--prefix', 'priv:', '--quiet']);
  assert.equal(b2.code, 1);
  assert.match(b2.stderr, /exists \(--force replaces it\)/);
  assert.equal(readFileSync(file, 'utf8'), kept, 'the old backup is untouched');
  const b3 = await cli(['backup', file, '--prefix', 'priv:', '--quiet', '--force']);
  assert.equal(b3.code, 0, b3.stderr);
  assert.equal(readFileSync(file, 'utf8').trimEnd().split('\n').length, 4);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.partial')), [], 'no partial file left');

  // A file with bad lines: dry run with --replace reports them by number, writes nothing.
  const bad = join(dir, 'bad.ndjson');
  writeFileSync(bad, `${readFileSync(file, 'utf8')}not json\n\n${JSON.stringify({ key: 'zzz:CA1', pttlMs: -1, atMs: 0, value: '{}' })}\n`);
  await redis.del('priv:CApriv0', 'priv:CApriv1');
  const dry = await cli(['restore', bad, '--prefix', 'priv:', '--replace', '--dry-run', '--quiet']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /^dry run: would restore 4, skipped: 0 expired, 2 invalid/m);
  assert.match(dry.stdout, /^ {2}line 5: not a backup line/m);
  assert.match(dry.stdout, /^ {2}line 7: the key is not a call state key/m);
  assert.equal(await redis.exists('priv:CApriv0', 'priv:CApriv1'), 0, 'a dry run writes nothing');
  const json = JSON.parse((await cli(['restore', bad, '--prefix', 'priv:', '--json', '--quiet'])).stdout);
  assert.deepEqual([json.restored, json.skippedExisting, json.skippedInvalid, json.invalid.map((i) => i.line)], [2, 2, 2, [5, 7]]);
  // From a pipe (read once: not pre-counted).
  await redis.del('priv:CApriv0', 'priv:CApriv1');
  const piped = await new Promise((resolve) => {
    const child = spawn('bash', ['-c', `"${process.execPath}" "${CLI}" restore <(cat "${bad}") --prefix priv: --quiet`],
      { env: { ...process.env, REDIS_URL: url }, cwd: root });
    let stdout = ''; child.stdout.on('data', (d) => { stdout += d; }); child.on('close', (code) => resolve({ code, stdout }));
  });
  assert.equal(piped.code, 0);
  assert.match(piped.stdout, /^restored 2, skipped: 0 expired, 2 invalid/m);
  for (const flag of ['--dry-run', '--include-ended']) assert.equal((await cli(['backup', flag])).code, 2);
  assert.equal((await cli(['restore', '--force'])).code, 2);
  await store.close();
});

test('migrate: 10 000 mixed v1/v2/v3 values; dry run writes nothing; --apply makes all v3, none lost, TTLs kept; a second run changes nothing', async (t) => {
  const N = 10_000;
  const prefix = 'mig:';
  const codec = new CallStateCodec({ keyPrefix: prefix });
  const written = new Map(); // key -> { value, pttl (-1 = none) }
  const stages = ['COLLECT_CLIENT_ID', 'CONFIRM_JOB', 'ASK_ACTION', 'EXECUTE_ACTION', 'GOODBYE'];
  const kinds = { v1: 0, v2: 0, seed: 0, v3: 0 };
  let pipe = redis.pipeline();
  for (let i = 0; i < N; i++) {
    const callSid = `CAmig${String(i).padStart(6, '0')}`;
    const base = { callSid, stage: stages[i % stages.length], attemptCount: i % 3, lastUpdated: new Date(1_700_000_000_000 + i * 1000).toISOString() };
    const kind = ['v1', 'v2', 'seed', 'v3'][i % 4];
    kinds[kind]++;
    const value = JSON.stringify(
      kind === 'v1' ? base // no language
        : kind === 'v2' ? { ...base, language: 'en', action: i % 8 === 1 ? 'cancel job' : 'Reschedule' }
          : kind === 'seed' ? { ...base, language: 'es', clientId: `C${i}` }
            : { ...base, language: 'es', schemaVersion: 3, rev: i + 1 },
    );
    const key = `${prefix}${callSid}`;
    const pttl = i % 50 === 0 ? -1 : 1_000_000 + i * 100; // a mix, some with no expiry
    written.set(key, { value, pttl });
    if (pttl < 0) pipe.set(key, value); else pipe.set(key, value, 'PX', pttl);
    if (pipe.length >= 1000) { await pipe.exec(); pipe = redis.pipeline(); }
  }
  await pipe.exec();
  const writtenAt = Date.now();

  /** Every key's value and PTTL, by pipelines. */
  async function snapshot() {
    const keys = [...written.keys()];
    const out = new Map();
    for (let i = 0; i < keys.length; i += 1000) {
      const p = redis.pipeline();
      for (const k of keys.slice(i, i + 1000)) p.get(k).pttl(k);
      const res = await p.exec();
      keys.slice(i, i + 1000).forEach((k, j) => out.set(k, { value: res[2 * j][1], pttl: res[2 * j + 1][1] }));
    }
    return out;
  }

  const dry = await cli(['migrate', '--prefix', prefix, '--json']);
  assert.equal(dry.code, 0, dry.stderr);
  const d = JSON.parse(dry.stdout);
  assert.equal(d.dryRun, true);
  assert.equal(d.scanned, N);
  assert.deepEqual(d.old, { v1: kinds.v1, v2: kinds.v2 });
  assert.equal(d.current, kinds.seed + kinds.v3);
  assert.deepEqual(d.migrated, {});
  const afterDry = await snapshot();
  for (const [k, w] of written) assert.equal(afterDry.get(k).value, w.value, `dry run changed ${k}`);
  const text = await cli(['migrate', '--prefix', prefix, '--quiet']);
  assert.match(text.stdout, new RegExp(`^read ${N} values in [\\d.]+ s: ${kinds.seed + kinds.v3} already v3, ${kinds.v1 + kinds.v2} older \\(v1: ${kinds.v1}, v2: ${kinds.v2}\\)$`, 'm'));
  assert.match(text.stdout, /^dry run: nothing written\. `callstate migrate --apply` rewrites the 5000 older values as v3\.$/m);

  const applyStart = Date.now();
  const apply = await cli(['migrate', '--prefix', prefix, '--apply', '--json']);
  assert.equal(apply.code, 0, apply.stderr);
  const a = JSON.parse(apply.stdout);
  assert.deepEqual(a.migrated, { v1: kinds.v1, v2: kinds.v2 });
  assert.deepEqual([a.failed, a.changedMeanwhile, a.goneMeanwhile, a.ttlNotKept], [0, 0, 0, 0]);
  assert.match(apply.stderr, /migrate: writing \[#{30}\] 5000\/5000 100%/);
  const after = await snapshot();
  const elapsed = Date.now() - writtenAt;
  let exact = 0;
  for (const [k, w] of written) {
    const now = after.get(k);
    assert.notEqual(now.value, null, `lost ${k}`);
    const rec = codec.decodeRecord(now.value);
    assert.equal(rec.schemaVersion, 3, k);
    assert.equal(rec.migratedFrom, null, k);
    // None lost: the state is the one the old value decodes to.
    assert.equal(codec.serializeCallState(rec.state), codec.serializeCallState(codec.decodeRecord(w.value).state), k);
    if (now.value === w.value) exact++;
    if (w.pttl < 0) assert.equal(now.pttl, -1, `${k} gained an expiry`);
    else assert.ok(now.pttl <= w.pttl && now.pttl >= w.pttl - elapsed - 2000, `${k}: pttl ${now.pttl}, was ${w.pttl}, ${elapsed} ms ago`);
  }
  assert.equal(exact, kinds.seed + kinds.v3, 'v3 values are not rewritten');

  const again = await cli(['migrate', '--prefix', prefix, '--apply', '--json']);
  const g = JSON.parse(again.stdout);
  assert.deepEqual([g.scanned, g.current, g.old, g.migrated], [N, N, {}, {}]);
  const final = await snapshot();
  for (const [k, v] of after) assert.equal(final.get(k).value, v.value, `second run changed ${k}`);

  // Speed on 10 000 keys (reported, not asserted): the CLI process end to end.
  const timed = {
    'migrate (dry run)': dry.ms,
    'migrate --apply (5 000 of 10 000 rewritten)': apply.ms,
    'migrate --apply (nothing to do)': again.ms,
    scan: (await cli(['scan', '--prefix', prefix, '--quiet'])).ms,
    'backup (to a file)': (await cli(['backup', join(dir, 'mig.ndjson'), '--prefix', prefix, '--quiet'])).ms,
    'restore --replace': (await cli(['restore', join(dir, 'mig.ndjson'), '--prefix', prefix, '--replace', '--quiet'])).ms,
  };
  const report = Object.entries(timed).map(([k, ms]) => `${k}: ${(ms / 1000).toFixed(2)} s`).join('; ');
  t.diagnostic(`CLI on ${N} keys: ${report}`);
  if (process.env.CALLSTATE_CLI_TIMINGS) writeFileSync(process.env.CALLSTATE_CLI_TIMINGS, `${JSON.stringify({ keys: N, ms: timed, applyStartedAt: applyStart })}\n`);
});

test('store.maintenance: callSidOf, read, upgrade (CAS, TTL kept) — with Lua and with scripting refused', async () => {
  await redis.call('ACL', 'SETUSER', 'noscript', 'on', '>pw', '~*', '+@all', '-@scripting');
  const noLua = new Redis({ port, host: '127.0.0.1', username: 'noscript', password: 'pw' });
  for (const [mode, client] of [['lua', redis], ['no-lua', noLua]]) {
    const p = `mnt-${mode}:`;
    const store = createCallStateStore(client, { codec: { keyPrefix: p, hashTag: true }, onRedisError: 'fail-open' });
    const m = store.maintenance;
    assert.equal(m.callSidOf(`${p}{CAm1}`), 'CAm1');
    assert.equal(m.callSidOf(`${p}{CAm1}:w`), null);
    assert.equal(m.callSidOf('other:{CAm1}'), null);
    assert.equal(await m.read('CAm1'), null);

    const v2 = JSON.stringify({ ...state('CAm1'), lastUpdated: '2024-03-15T14:30:22.000Z', action: 'cancel job' });
    await redis.set(`${p}{CAm1}`, v2, 'PX', 100_000);
    const r = await m.read('CAm1');
    assert.deepEqual([r.key, r.value, r.compressed], [`${p}{CAm1}`, v2, false]);
    assert.ok(r.pttlMs > 99_000 && r.pttlMs <= 100_000, `${mode}: pttl ${r.pttlMs}`);

    assert.equal(await m.upgrade('CAm1', v2), 'upgraded', mode);
    const now = await redis.get(`${p}{CAm1}`);
    assert.match(now, /^\{"schemaVersion":3,"rev":\d+,/);
    assert.equal(JSON.parse(now).actionType, 'CANCEL_JOB');
    const ttl = await redis.pttl(`${p}{CAm1}`);
    assert.ok(ttl > 98_000 && ttl <= 100_000, `${mode}: the TTL is kept, not the stage's (${ttl})`);
    assert.equal(await m.upgrade('CAm1', now), 'current', mode);
    assert.equal(await m.upgrade('CAm1', v2), 'changed', `${mode}: the stored value is not the one given`);

    const v1 = JSON.stringify({ callSid: 'CAm2', stage: 'ASK_ACTION', attemptCount: 1, lastUpdated: '2024-03-15T14:30:22.000Z' });
    await redis.set(`${p}{CAm2}`, v1); // no expiry: none added
    assert.equal(await m.upgrade('CAm2', v1), 'upgraded', mode);
    assert.equal(await redis.pttl(`${p}{CAm2}`), -1, `${mode}: no expiry stays no expiry`);
    assert.equal(await m.upgrade('CAm3', v1.replace(/CAm2/g, 'CAm3')), 'gone', mode);

    const v1b = v1.replace(/CAm2/g, 'CAm4');
    await redis.set(`${p}{CAm4}`, v1b, 'EX', 100);
    await store.endCall('CAm4');
    await assert.rejects(m.upgrade('CAm4', v1b), (e) => e.code === 'STALE_WRITE', mode);
    await assert.rejects(m.upgrade('CAm4', 'not json'), (e) => e.code === 'INVALID_JSON', mode);
    await assert.rejects(m.read('CA bad'), (e) => e.code === 'INVALID_CALL_SID', mode);

    // Operator tools reject on Redis errors even with onRedisError 'fail-open'.
    const down = createCallStateStore({ send: async () => { throw new Error('ECONNREFUSED'); } }, { codec: { keyPrefix: p }, timeoutMs: 200 });
    await assert.rejects(down.maintenance.read('CAm1'), (e) => e.code === 'REDIS');
    await store.close();
  }
  noLua.disconnect();
});

test('migrate --apply with scripting refused (an ACL user without @scripting): all v3, TTLs kept', async () => {
  await redis.call('ACL', 'SETUSER', 'noscript', 'on', '>pw', '~*', '+@all', '-@scripting');
  const prefix = 'migacl:';
  for (let i = 0; i < 50; i++) {
    const value = JSON.stringify({ callSid: `CAacl${i}`, stage: 'ASK_ACTION', attemptCount: 0, lastUpdated: '2024-03-15T14:30:22.000Z', language: 'en', action: 'Reschedule' });
    await redis.set(`${prefix}CAacl${i}`, value, 'PX', 500_000);
  }
  const r = await cli(['migrate', '--apply', '--json', '--prefix', prefix], { env: { REDIS_URL: `redis://noscript:pw@127.0.0.1:${port}` } });
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual([j.migrated, j.failed, j.ttlNotKept], [{ v2: 50 }, 0, 0]);
  const codec = new CallStateCodec({ keyPrefix: prefix });
  for (let i = 0; i < 50; i++) {
    assert.equal(codec.decodeRecord(await redis.get(`${prefix}CAacl${i}`)).schemaVersion, 3);
    const ttl = await redis.pttl(`${prefix}CAacl${i}`);
    assert.ok(ttl > 480_000 && ttl <= 500_000, `ttl ${ttl}`);
  }
});
