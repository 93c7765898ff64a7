#!/usr/bin/env node
'use strict';
// The `callstate` operator CLI (the `bin` of the `callstate` package): inspect one call, count
// active calls by stage, migrate old-version values to v3, back up and restore. It runs the
// package's own codec and store on the user's Redis client: `ioredis` or `redis` (node-redis),
// whichever is installed (resolved from the current directory first, then beside the package),
// so the package gains no dependency. bindings/js/build.mjs copies this file to bindings/node/cli.js.
// Exit codes: 0 ok, 1 error, 2 usage.

const { parseArgs } = require('node:util');
const { createRequire } = require('node:module');
const { createReadStream, createWriteStream, readFileSync } = require('node:fs');
const { once } = require('node:events');
const { join } = require('node:path');
const readline = require('node:readline');

const USAGE = `usage: callstate <command> [options]

commands:
  inspect <callSid>          one call: state (pretty), rev, schema version, migratedFrom, TTL
  scan                       active calls by stage, a table
  migrate [--apply]          rewrite every v1/v2 value as v3 with compare-and-set;
                             a dry run (counts only, no writes) unless --apply
  backup [file]              NDJSON lines {key, pttlMs, atMs, value} to file (default stdout)
  restore [file] [--replace] NDJSON from file (default stdin); existing keys kept unless --replace

options:
  --url <url>          Redis URL (default $REDIS_URL, else redis://127.0.0.1:6379)
  --cluster            connect as a Redis Cluster client (ioredis Cluster or node-redis
                       createCluster; needs --hash-tag); --url is one node of it
  --hash-tag           keys are prefix + "{" + callSid + "}" (the codec's hashTag)
  --prefix <p>         key prefix (default "call_state:")
  --match <glob>       scan/migrate/backup: only call SIDs matching the glob
  --concurrency <n>    migrate: calls in flight at once (default 16)
  --json               inspect/scan/migrate: print JSON instead of text
  --quiet              no progress on stderr
  -h, --help           this text

The Redis client is the one your project installed: ioredis, else redis (node-redis v4+);
CALLSTATE_REDIS_CLIENT=ioredis|redis picks one. Exit codes: 0 ok, 1 error, 2 usage.
`;

class UsageError extends Error {}

const OPTIONS = {
  url: { type: 'string' },
  cluster: { type: 'boolean' },
  'hash-tag': { type: 'boolean' },
  prefix: { type: 'string' },
  match: { type: 'string' },
  concurrency: { type: 'string' },
  apply: { type: 'boolean' },
  replace: { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const COMMANDS = {
  inspect: { args: 1, run: inspect },
  scan: { args: 0, run: scan },
  migrate: { args: 0, run: migrate },
  backup: { args: [0, 1], run: backup },
  restore: { args: [0, 1], run: restore },
};

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`callstate: ${e.message}\n(see callstate --help)\n`);
      process.exitCode = 2;
    } else {
      const code = e && e.code ? ` [${e.code}${e.path ? ` at ${e.path}` : ''}]` : '';
      process.stderr.write(`callstate: ${e && e.message}${code}\n`);
      if (e && e.cause && e.cause.message) process.stderr.write(`  cause: ${e.cause.message}\n`);
      process.exitCode = 1;
    }
  },
);

async function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e.message);
  }
  const { values: opts, positionals } = parsed;
  if (opts.help || positionals.length === 0) {
    (opts.help ? process.stdout : process.stderr).write(USAGE);
    return opts.help ? 0 : 2;
  }
  const [name, ...args] = positionals;
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command \`${name}\``);
  const [min, max] = Array.isArray(command.args) ? command.args : [command.args, command.args];
  if (args.length < min || args.length > max) throw new UsageError(`\`${name}\` takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${args.length}`);
  if (opts.apply && name !== 'migrate') throw new UsageError('--apply is for `migrate`');
  if (opts.replace && name !== 'restore') throw new UsageError('--replace is for `restore`');
  if (opts.cluster && !opts['hash-tag']) {
    throw new UsageError('--cluster needs --hash-tag: in a cluster every key of a call must share a slot');
  }
  const concurrency = opts.concurrency === undefined ? 16 : Number(opts.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency must be a positive integer');

  const cs = require('./index.js');
  let codec;
  try {
    codec = new cs.CallStateCodec({
      ...(opts.prefix !== undefined && { keyPrefix: opts.prefix }),
      ...(opts['hash-tag'] && { hashTag: true }),
    });
  } catch (e) {
    throw new UsageError(`${e.message}`);
  }
  // A Cluster client needs each command's key to pick a node: the core's routing (its first key;
  // for EVAL/EVALSHA the first of KEYS), as the store uses it.
  const { plan } = cs[Symbol.for('callstate.internals')];
  const routeKey = (argv) => JSON.parse(plan(codec, 'route', [JSON.stringify(argv)]))?.key;
  const conn = await connect(opts.url || process.env.REDIS_URL || 'redis://127.0.0.1:6379', !!opts.cluster, routeKey);
  const store = cs.createCallStateStore(conn.client, { codec, onRedisError: 'throw', timeoutMs: 30_000 });
  const ctx = { cs, codec, store, send: conn.send, opts, concurrency, progress: !opts.quiet };
  try {
    return await command.run(ctx, ...args);
  } finally {
    await store.close().catch(() => {});
    await conn.close();
  }
}

// --- commands

async function inspect(ctx, callSid) {
  const { codec, send } = ctx;
  const key = codec.generateStateKey(callSid); // INVALID_CALL_SID for a bad sid
  const [value, pttl] = await Promise.all([send(['GET', key]), send(['PTTL', key])]);
  if (value == null) {
    process.stderr.write(`callstate: no state for ${callSid} (key ${key})\n`);
    return 1;
  }
  const raw = String(value);
  const info = { key, pttlMs: Number(pttl), bytes: Buffer.byteLength(raw), compressed: isCompressed(raw) };
  let record;
  try {
    record = codec.decodeRecord(raw);
  } catch (e) {
    if (ctx.opts.json) out(JSON.stringify({ ...info, error: { code: e.code, path: e.path ?? null, message: e.message }, value: raw }, null, 2));
    else out(`${table([['key', key], ['TTL', ttlText(info.pttlMs)], ['error', `${e.code}${e.path ? ` at ${e.path}` : ''}: ${e.message}`]])}\nstored value:\n${raw}`);
    return 1;
  }
  const { state, revision, schemaVersion, migratedFrom } = record;
  if (ctx.opts.json) {
    out(JSON.stringify({ ...info, revision, schemaVersion, migratedFrom, state }, null, 2));
    return 0;
  }
  out(table([
    ['key', key],
    ['stage', state.stage],
    ['rev', String(revision)],
    ['schema version', migratedFrom == null ? String(schemaVersion) : `${schemaVersion} (read as v3; \`callstate migrate\` rewrites it)`],
    ['migratedFrom', migratedFrom == null ? '-' : `v${migratedFrom}`],
    ['TTL', ttlText(info.pttlMs)],
    ['size', `${info.bytes} bytes${info.compressed ? ', compressed' : ''}`],
  ]));
  out('state:');
  out(JSON.stringify(state, null, 2));
  return 0;
}

async function scan(ctx) {
  const stages = new Map();
  const invalid = {};
  let total = 0;
  const bar = progressBar('scan', null, ctx.progress);
  for await (const line of ctx.store.backup({ match: ctx.opts.match, onProgress: (n) => bar.tick(n) })) {
    const { value, pttlMs } = JSON.parse(line);
    total++;
    let record;
    try {
      record = ctx.codec.decodeRecord(value);
    } catch (e) {
      invalid[e.code] = (invalid[e.code] ?? 0) + 1;
      continue;
    }
    const stage = record.state.stage;
    const row = stages.get(stage) ?? { stage, calls: 0, v1: 0, v2: 0, v3: 0, minTtlMs: Infinity, maxTtlMs: -Infinity, oldest: null };
    row.calls++;
    row[`v${record.schemaVersion}`]++;
    const ttl = Number(pttlMs) < 0 ? Infinity : Number(pttlMs);
    row.minTtlMs = Math.min(row.minTtlMs, ttl);
    row.maxTtlMs = Math.max(row.maxTtlMs, ttl);
    const at = new Date(record.state.lastUpdated).toISOString();
    if (row.oldest === null || at < row.oldest) row.oldest = at;
    stages.set(stage, row);
  }
  bar.done();
  const rows = [...stages.values()].sort((a, b) => b.calls - a.calls || a.stage.localeCompare(b.stage));
  if (ctx.opts.json) {
    const ms = (x) => (Number.isFinite(x) ? x : -1);
    out(JSON.stringify({
      total,
      stages: rows.map((r) => ({ ...r, minTtlMs: ms(r.minTtlMs), maxTtlMs: ms(r.maxTtlMs) })),
      invalid,
    }, null, 2));
    return 0;
  }
  const ttl = (x) => (Number.isFinite(x) ? ttlText(x) : 'none');
  out(table([
    ['STAGE', 'CALLS', 'V1', 'V2', 'V3', 'MIN TTL', 'MAX TTL', 'OLDEST lastUpdated'],
    ...rows.map((r) => [r.stage, r.calls, r.v1, r.v2, r.v3, ttl(r.minTtlMs), ttl(r.maxTtlMs), r.oldest]),
    ['total', total - sum(invalid), '', '', '', '', '', ''],
  ], true));
  if (sum(invalid) > 0) out(`undecodable: ${formatCounts(invalid)} (left as they are; \`callstate inspect\` shows one)`);
  return 0;
}

// Migration: pass 1 reads every value (the store's backup lines) and classifies it with
// codec.decodeRecord; pass 2 (--apply) reads each old one through store.getCallState, which
// writes the v3 upgrade back with a compare-and-set, so a webhook writing at the same moment is
// never overwritten. That write sets the stage's TTL (SPEC §7), so the key's remaining TTL from
// pass 1 is put back afterwards — only while the value is still the migrated one (the core's
// `keepTtl` plan).

async function migrate(ctx) {
  const { codec, store, send, opts } = ctx;
  const started = Date.now();
  const summary = {
    dryRun: !opts.apply, scanned: 0, current: 0, old: {}, invalid: {},
    migrated: {}, changedMeanwhile: 0, goneMeanwhile: 0, failed: 0, ttlNotKept: 0,
  };
  const todo = [];
  const scanBar = progressBar('migrate: reading', null, ctx.progress);
  for await (const line of store.backup({ match: opts.match, onProgress: (n) => scanBar.tick(n) })) {
    const { key, pttlMs, value } = JSON.parse(line);
    summary.scanned++;
    let record;
    try {
      record = codec.decodeRecord(value);
    } catch (e) {
      summary.invalid[e.code] = (summary.invalid[e.code] ?? 0) + 1;
      continue;
    }
    if (record.migratedFrom == null) { summary.current++; continue; }
    const from = `v${record.migratedFrom}`;
    summary.old[from] = (summary.old[from] ?? 0) + 1;
    if (opts.apply) todo.push({ key, pttlMs: Number(pttlMs), seenAt: Date.now(), value, from });
  }
  scanBar.done();

  if (opts.apply && todo.length > 0) {
    const bar = progressBar('migrate: writing', todo.length, ctx.progress);
    let done = 0;
    await pool(todo, ctx.concurrency, async (item) => {
      try {
        const outcome = await migrateOne(ctx, item);
        if (outcome === 'migrated') summary.migrated[item.from] = (summary.migrated[item.from] ?? 0) + 1;
        else if (outcome === 'ttl') { summary.migrated[item.from] = (summary.migrated[item.from] ?? 0) + 1; summary.ttlNotKept++; }
        else summary[outcome]++;
      } catch (e) {
        summary.failed++;
        if (summary.failed <= 5) process.stderr.write(`\ncallstate: ${item.key}: ${e.message}${e.code ? ` [${e.code}]` : ''}\n`);
      }
      bar.tick(++done);
    });
    bar.done();
  }
  summary.seconds = (Date.now() - started) / 1000;

  if (opts.json) {
    out(JSON.stringify(summary, null, 2));
  } else {
    const oldCount = sum(summary.old);
    out(`read ${summary.scanned} values in ${summary.seconds.toFixed(1)} s: ${summary.current} already v3, ` +
      `${oldCount} older${oldCount ? ` (${formatCounts(summary.old)})` : ''}` +
      `${sum(summary.invalid) ? `, ${sum(summary.invalid)} undecodable (${formatCounts(summary.invalid)}; left as they are)` : ''}`);
    if (!opts.apply) {
      out(oldCount ? `dry run: nothing written. \`callstate migrate --apply\` rewrites the ${oldCount} older values as v3.`
        : 'nothing to migrate.');
    } else if (oldCount) {
      out(`migrated ${sum(summary.migrated)} to v3${sum(summary.migrated) ? ` (${formatCounts(summary.migrated, '→v3')})` : ''}; ` +
        `changed by a webhook meanwhile: ${summary.changedMeanwhile}; expired or deleted meanwhile: ${summary.goneMeanwhile}; ` +
        `failed: ${summary.failed}${summary.ttlNotKept ? `; TTL reset to the stage's: ${summary.ttlNotKept}` : ''}`);
    } else {
      out('nothing to migrate.');
    }
  }
  return summary.failed > 0 ? 1 : 0;
}

/** One old value through the store; returns which summary counter it lands in. */
async function migrateOne(ctx, item) {
  const { codec, store, send } = ctx;
  const callSid = sidOf(codec, item.key);
  const state = await store.getCallState(callSid); // reads, and writes the v3 upgrade back (CAS)
  if (state == null) return 'goneMeanwhile';
  const now = await send(['GET', item.key]);
  if (now == null) return 'goneMeanwhile';
  const record = codec.decodeRecord(String(now));
  if (record.migratedFrom != null) throw new Error(`still v${record.migratedFrom} after the write-back (a concurrent write won; run migrate again)`);
  // Ours only if it holds exactly the migrated state; otherwise a webhook wrote in between, and
  // its TTL is the right one.
  if (codec.serializeCallState(record.state) !== codec.serializeCallState(state)) return 'changedMeanwhile';
  const left = item.pttlMs < 0 ? -1 : item.pttlMs - (Date.now() - item.seenAt);
  const { plan } = ctx.cs[Symbol.for('callstate.internals')];
  const keep = JSON.parse(plan(codec, 'keepTtl', [item.key, String(now), String(left)]));
  try {
    await send(keep).catch((e) => {
      if (!/NOSCRIPT/.test(e?.message)) throw e;
      return send(JSON.parse(plan(codec, 'evalFallback', [JSON.stringify(keep)])));
    });
  } catch {
    return 'ttl'; // scripting refused (Lua blocked by ACL): the value is v3, its TTL the stage's
  }
  return 'migrated';
}

async function backup(ctx, file) {
  const toStdout = file === undefined || file === '-';
  const stream = toStdout ? process.stdout : createWriteStream(file);
  const bar = progressBar('backup', null, ctx.progress);
  let n = 0;
  for await (const line of ctx.store.backup({ match: ctx.opts.match, onProgress: (k) => bar.tick(k) })) {
    n++;
    if (!stream.write(line)) await once(stream, 'drain');
  }
  bar.done();
  if (!toStdout) {
    stream.end();
    await once(stream, 'finish');
  }
  process.stderr.write(`backup: ${n} keys${toStdout ? '' : ` to ${file}`}\n`);
  return 0;
}

async function restore(ctx, file) {
  const fromStdin = file === undefined || file === '-';
  let total = null;
  if (!fromStdin) {
    const text = readFileSync(file, 'utf8'); // throws ENOENT early, before any write
    total = text.split('\n').filter((l) => l.trim() !== '').length;
  }
  const input = fromStdin ? process.stdin : createReadStream(file, 'utf8');
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  const bar = progressBar('restore', total, ctx.progress);
  const r = await ctx.store.restore(lines, { replace: !!ctx.opts.replace, onProgress: (n) => bar.tick(n) });
  bar.done();
  out(`restored ${r.restored}, skipped: ${r.skippedExpired} expired, ${r.skippedInvalid} invalid` +
    `${ctx.opts.replace ? '' : ' (existing keys kept; --replace overwrites them)'}`);
  return 0;
}

// --- the Redis client (the user's own: ioredis or node-redis)

function loadClient(preferred) {
  const from = [createRequire(join(process.cwd(), 'noop.js')), require];
  const names = preferred ? [preferred] : ['ioredis', 'redis'];
  for (const name of names) {
    for (const req of from) {
      try { return { name, lib: req(name) }; } catch (e) { if (e.code !== 'MODULE_NOT_FOUND') throw e; }
    }
  }
  throw new Error(`no Redis client found: install one in your project (\`npm install ioredis\` or \`npm install redis\`)${preferred ? ` — CALLSTATE_REDIS_CLIENT asks for ${preferred}` : ''}`);
}

async function connect(url, cluster, routeKey) {
  const preferred = process.env.CALLSTATE_REDIS_CLIENT || '';
  if (preferred && preferred !== 'ioredis' && preferred !== 'redis') throw new UsageError('CALLSTATE_REDIS_CLIENT must be ioredis or redis');
  const { name, lib } = loadClient(preferred);
  if (name === 'ioredis') {
    const Redis = lib.default ?? lib;
    const retry = { maxRetriesPerRequest: 1, retryStrategy: (n) => (n > 2 ? null : 100) };
    let client;
    if (cluster) {
      const u = new URL(url);
      client = new Redis.Cluster([{ host: u.hostname, port: Number(u.port || 6379) }], {
        redisOptions: {
          ...retry,
          ...(u.username && { username: decodeURIComponent(u.username) }),
          ...(u.password && { password: decodeURIComponent(u.password) }),
          ...(u.protocol === 'rediss:' && { tls: {} }),
        },
        clusterRetryStrategy: (n) => (n > 2 ? null : 100),
      });
    } else {
      client = new Redis(url, { ...retry, lazyConnect: true });
      client.on('error', () => {}); // reported by the failing command
    }
    if (!cluster) await client.connect().catch((e) => { throw new Error(`cannot connect to ${redact(url)}: ${e.message}`); });
    else {
      await new Promise((resolve, reject) => { client.once('ready', resolve); client.once('error', (e) => reject(new Error(`cannot connect to cluster at ${redact(url)}: ${e.message}`))); });
      client.on('error', () => {}); // later node errors: reported by the failing command
    }
    return {
      client,
      send: (argv) => client.call(argv[0], ...argv.slice(1)),
      close: () => client.quit().catch(() => client.disconnect()),
    };
  }
  if (cluster) {
    // node-redis Cluster: `url` is the seed node; the nodes it discovers take `defaults`, so the
    // URL's credentials and TLS go there too. Its sendCommand routes by the key it is given.
    const u = new URL(url);
    const client = lib.createCluster({
      rootNodes: [{ url }],
      defaults: {
        socket: { reconnectStrategy: false, ...(u.protocol === 'rediss:' && { tls: true }) },
        ...(u.username && { username: decodeURIComponent(u.username) }),
        ...(u.password && { password: decodeURIComponent(u.password) }),
      },
    });
    client.on('error', () => {});
    await client.connect().catch((e) => { throw new Error(`cannot connect to cluster at ${redact(url)}: ${e.message}`); });
    return {
      client,
      send: (argv) => client.sendCommand(routeKey(argv), false, argv),
      close: () => Promise.resolve().then(() => client.close()).catch(() => client.destroy()),
    };
  }
  const client = lib.createClient({ url, socket: { reconnectStrategy: false } });
  client.on('error', () => {});
  await client.connect().catch((e) => { throw new Error(`cannot connect to ${redact(url)}: ${e.message}`); });
  return { client, send: (argv) => client.sendCommand(argv), close: () => client.quit().catch(() => {}) };
}

// --- helpers

/** The call SID of a key the codec made (prefix + sid, or prefix + "{" + sid + "}"). */
function sidOf(codec, key) {
  const probe = codec.generateStateKey('CA0');
  const prefix = probe.slice(0, probe.indexOf('CA0'));
  let sid = key.slice(prefix.length);
  if (prefix.endsWith('{')) sid = sid.slice(0, -1);
  return sid;
}

function isCompressed(raw) {
  try { const v = JSON.parse(raw); return v !== null && typeof v === 'object' && 'compressed' in v && !('callSid' in v); } catch { return false; }
}

async function pool(items, width, fn) {
  let next = 0;
  const worker = async () => { while (next < items.length) await fn(items[next++]); };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

/** Progress on stderr: a redrawn bar on a terminal, a line per 10% (or per 10 000) otherwise. */
function progressBar(label, total, enabled) {
  const tty = process.stderr.isTTY;
  let last = 0; let lastStep = 0; let n = 0; let drawn = false;
  const draw = () => {
    if (total) {
      const width = 30; const filled = Math.round((n / total) * width);
      return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${total} ${Math.floor((n / total) * 100)}%`;
    }
    return `${label}: ${n} keys`;
  };
  return {
    tick(k) {
      n = k;
      if (!enabled) return;
      if (tty) {
        const t = Date.now();
        if (t - last < 100 && n !== total) return;
        last = t; drawn = true;
        process.stderr.write(`\r${draw()}\x1b[K`);
      } else {
        const step = total ? Math.floor((n / total) * 10) : Math.floor(n / 10_000);
        if (step > lastStep) { lastStep = step; process.stderr.write(`${draw()}\n`); }
      }
    },
    done() {
      if (!enabled) return;
      if (tty) { if (drawn || n) process.stderr.write(`\r${draw()}\x1b[K\n`); } else if (total === null || n < total) process.stderr.write(`${draw()}\n`);
    },
  };
}

function table(rows, header = false) {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const lines = cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
  if (header) lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines.join('\n');
}

function ttlText(pttlMs) {
  if (pttlMs === -1) return 'none (no expiry)';
  if (pttlMs === -2) return 'missing';
  const s = Math.round(pttlMs / 1000);
  return s >= 60 ? `${s} s (${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s)` : `${s} s`;
}

function sum(counts) { return Object.values(counts).reduce((a, b) => a + b, 0); }
function formatCounts(counts, suffix = '') { return Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}${suffix}: ${v}`).join(', '); }
function redact(url) { return url.replace(/\/\/[^@/]*@/, '//***@'); }
function out(text) { process.stdout.write(`${text}\n`); }
