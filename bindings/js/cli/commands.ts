// The CLI's commands but `migrate` (migrate.ts): inspect, scan, backup, restore. Each returns its
// exit code (0 ok, 1 error) and uses only the package's public API: the codec, the store and its
// `maintenance` group.
import process from 'node:process';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { CallStateCodec, CallStateError, CallStateStore } from '../index.js';
import type { Flags } from './args.js';
import { type Counts, formatCounts, out, progressBar, sum, table, ttlText } from './output.js';

/** What every command runs with. */
export interface Context {
  codec: CallStateCodec;
  store: CallStateStore;
  flags: Flags;
  /** Progress on stderr (not `--quiet`). */
  progress: boolean;
}

/** One backup line, parsed. */
export interface BackupLine { key: string; pttlMs: number; atMs: number; value: string }

export async function inspect(ctx: Context, callSid: string): Promise<number> {
  const { codec, store, flags } = ctx;
  const key = codec.generateStateKey(callSid); // INVALID_CALL_SID for a bad sid
  const stored = await store.maintenance.read(callSid);
  if (stored == null) {
    process.stderr.write(`callstate: no state for ${callSid} (key ${key})\n`);
    return 1;
  }
  const raw = stored.value;
  const info = { key, pttlMs: stored.pttlMs, bytes: new TextEncoder().encode(raw).length, compressed: stored.compressed };
  let record;
  try {
    record = codec.decodeRecord(raw);
  } catch (err) {
    const e = err as CallStateError;
    if (flags.json) {
      out(JSON.stringify({ ...info, error: { code: e.code, path: e.path ?? null, message: e.message }, value: raw }, null, 2));
    } else {
      const error = `${e.code}${e.path ? ` at ${e.path}` : ''}: ${e.message}`;
      out(`${table([['key', key], ['TTL', ttlText(info.pttlMs)], ['error', error]])}\nstored value:\n${raw}`);
    }
    return 1;
  }
  const { state, revision, schemaVersion, migratedFrom } = record;
  if (flags.json) {
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

/** One stage's row of `scan`. */
interface StageRow {
  stage: string; calls: number; v1: number; v2: number; v3: number;
  minTtlMs: number; maxTtlMs: number; oldest: string | null;
}

export async function scan(ctx: Context): Promise<number> {
  const stages = new Map<string, StageRow>();
  const invalid: Counts = {};
  let total = 0;
  const bar = progressBar('scan', null, ctx.progress);
  for await (const line of ctx.store.backup({ match: ctx.flags.match, onProgress: (n) => bar.tick(n) })) {
    const { value, pttlMs } = JSON.parse(line) as BackupLine;
    total++;
    let record;
    try {
      record = ctx.codec.decodeRecord(value);
    } catch (e) {
      const code = (e as CallStateError).code;
      invalid[code] = (invalid[code] ?? 0) + 1;
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
  if (ctx.flags.json) {
    const ms = (x: number) => (Number.isFinite(x) ? x : -1);
    const json = rows.map((r) => ({ ...r, minTtlMs: ms(r.minTtlMs), maxTtlMs: ms(r.maxTtlMs) }));
    out(JSON.stringify({ total, stages: json, invalid }, null, 2));
    return 0;
  }
  const ttl = (x: number) => (Number.isFinite(x) ? ttlText(x) : 'none');
  out(table([
    ['STAGE', 'CALLS', 'V1', 'V2', 'V3', 'MIN TTL', 'MAX TTL', 'OLDEST lastUpdated'],
    ...rows.map((r) => [r.stage, r.calls, r.v1, r.v2, r.v3, ttl(r.minTtlMs), ttl(r.maxTtlMs), r.oldest]),
    ['total', total - sum(invalid), '', '', '', '', '', ''],
  ], true));
  if (sum(invalid) > 0) out(`undecodable: ${formatCounts(invalid)} (left as they are; \`callstate inspect\` shows one)`);
  return 0;
}

export async function backup(ctx: Context, file: string | undefined): Promise<number> {
  const toStdout = file === undefined || file === '-';
  const stream = toStdout ? process.stdout : createWriteStream(file);
  const bar = progressBar('backup', null, ctx.progress);
  let n = 0;
  for await (const line of ctx.store.backup({ match: ctx.flags.match, onProgress: (k) => bar.tick(k) })) {
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

export async function restore(ctx: Context, file: string | undefined): Promise<number> {
  const fromStdin = file === undefined || file === '-';
  let total = null;
  if (!fromStdin) {
    const text = readFileSync(file, 'utf8'); // throws ENOENT early, before any write
    total = text.split('\n').filter((l) => l.trim() !== '').length;
  }
  const input = fromStdin ? process.stdin : createReadStream(file, 'utf8');
  const lines = createInterface({ input, crlfDelay: Infinity });
  const bar = progressBar('restore', total, ctx.progress);
  const r = await ctx.store.restore(lines, { replace: ctx.flags.replace, onProgress: (n) => bar.tick(n) });
  bar.done();
  out(`restored ${r.restored}, skipped: ${r.skippedExpired} expired, ${r.skippedInvalid} invalid` +
    `${ctx.flags.replace ? '' : ' (existing keys kept; --replace overwrites them)'}`);
  return 0;
}
