// `callstate migrate [--apply]`. Pass 1 reads every value (the store's backup lines) and
// classifies it with `codec.decodeRecord`. Pass 2 (--apply) hands each older value to
// `store.maintenance.upgrade`, a compare-and-set against the value read in pass 1 that keeps the
// key's TTL (planned by the core, like every store write): a webhook writing at the same moment
// is never overwritten, and a migrated call keeps its expiry.
import process from 'node:process';
import type { CallStateError, UpgradeResult } from '../index.js';
import type { BackupLine, Context } from './commands.js';
import { type Counts, formatCounts, out, progressBar, sum } from './output.js';

interface Summary {
  dryRun: boolean; scanned: number; current: number; old: Counts; invalid: Counts; migrated: Counts;
  changedMeanwhile: number; goneMeanwhile: number; failed: number;
  /** Always 0: the write-back keeps the TTL in every mode (script and WATCH). Kept in the JSON. */
  ttlNotKept: number;
  seconds?: number;
}

/** An older value to write back as v3. */
interface Todo { key: string; value: string; from: string }

export async function migrate(ctx: Context): Promise<number> {
  const { codec, store, flags } = ctx;
  const started = Date.now();
  const summary: Summary = {
    dryRun: !flags.apply, scanned: 0, current: 0, old: {}, invalid: {},
    migrated: {}, changedMeanwhile: 0, goneMeanwhile: 0, failed: 0, ttlNotKept: 0,
  };
  const todo: Todo[] = [];
  const scanBar = progressBar('migrate: reading', null, ctx.progress);
  for await (const line of store.backup({ match: flags.match, onProgress: (n) => scanBar.tick(n) })) {
    const { key, value } = JSON.parse(line) as BackupLine;
    summary.scanned++;
    let record;
    try {
      record = codec.decodeRecord(value);
    } catch (e) {
      const code = (e as CallStateError).code;
      summary.invalid[code] = (summary.invalid[code] ?? 0) + 1;
      continue;
    }
    if (record.migratedFrom == null) { summary.current++; continue; }
    const from = `v${record.migratedFrom}`;
    summary.old[from] = (summary.old[from] ?? 0) + 1;
    if (flags.apply) todo.push({ key, value, from });
  }
  scanBar.done();

  if (flags.apply && todo.length > 0) {
    const bar = progressBar('migrate: writing', todo.length, ctx.progress);
    let done = 0;
    await pool(todo, flags.concurrency, async (item) => {
      try {
        count(summary, item, await upgrade(ctx, item));
      } catch (err) {
        const e = err as CallStateError;
        summary.failed++;
        if (summary.failed <= 5) process.stderr.write(`\ncallstate: ${item.key}: ${e.message}${e.code ? ` [${e.code}]` : ''}\n`);
      }
      bar.tick(++done);
    });
    bar.done();
  }
  summary.seconds = (Date.now() - started) / 1000;
  if (flags.json) out(JSON.stringify(summary, null, 2));
  else report(summary);
  return summary.failed > 0 ? 1 : 0;
}

/** One older value through the store's write-back. */
function upgrade(ctx: Context, item: Todo): Promise<UpgradeResult> {
  const callSid = ctx.store.maintenance.callSidOf(item.key);
  if (callSid == null) throw new Error('not a call state key of this prefix');
  return ctx.store.maintenance.upgrade(callSid, item.value);
}

function count(summary: Summary, item: Todo, result: UpgradeResult) {
  if (result === 'upgraded') summary.migrated[item.from] = (summary.migrated[item.from] ?? 0) + 1;
  else if (result === 'gone') summary.goneMeanwhile++;
  else summary.changedMeanwhile++; // 'changed' (a webhook wrote), or 'current' (it was rewritten as v3)
}

function report(summary: Summary) {
  const oldCount = sum(summary.old);
  const invalid = sum(summary.invalid);
  out(`read ${summary.scanned} values in ${summary.seconds!.toFixed(1)} s: ${summary.current} already v3, ` +
    `${oldCount} older${oldCount ? ` (${formatCounts(summary.old)})` : ''}` +
    `${invalid ? `, ${invalid} undecodable (${formatCounts(summary.invalid)}; left as they are)` : ''}`);
  if (!oldCount) {
    out('nothing to migrate.');
  } else if (summary.dryRun) {
    out(`dry run: nothing written. \`callstate migrate --apply\` rewrites the ${oldCount} older values as v3.`);
  } else {
    const migrated = sum(summary.migrated);
    out(`migrated ${migrated} to v3${migrated ? ` (${formatCounts(summary.migrated, '→v3')})` : ''}; ` +
      `changed by a webhook meanwhile: ${summary.changedMeanwhile}; expired or deleted meanwhile: ${summary.goneMeanwhile}; ` +
      `failed: ${summary.failed}`);
  }
}

/** Runs `fn` over `items`, at most `width` at once. */
async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => { while (next < items.length) await fn(items[next++]); };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
