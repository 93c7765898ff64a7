// The CLI's commands but `migrate` (migrate.ts): inspect, scan, backup, restore. Each returns its
// exit code (0 ok, 1 error) and uses only the package's public API: the codec, the store and its
// `maintenance` group.
import process from 'node:process';
import { createReadStream, createWriteStream, existsSync, linkSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
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
  if (toStdout) {
    const n = await writeBackup(ctx, process.stdout);
    process.stderr.write(`backup: ${n} keys\n`);
    return 0;
  }
  // Written to a private (0600) file beside the target, then moved into place: a failed backup
  // leaves no half file, and an existing file is replaced only with --force (the link refuses).
  if (existsSync(file) && !ctx.flags.force) throw new Error(`${file} exists (--force replaces it)`);
  const partial = `${file}.${process.pid}.partial`;
  // Ctrl-C: no partial file left behind either.
  const interrupted = () => { rmSync(partial, { force: true }); process.exit(130); };
  process.once('SIGINT', interrupted);
  try {
    const stream = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
    const n = await writeBackup(ctx, stream);
    stream.end();
    await once(stream, 'finish');
    if (ctx.flags.force) renameSync(partial, file);
    else { linkSync(partial, file); unlinkSync(partial); }
    process.stderr.write(`backup: ${n} keys to ${file}\n`);
    return 0;
  } finally {
    process.removeListener('SIGINT', interrupted);
    rmSync(partial, { force: true });
  }
}

async function writeBackup(ctx: Context, stream: Writable): Promise<number> {
  // A write error (disk full, the file could not be opened) is caught here, whenever it comes,
  // and ends the backup with its message: never an unhandled 'error' event.
  let failed: Error | null = null;
  stream.on('error', (e: Error) => { failed = e; });
  const check = () => { if (failed) throw new Error(`backup file: ${failed.message}`); };
  const bar = progressBar('backup', null, ctx.progress);
  let n = 0;
  for await (const line of ctx.store.backup({ match: ctx.flags.match, onProgress: (k) => bar.tick(k) })) {
    check();
    n++;
    if (!stream.write(line)) await Promise.race([once(stream, 'drain'), once(stream, 'close')]);
  }
  check();
  bar.done();
  return n;
}

/** Lines in a file (a last line without `\n` counts), read as a stream of bytes. */
async function countLines(file: string): Promise<number> {
  let lines = 0;
  let last = 10;
  for await (const chunk of createReadStream(file)) {
    const bytes = chunk as Uint8Array;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] === 10) lines++;
    if (bytes.length > 0) last = bytes[bytes.length - 1];
  }
  return last === 10 ? lines : lines + 1;
}

/** How many invalid lines the text report lists (the JSON report has every one the store kept). */
const INVALID_SHOWN = 20;

export async function restore(ctx: Context, file: string | undefined): Promise<number> {
  const fromStdin = file === undefined || file === '-';
  // A regular file is read twice, streaming both times: once to count its lines (the progress
  // bar's total; ENOENT before anything is sent), then by the store, which splits it into lines across
  // chunks with a bound on their length (SPEC §2). Memory stays bounded whatever the file's size.
  const total = fromStdin || !statSync(file).isFile() ? null : await countLines(file); // a pipe is read once
  const input = fromStdin ? process.stdin : createReadStream(file);
  const bar = progressBar(ctx.flags.dryRun ? 'restore (dry run)' : 'restore', total, ctx.progress);
  const { replace, dryRun, includeEnded } = ctx.flags;
  const r = await ctx.store.restore(input, { replace, dryRun, includeEnded, onProgress: (n) => bar.tick(n) })
    .catch((e: { message: string; restore?: { restored: number; line: number } }) => {
      bar.done();
      const done = e.restore;
      if (done) e.message += ` (stopped at line ${done.line}, after restoring ${done.restored}; rerunning without --replace keeps them)`;
      throw e;
    });
  bar.done();
  if (ctx.flags.json) {
    out(JSON.stringify(r, null, 2));
    return 0;
  }
  out(`${dryRun ? 'dry run: would restore' : 'restored'} ${r.restored}, skipped: ${r.skippedExpired} expired, ` +
    `${r.skippedInvalid} invalid, ${r.skippedEnded} of calls that ended` +
    `${includeEnded ? '' : ' (--include-ended restores them)'}, ${r.skippedExisting} existing` +
    `${replace ? '' : ' (--replace overwrites them)'}`);
  for (const { line, reason } of r.invalid.slice(0, INVALID_SHOWN)) out(`  line ${line}: ${reason}`);
  if (r.skippedInvalid > INVALID_SHOWN) out(`  (and ${r.skippedInvalid - INVALID_SHOWN} more invalid lines)`);
  return 0;
}
