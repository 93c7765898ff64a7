#!/usr/bin/env node
// `make failover` (issue 12, "Durability across failover"): a 3-master × 1-replica Redis Cluster on
// loopback (tests/support/cluster.mjs; cluster-node-timeout 1000 ms, no persistence: replication is
// asynchronous and a restarted node comes back empty), and for each client (ioredis Cluster,
// node-redis Cluster) these cells of racing updates, one after the other on the one cluster:
//
//   kill-off      kill -9 a master under load, wait for its replica to take over, restart the killed
//                 node (it rejoins as a replica of the new master); three times, a different shard
//                 each time. No `durability`.
//   cut-off       the same, but the replication link is cut --cut-ms (300) before each kill -9: the
//                 replica is SIGSTOPped, the master drops its replica connection (CLIENT KILL TYPE
//                 replica), the master goes on acknowledging writes its replica will never get, then
//                 kill -9 and SIGCONT. No `durability`: the honest baseline. (A plain kill -9 on
//                 loopback rarely loses anything: what the master already wrote to the replica's
//                 socket is in the kernel and still delivered after the process died. A machine that
//                 dies, or a slow or cut link, loses it; this is the cut link.)
//   cut-durable   cut-off with `durability: { replicas: 1, timeoutMs: 200 }`: expect 0 lost.
//   kill-durable  kill-off with durability (not in the default list).
//   manual-off    `CLUSTER FAILOVER` on a replica (coordinated: the master holds writes until its
//                 replica caught up, then hands over), three times, no `durability`: expect 0 lost.
//
// Every cell: 2 Cluster clients × 3 stores × 4 workers (24 workers), 120 calls (codec hashTag),
// each worker one `updateCallState` every 25 ms appending a unique token (maxRetries 50); store
// options { onRedisError: 'throw', timeoutMs: 3000 }. See workload.mjs for the counters.
//
//   node tests/failover/run.mjs [--client ioredis,node-redis] [--only kill-off,cut-off,cut-durable,manual-off]
//        [--server redis|valkey] [--calls 120] [--period-ms 25] [--timeout-ms 3000]
//        [--wait-timeout-ms 200] [--cut-ms 300] [--results file] [--skip-checks]
//   CALLSTATE_BACKEND=wasm   the WASM package (default native)
//
// Before the cells, per client, tests/failover/checks.mjs: with one replica frozen, durable updates on
// its shard must reject and those on another shard resolve (WAIT went to the master that ran the
// write), and an update found already applied must not be acknowledged by a WAIT that covers nothing.
//
// Exit: 0 when the checks pass, no cell with durability or manual failover lost an acknowledged update, and no cell
// applied an update twice, settled late, lost a whole call or crashed; 1 otherwise; 2 usage. Lost
// updates with durability off are reported, not failed (they are the point of the baseline).
import { parseArgs } from 'node:util';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { startCluster } from '../support/cluster.mjs';
import { runCell, sleep, LATE_SLACK_MS } from './workload.mjs';
import { durabilityChecks } from './checks.mjs';

const CLIENTS = ['ioredis', 'node-redis'];
const CELLS = ['kill-off', 'cut-off', 'cut-durable', 'kill-durable', 'manual-off', 'manual-durable'];
const DEFAULT_CELLS = ['kill-off', 'cut-off', 'cut-durable', 'manual-off'];

let o;
try {
  ({ values: o } = parseArgs({ options: {
    client: { type: 'string', default: CLIENTS.join(',') },
    only: { type: 'string', default: DEFAULT_CELLS.join(',') },
    server: { type: 'string', default: process.env.CALLSTATE_SERVER ?? 'redis' },
    calls: { type: 'string', default: '120' },
    'period-ms': { type: 'string', default: '25' },
    'timeout-ms': { type: 'string', default: '3000' },
    'wait-timeout-ms': { type: 'string', default: '200' },
    'cut-ms': { type: 'string', default: '300' },
    results: { type: 'string' },
    'skip-checks': { type: 'boolean', default: false },
  } }));
  for (const k of o.client.split(',')) if (!CLIENTS.includes(k)) throw new Error(`unknown client ${k}`);
  for (const k of o.only.split(',')) if (!CELLS.includes(k)) throw new Error(`unknown cell ${k}`);
} catch (e) {
  console.error(`usage: ${e.message}`);
  process.exit(2);
}
const N = (k) => Number(o[k]);
const t00 = Date.now();
const el = () => `${((Date.now() - t00) / 1000).toFixed(1)}s`;
const say = (...a) => console.log(`[${el()}]`, ...a);

const c = await startCluster({ server: o.server, masters: 3, replicas: 1, nodeTimeoutMs: 1000,
  // always let a replica take over, however long it was cut off; a rejoining node syncs at once
  args: ['--cluster-replica-validity-factor', '0', '--repl-diskless-sync-delay', '0'] });
say(`${o.server} cluster up: ${(await c.masters()).map((m) => `${m.port}(replica ${m.replicas.join(',')})`).join(' ')}`);

const until = async (what, ms, pred) => {
  const deadline = Date.now() + ms;
  for (;;) {
    try { if (await pred()) return; } catch { /* a node may be down: ask again */ }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
};
/** The shard (master + replica) whose slots start lowest, k-th (mod 3): each kill hits another shard. */
const shard = async (k) => {
  const ms = (await c.masters()).filter((m) => m.slots.length).sort((a, b) => a.slots[0][0] - b.slots[0][0]);
  const m = ms[k % ms.length];
  if (!m.replicas.length) throw new Error(`master ${m.port} has no replica`);
  return m;
};
const isMaster = async (port) => (await c.masters()).some((m) => m.port === port && m.slots.length);
const procOf = (port) => c.nodes.find((n) => n.port === port).proc;

/**
 * kill -9 a master, wait for its replica to take over, restart it (it rejoins as a replica); with
 * `cutMs`, the replication link is cut that long before the kill.
 */
const killFault = (cutMs) => async () => {
  const log = [];
  await sleep(1000);
  for (let k = 0; k < 3; k++) {
    const m = await shard(k);
    const replica = m.replicas[0];
    let t, stopped = false;
    try {
      if (cutMs > 0) {
        procOf(replica).kill('SIGSTOP'); // so that it cannot reconnect and catch up
        stopped = true;
        await c.cli(m.port, 'CLIENT', 'KILL', 'TYPE', 'replica');
        await sleep(cutMs); // the master acknowledges writes its replica will never get
      }
      t = Date.now();
      await c.kill(m.port, 'SIGKILL');
    } finally { if (stopped) procOf(replica).kill('SIGCONT'); }
    await until(`replica ${replica} promoted after kill -9 of ${m.port}`, 20_000, () => isMaster(replica));
    const promotedMs = Date.now() - t;
    await c.waitOk(20_000);
    await sleep(500); // the new master serves without a replica for a while
    await c.restart(m.port);
    await c.waitOk(30_000);
    await until(`${m.port} rejoined as replica of ${replica}`, 20_000,
      async () => (await c.masters()).find((x) => x.port === replica)?.replicas.includes(m.port));
    const rejoinedMs = Date.now() - t;
    log.push(`${cutMs ? `link cut ${cutMs} ms, ` : ''}kill -9 ${m.port}: replica ${replica} master in ${promotedMs} ms, ${m.port} back as its replica at ${rejoinedMs} ms`);
    say(`  ${log.at(-1)}`);
    await sleep(1000);
  }
  return log;
};

/** CLUSTER FAILOVER on a replica: a coordinated hand-over. */
const manualFault = async () => {
  const log = [];
  await sleep(1000);
  for (let k = 0; k < 3; k++) {
    const m = await shard(k);
    const replica = m.replicas[0];
    const t = Date.now();
    const reply = await c.cli(replica, 'CLUSTER', 'FAILOVER');
    if (reply !== 'OK') throw new Error(`CLUSTER FAILOVER on ${replica}: ${reply}`);
    await until(`${replica} master after CLUSTER FAILOVER`, 20_000,
      async () => (await c.masters()).find((x) => x.port === replica)?.replicas.includes(m.port));
    await c.waitOk(20_000);
    log.push(`CLUSTER FAILOVER on ${replica}: master in ${Date.now() - t} ms, ${m.port} its replica`);
    say(`  ${log.at(-1)}`);
    await sleep(1000);
  }
  return log;
};

const durability = { replicas: 1, timeoutMs: N('wait-timeout-ms') };
const results = [];
const checks = {};
let crashed = null;
try {
  for (const kind of o.client.split(',')) {
    if (!o['skip-checks']) {
      const ck = checks[kind] = await durabilityChecks(kind, c, { timeoutMs: N('timeout-ms'), waitMs: N('wait-timeout-ms') });
      say(`checks/${kind} (replica of one master frozen, durability on): ${ck.rounds - ck.frozenResolved}/${ck.rounds} updates on its shard rejected, `
        + `${ck.rounds - ck.healthyRejected}/${ck.rounds} on a healthy shard resolved; duplicate from another client: ${ck.duplicate}`
        + `${ck.failures.length ? `\n  FAIL ${ck.failures.join('\n  FAIL ')}` : ''}`);
    }
    for (const cell of o.only.split(',')) {
      const name = `${cell}/${kind}`;
      const [fault, dur] = cell.split('-');
      say(`cell ${name}${dur === 'durable' ? ` (durability ${JSON.stringify(durability)})` : ''}`);
      const t = Date.now();
      const r = await runCell({ kind, c, durability: dur === 'durable' ? durability : null,
        calls: N('calls'), clients: 2, storesPerClient: 3, workers: 4, periodMs: N('period-ms'),
        timeoutMs: N('timeout-ms'), prefix: `${cell.replace('-', '')}${kind[0]}` },
      fault === 'manual' ? manualFault : killFault(fault === 'cut' ? N('cut-ms') : 0));
      r.name = name; r.kind = kind; r.cell = cell; r.seconds = (Date.now() - t) / 1000;
      results.push(r);
      say(`  ${r.ops} updates in ${r.loadSeconds.toFixed(1)} s: ${r.acked} acked, ${r.lost} lost, ${r.unknown} unknown `
        + `(${r.landed} of them landed), ${r.twice} twice, ${r.late} late${r.late ? ` (worst ${r.worstLateMs} ms)` : ''}; `
        + `event loop delay p99 ${r.loopP99Ms} ms, max ${r.loopMaxMs} ms${r.lostTokens.length ? `; lost: ${r.lostTokens.join(' ')}` : ''}`);
    }
  }
} catch (e) {
  crashed = e;
  console.error(`failover: crashed: ${e.stack ?? e}`);
} finally {
  await c.stop();
}

// ---- the table ----------------------------------------------------------------------------------
const get = (kind, cell) => results.find((r) => r.kind === kind && r.cell === cell);
const cellText = (r, f) => (r ? String(f(r)) : '–');
const cellsRun = o.only.split(',');
const rows = [['client', 'acknowledged', ...cellsRun.map((x) => `lost ${x}`), 'applied twice', 'late settles', 'unknown (landed)']];
for (const kind of o.client.split(',')) {
  const rs = results.filter((r) => r.kind === kind);
  const sum = (f) => rs.reduce((a, r) => a + f(r), 0);
  rows.push([kind, `${sum((r) => r.acked)} (${cellsRun.map((x) => cellText(get(kind, x), (r) => r.acked)).join('/')})`,
    ...cellsRun.map((x) => cellText(get(kind, x), (r) => `${r.lost}`)),
    String(sum((r) => r.twice)), String(sum((r) => r.late)), `${sum((r) => r.unknown)} (${sum((r) => r.landed)})`]);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
console.log(`\nfailover summary (${o.server}, ${process.env.CALLSTATE_BACKEND ?? 'native'} package, store timeoutMs ${o['timeout-ms']}, `
  + `late = settled > ${Number(o['timeout-ms']) + LATE_SLACK_MS} ms, cut = replication link cut ${o['cut-ms']} ms before kill -9, `
  + `durable = durability ${JSON.stringify(durability)}; acknowledged: all cells (${cellsRun.join('/')}))`);
for (const r of rows) console.log(`  ${r.map((x, i) => x.padEnd(widths[i])).join(' | ')}`);
console.log('\nerrors by code (rejected updates: outcome unknown, never counted lost; the slowest settled after max ms)');
for (const r of results) {
  const es = Object.entries(r.errors).sort((a, b) => b[1].n - a[1].n);
  console.log(`  ${r.name}: ${es.length ? '' : 'none'}`);
  for (const [k, e] of es) console.log(`    ${String(e.n).padStart(4)} × ${k} (max ${e.maxMs} ms)`);
}

const failures = Object.entries(checks).flatMap(([kind, ck]) => ck.failures.map((f) => `checks/${kind}: ${f}`));
for (const r of results) {
  const mustKeep = r.cell.endsWith('-durable') || r.cell.startsWith('manual');
  if (mustKeep && r.lost) failures.push(`${r.name}: ${r.lost} acknowledged updates lost`);
  if (r.twice) failures.push(`${r.name}: ${r.twice} updates applied twice`);
  if (r.late) failures.push(`${r.name}: ${r.late} updates settled after timeoutMs + ${LATE_SLACK_MS} ms (worst ${r.worstLateMs} ms; this process's event loop was blocked up to ${r.loopMaxMs} ms)`);
  if (r.missingCalls) failures.push(`${r.name}: ${r.missingCalls} calls gone`);
  if (r.noState) failures.push(`${r.name}: ${r.noState} updates saw no state`);
  if (r.acked < 100) failures.push(`${r.name}: only ${r.acked} updates acknowledged`);
}
const off = results.filter((r) => r.cell === 'cut-off');
if (off.length && off.every((r) => r.lost === 0)) {
  console.log('\nnote: no acknowledged update was lost in cut-off this run: the baseline did not show the loss it is there to show');
}
if (crashed) failures.push(`crashed: ${crashed.message}`);
if (o.results) {
  mkdirSync(dirname(o.results), { recursive: true });
  writeFileSync(o.results, JSON.stringify({ server: o.server, args: o, checks, results }, null, 2));
}
console.log(failures.length ? `\nFAIL\n  ${failures.join('\n  ')}` : '\nPASS');
console.log(`failover: ${el()} in all`);
process.exit(failures.length ? 1 : 0);
