#!/usr/bin/env node
// The fault matrix (issues 11, 12): for every fault × client × mode, on one backend and one server
// (redis-server or valkey-server), real servers started here, a load of racing updates from two
// stores while the fault is injected, a recorded history, and one report line per cell. See
// scripts/test-faults.sh (both backends on Redis, the native backend on Valkey, then the checker).
//
//   node tests/faults/run.mjs [--backend native|wasm] [--server redis|valkey] [--only f1,f2]
//        [--client ioredis,node-redis] [--mode script,nolua] [--seconds 2.5] [--soak <total seconds>]
//        [--history file] [--results file] [--no-check] [--timeout-ms 1000] [--pkg-root dir]
//        [--deadline seconds]
//
// Faults: none (baseline) pause sleep kill oom loading kill9 acl reshard — see faults.mjs. `reshard`
// runs on a 3-master Cluster (200 calls, codec hashTag: true, the clients' Cluster classes).
// Cells are named fault/client/mode/backend on Redis, and fault/client/mode/backend/valkey on Valkey.
// Exit: 0 all cells pass, 1 some cell failed or crashed, 2 usage.
//
// A cell: 2 stores, each on its own client (user `app`; in nolua mode `-@scripting`, so EVAL is
// NOPERM and writes go through WATCH/MULTI on the stores' duplicate() connections), 4 workers each,
// 4 calls; every 25 ms tick each worker starts one op (1 in 10 a getCallState, else an
// updateCallState appending its op id to the call's `log`, maxRetries 20, idempotencyKey on every
// other op). Store options: onRedisError 'throw', timeoutMs 1000. After the load and the fault, the
// final states are read with a fresh store. Counters (workload.mjs): lost, twice (final state),
// late-writes (instrumented clients), late-settles (> timeoutMs + 50 ms, or never), errors (a
// rejection whose code is not REDIS/CONFLICT/STALE_WRITE, an uncaught exception or unhandled
// 'error' event, store.close() not settling, an acknowledged op never seen sent), linearizable
// (tools/histcheck over the recorded history). The history format is the checker's
// ({ cells: [{ name, calls: { sid: { initial: [], ops } } }] }); failed reads are left out (they
// constrain nothing), and an acknowledged update that resolved to a state with later appends after
// its own id is recorded as its append plus a read in the same window (see historyOf).
// The reshard cells: the same, on a 3-master Cluster (ioredis Redis.Cluster / node-redis
// createCluster, codec `new CallStateCodec({ hashTag: true })`, the ACL user on every node), with
// 200 calls where worker w of both stores picks the same call on each tick (so updates still race).
// --store-timeout-ms gives the stores another timeoutMs than the checks assume (to see the
// late-settle check fire); CALLSTATE_PKG_ROOT / --pkg-root point at other package folders.
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Server, ClusterServer, within, removeOnExit, sleep, useServer } from './servers.mjs';
import { FAULTS, FAULT_NAMES, SERVER_KINDS, FILLER_KEYS } from './faults.mjs';
import { Cell, runCell, abandon, summarize, historyOf } from './workload.mjs';
import { runChecker, attachChecks, printReport, line, ROOT } from './report.mjs';

const require = createRequire(import.meta.url);
const CLIENTS = ['ioredis', 'node-redis'];
const MODES = ['script', 'nolua'];

let opts;
try {
  opts = parseArgs({
    options: {
      backend: { type: 'string', default: 'native' },
      server: { type: 'string', default: 'redis' },
      only: { type: 'string' },
      client: { type: 'string' },
      mode: { type: 'string' },
      seconds: { type: 'string', default: '2.5' },
      soak: { type: 'string' },
      history: { type: 'string' },
      results: { type: 'string' },
      'no-check': { type: 'boolean', default: false },
      'timeout-ms': { type: 'string', default: '1000' },
      'store-timeout-ms': { type: 'string' }, // self-test only: give the stores another timeoutMs than the checks use
      'pkg-root': { type: 'string' },
      dir: { type: 'string' },
      deadline: { type: 'string' },
    },
  }).values;
} catch (e) { console.error(`usage: ${e.message}`); process.exit(2); }

const list = (v, all, what) => {
  if (!v) return all;
  const xs = v.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = xs.filter((x) => !all.includes(x));
  if (bad.length) { console.error(`unknown ${what}: ${bad.join(', ')} (one of ${all.join(', ')})`); process.exit(2); }
  return xs;
};
const backend = opts.backend;
if (!['native', 'wasm'].includes(backend)) { console.error('--backend native|wasm'); process.exit(2); }
const serverKind = opts.server;
if (!['redis', 'valkey'].includes(serverKind)) { console.error('--server redis|valkey'); process.exit(2); }
useServer(serverKind);
const faults = list(opts.only, FAULT_NAMES, 'fault');
const clients = list(opts.client, CLIENTS, 'client');
const modes = list(opts.mode, MODES, 'mode');
const loadMs = Math.round(Number(opts.seconds) * 1000);
const timeoutMs = Number(opts['timeout-ms']);
const soakMs = opts.soak ? Math.round(Number(opts.soak) * 1000) : 0;
const pkgRoot = opts['pkg-root'] ?? process.env.CALLSTATE_PKG_ROOT ?? join(ROOT, 'bindings');
const historyFile = opts.history ?? join(tmpdir(), `callstate-faults-history-${serverKind}-${backend}.json`);
const runDir = opts.dir ?? mkdtempSync(join(tmpdir(), 'callstate-faults-'));
removeOnExit(opts.dir ? null : runDir);

const cs = require(join(pkgRoot, backend === 'wasm' ? 'wasm' : 'node'));
const log = (s) => process.stdout.write(`${s}\n`);

// --- servers, one per kind, started on first use and reused across cells ---------------------------
const servers = {};
async function serverFor(kind) {
  if (servers[kind]) return servers[kind];
  const def = kind === 'soak'
    ? { args: SERVER_KINDS.aof.args, prepare: prepareSoak }
    : SERVER_KINDS[kind];
  const s = def.cluster ? new ClusterServer(kind, join(runDir, kind), def.args) : new Server(kind, join(runDir, kind), def.args);
  await s.start();
  await def.prepare(s);
  servers[kind] = s;
  return s;
}
/** The soak's server: AOF always, filler keys in the AOF's RDB base (so restarts answer LOADING). */
async function prepareSoak(s) {
  await SERVER_KINDS.loading.prepare(s);
  await s.cmd('BGREWRITEAOF');
  for (let i = 0; i < 200; i++) {
    const info = String(await s.cmd('INFO', 'persistence'));
    if (/aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info)) return;
    await sleep(50);
  }
  throw new Error('soak server: BGREWRITEAOF did not finish');
}

/** The soak's fault: the chosen faults at random, one after the other, each 2–5 s, 1 s apart. */
function soakFault(names) {
  return {
    server: 'soak',
    async inject(ctx) {
      const pool = names.filter((n) => n !== 'acl' || ctx.mode === 'script');
      if (!pool.length) { ctx.event('no fault applies in this mode'); return; }
      while (ctx.active()) {
        const name = pool[Math.floor(Math.random() * pool.length)];
        const segMs = 2000 + Math.random() * 3000;
        const segEnd = performance.now() + segMs;
        const sub = {
          ...ctx, loadMs: segMs,
          active: (minMs = 0) => ctx.active(minMs) && segEnd - performance.now() > minMs,
          sleep: (ms) => sleep(Math.max(0, Math.min(ms, segEnd - performance.now()))),
          event: (t) => ctx.event(`${name}: ${t}`),
        };
        await FAULTS[name].inject(sub);
        await ctx.sleep(1000);
        // Bound the calls' logs (every op records the whole log): move on to new calls now and then.
        if (ctx.active() && ctx.busiest() > 150) { await ctx.server.ensure(); await ctx.rotate(); ctx.event('new calls'); }
      }
    },
  };
}

// --- the cells -------------------------------------------------------------------------------------
const plan = [];
if (soakMs) {
  // The soak's faults share one single-node server: not the Cluster's.
  const names = faults.filter((f) => f !== 'none' && SERVER_KINDS[FAULTS[f].server] && !SERVER_KINDS[FAULTS[f].server].cluster);
  const combos = clients.flatMap((client) => modes.map((mode) => ({ client, mode })));
  for (const { client, mode } of combos) {
    plan.push({ fault: 'soak', client, mode, def: soakFault(names.length ? names : ['kill']), loadMs: Math.round(soakMs / combos.length) });
  }
} else {
  for (const fault of faults) for (const client of clients) for (const mode of modes) {
    plan.push({ fault, client, mode, def: FAULTS[fault], loadMs });
  }
}

const results = [];
const histories = [];
let complete = false;
let note = '';
let historyWritten = false;
function writeResults() {
  if (opts.results) writeFileSync(opts.results, JSON.stringify({ backend, server: serverKind, complete, note, history: historyWritten ? historyFile : null, cells: results }));
}
function writeOut() {
  writeFileSync(historyFile, JSON.stringify({ cells: histories }));
  historyWritten = true;
  writeResults();
}

// Whole-run watchdog: print what happened, write what we have, exit (servers die in the exit hook).
// A cell: load (+ up to one fault injection past it), grace for hung ops, final reads, closes.
const perCellBudget = (p) => p.loadMs + 2 * timeoutMs + 20_000;
const deadlineMs = opts.deadline ? Number(opts.deadline) * 1000 : plan.reduce((a, p) => a + perCellBudget(p), 60_000);
const deadline = setTimeout(() => {
  note = `whole-run deadline of ${Math.round(deadlineMs / 1000)}s passed`;
  log(`\n!! ${note}; ${results.length}/${plan.length} cells done`);
  try { writeOut(); } catch { /* ignore */ }
  printReport(results, { checkNote: 'checker not run (deadline)', title: `fault matrix (${serverKind}, ${backend}, incomplete)`, print: log });
  process.exit(1);
}, deadlineMs);
deadline.unref();

async function main() {
const t0 = Date.now();
log(`fault matrix: server=${serverKind}, backend=${backend} (${pkgRoot}), ${plan.length} cells, ${soakMs ? `soak ${soakMs / 1000}s` : `${loadMs / 1000}s load per cell`}, timeoutMs=${timeoutMs}, filler=${FILLER_KEYS} keys for LOADING, servers in ${runDir}`);
for (const p of plan) {
  const name = `${p.fault}/${p.client}/${p.mode}/${backend}${serverKind === 'redis' ? '' : `/${serverKind}`}`;
  const cell = new Cell({ name, fault: p.fault, client: p.client, mode: p.mode, backend, server: serverKind });
  let server;
  try {
    server = await within(serverFor(p.def.server), 60_000, `start ${p.def.server} server`);
    const budget = perCellBudget(p);
    await within(runCell(cell, { cs, server, fault: p.def, loadMs: p.loadMs, timeoutMs, tickMs: soakMs ? 50 : undefined,
      storeTimeoutMs: opts['store-timeout-ms'] ? Number(opts['store-timeout-ms']) : undefined }), budget, `cell watchdog (${Math.round(budget / 1000)}s)`);
  } catch (e) {
    cell.crash = String(e?.message ?? e).split('\n')[0];
    abandon(cell);
    // Leave a healthy server for the next cell (restart it if need be).
    if (server) {
      try { await within(server.ensure(), 30_000, 'heal after crash'); } catch {
        try { await server.stop(); delete servers[p.def.server]; } catch { /* next cell starts a new one */ }
      }
    }
  }
  let s;
  try {
    s = summarize(cell, timeoutMs);
    histories.push(historyOf(cell));
  } catch (e) {
    // A harness bug: say so on the cell's line rather than lose the run.
    s = { name, fault: p.fault, client: p.client, mode: p.mode, backend, server: serverKind, ops: cell.ops.size, acked: null, lost: null, twice: null,
      lateWrites: null, lateSettles: null, errors: 1, crash: `harness: ${e?.stack?.split('\n').slice(0, 2).join(' | ') ?? e}` };
  }
  results.push(s);
  log(`${line(s)}  (${(s.seconds ?? 0).toFixed(1)}s)`);
  if (!complete) { note = `stopped after ${results.length}/${plan.length} cells`; writeResults(); } // a killed run still reports what it did
}
complete = true;
note = '';
const elapsed = ((Date.now() - t0) / 1000).toFixed(1);
writeOut();
log(`\n${serverKind}/${backend}: ${plan.length} cells in ${elapsed}s; history in ${historyFile}`);
for (const s of Object.values(servers)) await s.stop();

let failed;
if (opts['no-check']) {
  failed = results.filter((c) => c.crash || c.lost || c.twice || c.lateWrites || c.lateSettles || c.errors || c.lost === null).length;
} else {
  const { byName, note: checkNote } = runChecker([historyFile]);
  attachChecks(results, byName);
  failed = printReport(results, { checkNote, title: `fault matrix (${serverKind}, ${backend})`, print: log });
}
process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  log(`\n!! harness error: ${e?.stack ?? e}`);
  note = `harness error: ${e?.message ?? e}`;
  try { writeOut(); } catch { /* ignore */ }
  printReport(results, { checkNote: 'checker not run (harness error)', title: `fault matrix (${serverKind}, ${backend}, incomplete)`, print: log });
  process.exit(1);
});
