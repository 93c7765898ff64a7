#!/usr/bin/env node
// Checks the checks: a history that is right must pass, and the same history corrupted (an
// acknowledged append missing from the final state; an id applied twice; a read that goes back in
// time) must be caught, both by the JS counters (workload.mjs `summarize`) and by the Rust checker.
//
//   node tests/faults/selftest.mjs [recorded-history.json]
// With a recorded history (run.mjs --history), its first cell with enough acknowledged appends is
// the base; without one, a synthetic sequential history is. Then the instrumentation on a real
// server and on a real 3-master Cluster (FAULTS_SELFTEST_NO_CLUSTER=1 skips the Cluster part).
// Exit 0 when every expectation holds.
import { readFileSync, writeFileSync, mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cell, summarize, instrument, makeClient, closeClient, setCurrentForTest, attribute } from './workload.mjs';
import { runChecker } from './report.mjs';
import { Server, ClusterServer, removeOnExit } from './servers.mjs';

const clone = (x) => JSON.parse(JSON.stringify(x));

function synthetic() {
  const calls = {};
  let t = 0;
  for (const sid of ['CAselftest1', 'CAselftest2']) {
    const ops = [];
    const log = [];
    for (let i = 0; i < 30; i++) {
      const id = `${sid.slice(-1)}o${i}`;
      log.push(id);
      ops.push({ id, process: i % 4, kind: 'append', invoke: t, return: t + 0.5, status: 'ok', value: [...log] });
      if (i % 5 === 4) ops.push({ id: `${id}r`, process: 5, kind: 'read', invoke: t + 0.6, return: t + 0.7, status: 'ok', value: [...log] });
      t += 1;
    }
    ops.push({ id: `${sid}-u`, process: 6, kind: 'append', invoke: t, return: null, status: 'unknown', value: null });
    ops.push({ id: `final-${sid}`, process: 999, kind: 'read', invoke: t + 2, return: t + 3, status: 'ok', value: [...log] });
    calls[sid] = { initial: [], ops };
  }
  return { name: 'selftest/synthetic', calls };
}

/** Rebuilds a Cell from a history cell, so that the real `summarize` computes its counters. */
function cellOf(h) {
  const cell = new Cell({ name: h.name, fault: 'selftest', client: '-', mode: '-', backend: '-' });
  cell.sids = Object.keys(h.calls);
  cell.finals = {};
  for (const [sid, call] of Object.entries(h.calls)) {
    const final = call.ops.filter((o) => o.process === 999 && o.kind === 'read').at(-1);
    cell.finals[sid] = { ...final, sid };
    for (const op of call.ops) {
      if (op === final) continue;
      cell.ops.set(op.id, { ...op, sid, settled: op.status === 'ok' ? op.return : op.invoke + 1 });
      if (op.kind === 'append' && op.status === 'ok') cell.sends.set(op.id, [{ t: op.invoke, level: 'store', conn: 'main' }]);
    }
  }
  return cell;
}

const finalOf = (h, sid) => h.calls[sid].ops.find((o) => o.process === 999 && o.kind === 'read');
/** The first call with at least 3 acknowledged appends that are in its final state. */
function pick(h) {
  for (const [sid, call] of Object.entries(h.calls)) {
    const fin = finalOf(h, sid);
    if (!fin) continue;
    const acked = call.ops.filter((o) => o.kind === 'append' && o.status === 'ok' && fin.value.includes(o.id));
    if (acked.length >= 3) return { sid, acked, fin };
  }
  return null;
}

let base;
const file = process.argv[2];
if (file && !existsSync(file)) console.log(`selftest: ${file} does not exist; using a synthetic history`);
else if (file) {
  const cells = JSON.parse(readFileSync(file, 'utf8')).cells;
  base = cells.find((c) => pick(c) && summarize(cellOf(c), 1e9).lost === 0 && summarize(cellOf(c), 1e9).twice === 0);
  if (!base) { console.log(`selftest: no clean cell with acknowledged appends in ${file}; using a synthetic history`); }
}
base ??= synthetic();
base = clone(base);
base.name = `selftest/clean (${base.name})`;

// lost: the final state misses one acknowledged append (the last one acknowledged).
const lost = clone(base); lost.name = 'selftest/lost';
{ const { sid, acked } = pick(lost); const victim = acked.at(-1).id; const fin = finalOf(lost, sid); fin.value = fin.value.filter((id) => id !== victim); }
// twice: one acknowledged append appears twice in the final state.
const twice = clone(base); twice.name = 'selftest/twice';
{ const { sid, acked } = pick(twice); const fin = finalOf(twice, sid); const i = fin.value.indexOf(acked[0].id); fin.value.splice(i + 1, 0, acked[0].id); }
// stale read: a read after the final read's return that shows the state from before the last ack.
const stale = clone(base); stale.name = 'selftest/stale-read';
{
  const { sid, acked, fin } = pick(stale);
  const before = fin.value.slice(0, fin.value.indexOf(acked.at(-1).id));
  stale.calls[sid].ops.push({ id: 'stale-read', process: 998, kind: 'read', invoke: fin.return + 1, return: fin.return + 2, status: 'ok', value: before });
}

const cases = [
  { h: base, lost: 0, twice: 0, linearizable: true },
  { h: lost, lost: 1, twice: 0, linearizable: false },
  { h: twice, lost: 0, twice: 1, linearizable: false },
  { h: stale, lost: null, twice: null, linearizable: false },
];
const bad = [];
for (const c of cases) {
  const s = summarize(cellOf(c.h), 1e9);
  if (c.lost !== null && (s.lost !== c.lost || s.twice !== c.twice)) bad.push(`${c.h.name}: JS counters lost=${s.lost} twice=${s.twice}, expected ${c.lost}/${c.twice}`);
  else console.log(`selftest: ${c.h.name}: JS counters lost=${s.lost} twice=${s.twice}`);
}
const dir = mkdtempSync(join(tmpdir(), 'callstate-selftest-'));
const hist = join(dir, 'history.json');
writeFileSync(hist, JSON.stringify({ cells: cases.map((c) => c.h) }));
const { byName, note } = runChecker([hist]);
rmSync(dir, { recursive: true, force: true });
if (!byName.size) console.log(`selftest: ${note} — checker part skipped`);
else {
  for (const c of cases) {
    const r = byName.get(c.h.name);
    if (!r) { bad.push(`${c.h.name}: no checker verdict`); continue; }
    const okLin = r.linearizable === c.linearizable;
    const okCount = c.lost === null || (r.lost === c.lost && r.twice === c.twice);
    if (!okLin || !okCount) bad.push(`${c.h.name}: checker said ${JSON.stringify(r)}, expected linearizable=${c.linearizable} lost=${c.lost} twice=${c.twice}`);
    else console.log(`selftest: ${c.h.name}: checker linearizable=${r.linearizable} lost=${r.lost} twice=${r.twice}`);
  }
}
// The instrumentation: on a real server, both clients' commands (plain, MULTI, on duplicate()
// connections) and the socket writes are seen and attributed to the op whose value they carry.
{
  const guard = JSON.stringify({ log: ['o7'], lastOp: 'o7' });
  const next = JSON.stringify({ log: ['o7', 'o8'], lastOp: 'o8' });
  if (attribute(`EVALSHA\nabc\n${guard}\n${next}`) !== 'o8') bad.push('attribute(): a whole-value guard was taken for the written value');
  const dir = mkdtempSync(join(tmpdir(), 'callstate-selftest-redis-'));
  removeOnExit(dir);
  const server = new Server('selftest', dir);
  try {
    await server.start();
    for (const kind of ['ioredis', 'node-redis']) {
      const cell = new Cell({ name: `selftest/${kind}` });
      const seen = [];
      cell.recordSend = (id, level, conn) => seen.push(`${id}:${level}:${conn}`);
      setCurrentForTest(cell);
      const c = instrument(kind, await makeClient(kind, server.port, { user: 'default' }), 'main', cell);
      const v = (id) => JSON.stringify({ log: [id], lastOp: id });
      const send = kind === 'ioredis' ? (x, argv) => x.call(...argv) : (x, argv) => x.sendCommand(argv);
      await send(c, ['PING']);
      await send(c, ['SET', 'k1', v('o1')]);
      await c.multi().set('k2', v('o2')).exec();
      const d = c.duplicate();
      if (kind === 'node-redis') await d.connect(); else await d.ping();
      await send(d, ['SET', 'k3', v('o3')]);
      await d.multi().set('k4', v('o4')).exec();
      closeClient(kind, d);
      closeClient(kind, c);
      setCurrentForTest(null);
      const want = ['o1:store:main', 'o2:store:main', 'o3:store:dedicated', 'o4:store:dedicated', 'o1:wire:null', 'o2:wire:null', 'o3:wire:null', 'o4:wire:null'];
      const missing = want.filter((w) => !seen.includes(w));
      if (missing.length) bad.push(`instrumentation (${kind}): not seen ${missing.join(', ')} (saw ${seen.join(', ')})`);
      else console.log(`selftest: instrumentation (${kind}): store-level sends on main and duplicate() connections, MULTI included, and socket writes seen`);
    }
  } catch (e) { bad.push(`instrumentation check: ${e.message}`); } finally { await server.stop(); }
}

// The same on a Cluster: the cluster client's sends (ioredis Cluster#call, node-redis
// RedisCluster#sendCommand) and sends on duplicate() of a node client (where the store's WATCH
// connections come from: ioredis nodes(), node-redis nodeClient()).
if (!process.env.FAULTS_SELFTEST_NO_CLUSTER) {
  const dir = mkdtempSync(join(tmpdir(), 'callstate-selftest-cluster-'));
  const cl = new ClusterServer('selftest-cluster', dir);
  try {
    await cl.ensure();
    for (const kind of ['ioredis', 'node-redis']) {
      const cell = new Cell({ name: `selftest/cluster/${kind}` });
      const seen = [];
      cell.recordSend = (id, level, conn) => seen.push(`${id}:${level}:${conn}`);
      setCurrentForTest(cell);
      const c = instrument(kind, await makeClient(kind, cl, { user: 'default' }), 'main', cell);
      const v = (id) => JSON.stringify({ log: [id], lastOp: id });
      const node = kind === 'ioredis' ? c.nodes('master')[0] : await c.nodeClient(c.masters[0]);
      if (kind === 'ioredis') await c.call('SET', '{t}k1', v('o1'));
      else await c.sendCommand('{t}k1', false, ['SET', '{t}k1', v('o1')]);
      const d = node.duplicate();
      if (kind === 'node-redis') await d.connect(); else await d.ping();
      if (kind === 'ioredis') await d.call('ECHO', v('o2')); else await d.sendCommand(['ECHO', v('o2')]);
      closeClient(kind, d);
      closeClient(kind, c);
      setCurrentForTest(null);
      const want = ['o1:store:main', 'o2:store:dedicated', 'o1:wire:null', 'o2:wire:null'];
      const missing = want.filter((w) => !seen.includes(w));
      if (missing.length) bad.push(`instrumentation (${kind} cluster): not seen ${missing.join(', ')} (saw ${seen.join(', ')})`);
      else console.log(`selftest: instrumentation (${kind} cluster): store-level sends on the cluster client and on duplicate() of a node client, and socket writes seen`);
    }
  } catch (e) { bad.push(`cluster instrumentation check: ${e.message}`); } finally { await cl.stop(); rmSync(dir, { recursive: true, force: true }); }
}

if (bad.length) { console.log(`selftest FAILED:\n  ${bad.join('\n  ')}`); process.exit(1); }
console.log('selftest: ok (clean history passes; lost, twice and a stale read are caught)');
