// One cell of the fault matrix: two stores on their own clients race updates on a few calls while
// a fault is injected; every operation is recorded (invoke → ok/unknown, with the log it saw), every
// command the stores send is timestamped, and the counters are computed from the history and the
// calls' final states.
//
// Instrumentation (what "late write" means here):
//   store level  each client's `sendCommand` is wrapped on the instance (ioredis: every command,
//                `call` included, goes through it; node-redis: the store's `sendCommand`), and so is
//                `duplicate()`, so the WATCH connections the store makes are wrapped too. A command
//                whose argv holds `"lastOp":"<opId>"` is a send of that op's value. ioredis passes
//                one Command object through sendCommand again when it flushes its offline queue or
//                resends unanswered commands after a reconnect: the first pass is the store's send,
//                later ones are the client's resends.
//   wire level   net.Socket#write, for every socket in the process: when the bytes of an op's value
//                actually leave for the server (catches node-redis queue flushes after a reconnect).
//   late-writes  ops with a store-level send after the op settled, a call of its `fn` after it
//                settled, or a client resend after it settled on a connection the store made itself
//                (SPEC §7: WATCH connections never resend).
//   resent (info) ops whose value reached the wire after they settled only through the client's own
//                resend/offline queue on the user's client (SPEC §7 allows "a write already sent").
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { sleep, within, APP_PASSWORD, keySlot } from './servers.mjs';

const require = createRequire(import.meta.url);
const Redis = require('ioredis');
const { createClient, createCluster } = require('redis');

const now = () => performance.now();
const OK_CODES = new Set(['REDIS', 'CONFLICT', 'STALE_WRITE']);
const WORKERS_PER_STORE = 4;
const STORES = 2;
const CALLS = 4;
const READ_SHARE = 0.1;
// Workers start their ops on a common tick (plus < 1 ms jitter), so the 8 workers of a cell race in
// bursts on 4 calls (2 ops per call per tick) while the rate, and so the history (every op records
// the call's whole log), stays bounded: at most 8 ops per tick.
const TICK_MS = 25;

/** A 32-bit integer hash (for picks that two workers make alike). */
function mix(x) {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

// --- which cell is running (for process-wide hooks) --------------------------------------------
let current = null;

// Wire level: every socket write in the process.
const origWrite = net.Socket.prototype.write;
net.Socket.prototype.write = function (chunk, ...rest) {
  if (current && chunk && (typeof chunk === 'string' || Buffer.isBuffer(chunk)) && chunk.length > 12) {
    try {
      if (chunk.indexOf('"lastOp":"o') >= 0) {
        const id = attribute(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
        if (id) current.recordSend(id, 'wire', null);
      }
    } catch { /* never break a write */ }
  }
  return origWrite.call(this, chunk, ...rest);
};

// Connections the store made that emit 'error' with no listener: node-redis throws it (an uncaught
// exception), ioredis prints it. Both are counted as errors of the running cell.
const origConsoleError = console.error;
console.error = (...args) => {
  if (typeof args[0] === 'string' && args[0].startsWith('[ioredis] Unhandled error event')) {
    const text = String(args[1] ?? '').split('\n')[0];
    if (current) { current.noteError('unhandled error event (ioredis)', text); return; }
    if (last) { origConsoleError(`unhandled error event (ioredis) after cell ${last.name} ended: ${text}`); return; }
  }
  origConsoleError(...args);
};
// Between cells, an error from a connection of the last cell is still that cell's (its counters are
// already printed, so it is reported on stderr); before any cell ran it is a harness bug: exit.
let last = null;
function uncaught(kind, e) {
  const text = e?.stack?.split('\n').slice(0, 2).join(' | ') ?? String(e);
  if (current) current.noteError(kind, text);
  else if (last) origConsoleError(`${kind} after cell ${last.name} ended: ${text}`);
  else { origConsoleError(`${kind} (harness):`, e); process.exit(1); }
}
process.on('uncaughtException', (e) => uncaught('uncaught exception', e));
process.on('unhandledRejection', (e) => uncaught('unhandled rejection', e));

/** For the harness's own tests: make `cell` the running cell (process-wide hooks report to it). */
export function setCurrentForTest(cell) { current = cell; }

// --- attributing a command to an op -------------------------------------------------------------
const LASTOP = /"lastOp":"(o\d+)"/g;
function countOf(text, needle) {
  let n = 0;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}
/**
 * The op whose value a command (or a socket write) carries, or null. A command may also carry an
 * older value (a whole-value compare guard): the written value's op id appears twice in the text
 * (its log's last entry and `lastOp`), an older value's op id at least three times (also in the
 * newer log), so the id with the fewest quoted occurrences is the one being written.
 */
export function attribute(text) {
  if (text.indexOf('"lastOp":"o') < 0) return null;
  const ids = [...new Set([...text.matchAll(LASTOP)].map((m) => m[1]))];
  if (ids.length <= 1) return ids[0] ?? null;
  let best = null, bestN = Infinity;
  for (const id of ids) { const n = countOf(text, `"${id}"`); if (n < bestN) { best = id; bestN = n; } }
  return best;
}
const argText = (a) => (typeof a === 'string' ? a : Buffer.isBuffer(a) ? (a.length < 4_000_000 ? a.toString('utf8') : '') : String(a));

/**
 * Wraps a client instance (and, through duplicate(), the connections made from it). On a Cluster
 * client, the cluster's own sends are wrapped, and so is `duplicate()` of every node client the
 * store asks for (ioredis `nodes()`, node-redis `nodeClient()`): the store's WATCH connections are
 * made from those. The node clients' own sends are not (a cluster redirecting a command after a
 * MOVED/ASK/TRYAGAIN is the client's resend of a command already sent, seen at the wire level).
 */
export function instrument(kind, client, conn, cell) {
  if (isClusterClient(kind, client)) return instrumentCluster(kind, client, cell);
  if (kind === 'ioredis') {
    recordIoredisSends(client, cell, conn);
  } else {
    // node-redis: the object createClient returns delegates to an inner `_self`; patch both, and
    // the MULTI/pipeline entry points that bypass sendCommand.
    const record = recorder(cell, conn);
    for (const target of new Set([client, client._self].filter(Boolean))) {
      const orig = target.sendCommand;
      if (typeof orig === 'function') target.sendCommand = function (args, ...rest) { record(args); return orig.call(this, args, ...rest); };
      for (const batch of ['_executeMulti', '_executePipeline']) {
        const origBatch = target[batch];
        if (typeof origBatch !== 'function') continue;
        target[batch] = function (commands, ...rest) {
          if (Array.isArray(commands)) for (const c of commands) record(c?.args);
          return origBatch.call(this, commands, ...rest);
        };
      }
    }
  }
  instrumentDuplicate(kind, client, cell);
  return client;
}

const isClusterClient = (kind, c) => (kind === 'ioredis' ? !!c.isCluster : typeof c.getSlotMaster === 'function');

/** `duplicate()` of `client` hands out instrumented connections (the store's WATCH connections). */
function instrumentDuplicate(kind, client, cell) {
  const dup = client.duplicate;
  if (typeof dup !== 'function' || dup.instrumented) return;
  const wrapped = function (...args) {
    const d = dup.apply(this, args);
    // ioredis Cluster refreshes its slot map (after a MOVED) on a duplicate of a node: not the store's.
    if (/refresher/.test(String(args[0]?.connectionName ?? ''))) return d;
    cell.dups.push({ kind, client: d });
    instrument(kind, d, 'dedicated', cell);
    return d;
  };
  wrapped.instrumented = true;
  client.duplicate = wrapped;
}

/** Records an argv the store sent on `conn` (node-redis entry points). */
function recorder(cell, conn) {
  return (args) => {
    try {
      if (Array.isArray(args)) {
        const id = attribute(args.map(argText).join('\n'));
        if (id) cell.recordSend(id, 'store', conn);
      }
    } catch { /* never break a send */ }
  };
}

/** Wraps ioredis `sendCommand` (Redis or Cluster): the first send of a command is the store's,
 * a later one of the same command object is the client's own resend. */
function recordIoredisSends(client, cell, conn) {
  const orig = client.sendCommand;
  const seen = new WeakSet();
  client.sendCommand = function (command, ...rest) {
    try {
      const first = !seen.has(command);
      seen.add(command);
      const args = command?.args;
      if (args?.length) {
        const id = attribute(args.map(argText).join('\n'));
        if (id) cell.recordSend(id, first ? 'store' : 'resend', conn);
      }
    } catch { /* never break a send */ }
    return orig.call(this, command, ...rest);
  };
}

function instrumentCluster(kind, client, cell) {
  const record = recorder(cell, 'main');
  if (kind === 'ioredis') {
    // Cluster#sendCommand(command, stream, node): the store's `call` goes through it once; MOVED,
    // ASK and TRYAGAIN retries go to the node clients directly.
    recordIoredisSends(client, cell, 'main');
    const nodes = client.nodes;
    client.nodes = function (...args) {
      const list = nodes.apply(this, args);
      for (const n of list) instrumentDuplicate(kind, n, cell);
      return list;
    };
  } else {
    // node-redis RedisCluster#sendCommand(firstKey, isReadonly, args, options).
    for (const target of new Set([client, client._self].filter(Boolean))) {
      const orig = target.sendCommand;
      if (typeof orig === 'function') target.sendCommand = function (firstKey, ro, args, ...rest) { record(args); return orig.call(this, firstKey, ro, args, ...rest); };
      const nodeClient = target.nodeClient;
      if (typeof nodeClient === 'function') {
        target.nodeClient = function (...args) {
          const r = nodeClient.apply(this, args);
          const wrap = (c) => { if (c) instrumentDuplicate(kind, c, cell); return c; };
          return r && typeof r.then === 'function' ? r.then(wrap) : wrap(r);
        };
      }
    }
  }
  return client;
}

// --- clients ---------------------------------------------------------------------------------------
/**
 * A client of `kind` for `target`: a port (one server), or a ClusterServer (`isCluster`: an ioredis
 * `Redis.Cluster` / node-redis `createCluster` on its nodes). Logged in as `app` unless told.
 */
export async function makeClient(kind, target, { user = 'app' } = {}) {
  const auth = user === 'app' ? { username: 'app', password: APP_PASSWORD } : {};
  if (typeof target === 'object' && target?.isCluster) {
    const ports = target.ports;
    if (kind === 'ioredis') {
      const c = new Redis.Cluster(ports.map((port) => ({ host: '127.0.0.1', port })), { redisOptions: auth });
      c.on('error', () => {});
      await within(new Promise((resolve, reject) => { c.once('ready', resolve); c.once('end', () => reject(new Error('cluster ended'))); }),
        10_000, 'ioredis Cluster ready');
      return c;
    }
    const c = createCluster({ rootNodes: ports.map((port) => ({ url: `redis://127.0.0.1:${port}` })), defaults: auth }).on('error', () => {});
    await within(c.connect(), 10_000, 'node-redis cluster connect');
    return c;
  }
  const port = typeof target === 'object' ? target.port : target;
  if (kind === 'ioredis') {
    const c = new Redis({ host: '127.0.0.1', port, ...auth });
    c.on('error', () => {});
    return c;
  }
  const url = user === 'app' ? `redis://app:${APP_PASSWORD}@127.0.0.1:${port}` : `redis://127.0.0.1:${port}`;
  const c = createClient({ url }).on('error', () => {});
  await within(c.connect(), 10_000, 'node-redis connect');
  return c;
}

export function closeClient(kind, c) {
  try {
    if (kind === 'ioredis') c.disconnect();
    else if (typeof c.destroy === 'function') { if (c.isOpen) c.destroy(); } else c.disconnect?.().catch(() => {});
  } catch { /* already closed */ }
}
const isOpen = (kind, c) => (kind === 'ioredis' ? c.status !== 'end' : !!c.isOpen);

// --- the cell ----------------------------------------------------------------------------------------
export class Cell {
  constructor({ name, fault, client, mode, backend, server = 'redis' }) {
    Object.assign(this, { name, fault, client, mode, backend, server });
    this.ops = new Map();
    this.sends = new Map(); // op id -> [{ t, level, conn }]
    this.fnCalls = new Map(); // op id -> [t]
    this.dups = [];
    this.clients = [];
    this.errorNotes = new Map(); // kind -> { n, sample }
    this.rejections = new Map(); // code: message -> n
    this.events = [];
    this.seq = 0;
    this.perCall = new Map();
    this.active = [];
    this.hot = [];
    this.pairs = false;
    this.running = false;
    this.crash = null;
    this.finals = null;
  }

  recordSend(id, level, conn) {
    let list = this.sends.get(id);
    if (!list) this.sends.set(id, (list = []));
    list.push({ t: now(), level, conn });
  }

  noteError(kind, sample) {
    const e = this.errorNotes.get(kind) ?? { n: 0, sample };
    e.n++;
    this.errorNotes.set(kind, e);
  }

  noteRejection(e) {
    const code = e?.code ?? e?.name ?? 'Error';
    const msg = String(e?.message ?? e).replace(/\d+/g, 'N').slice(0, 110);
    const k = `${code}: ${msg}`;
    this.rejections.set(k, (this.rejections.get(k) ?? 0) + 1);
    if (!OK_CODES.has(e?.code)) this.noteError(`rejected with code ${code}`, msg);
  }

  /**
   * The call worker `proc` works on this tick. By default one of the current calls at random. With
   * `pairs` (many calls), worker w of every store picks the same call on a tick (a hash of the tick
   * and w), so that updates still race; while a fault has `hot` calls (those it is about to move),
   * half of the picks are among them.
   */
  pick(proc) {
    if (!this.pairs) return this.active[Math.floor(Math.random() * this.active.length)];
    const tick = this.tickMs ?? TICK_MS;
    const w = proc % WORKERS_PER_STORE;
    const h = mix(Math.floor(Date.now() / tick) * 64 + w);
    const list = this.hot.length && h % 2 === 0 ? this.hot : this.active;
    return list[Math.floor(h / 2) % list.length];
  }

  /** `fn` for op `id`: appends the op id to the call's log; calls after settling are recorded. */
  updater(id) {
    return (s) => {
      let list = this.fnCalls.get(id);
      if (!list) this.fnCalls.set(id, (list = []));
      list.push(now());
      return s && ({ ...s, log: [...s.log, id], lastOp: id, lastUpdated: new Date() });
    };
  }

  async worker(store, proc) {
    while (this.running) {
      const tick = this.tickMs ?? TICK_MS;
      await sleep(tick - (Date.now() % tick) + Math.random());
      if (!this.running) break;
      const sid = this.pick(proc);
      const n = ++this.seq;
      const id = `o${n}`;
      const kind = Math.random() < READ_SHARE ? 'read' : 'append';
      this.perCall.set(sid, (this.perCall.get(sid) ?? 0) + 1);
      const op = { id, process: proc, kind, sid, invoke: now(), return: null, status: 'unknown', value: null, settled: null };
      this.ops.set(id, op);
      try {
        if (kind === 'read') {
          const s = await store.getCallState(sid);
          op.settled = now();
          op.status = 'ok';
          op.value = s ? [...s.log] : null;
        } else {
          const opts = { maxRetries: 20, ...(n % 2 === 0 ? { idempotencyKey: id } : {}) };
          const r = await store.updateCallState(sid, this.updater(id), opts);
          op.settled = now();
          op.status = 'ok';
          op.value = r ? [...r.log] : null;
        }
        op.return = op.settled;
      } catch (e) {
        op.settled = now();
        op.error = e;
        this.noteRejection(e);
      }
    }
  }
}

/**
 * Runs one cell. `env`: { cs (the package), server, fault (def), faultName, loadMs, timeoutMs }.
 * Returns the cell (counters are computed by `summarize`). Throws only for harness failures
 * (the caller records them as a crashed cell).
 */
export async function runCell(cell, env) {
  const { cs, server, fault, loadMs, timeoutMs } = env;
  current = cell;
  last = cell;
  if (env.tickMs) cell.tickMs = env.tickMs;
  const hashCodec = new cs.CallStateCodec({ hashTag: true });
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const t0 = now();
  try {
    await server.ensure();
    await server.setMode(cell.mode);
    // A Cluster needs a codec whose keys share the call's slot (a hash tag).
    const codec = () => (server.isCluster ? { codec: new cs.CallStateCodec({ hashTag: true }) } : {});
    const calls = fault.calls ?? CALLS;
    cell.pairs = calls > CALLS;
    const newSids = () => Array.from({ length: calls }, () => `CA${randomBytes(16).toString('hex')}`);
    cell.sids = [];
    const stores = [];
    for (let i = 0; i < STORES; i++) {
      const c = instrument(cell.client, await makeClient(cell.client, server), 'main', cell);
      cell.clients.push(c);
      stores.push(cs.createCallStateStore(c, { onRedisError: 'throw', timeoutMs: env.storeTimeoutMs ?? timeoutMs, ...codec() }));
    }
    cell.stores = stores;
    // On a Cluster, a third store on its own client that only ever writes, and only when the fault
    // asks (`ctx.probe`): a process that sat idle while slots moved, then extends a call's TTL with
    // no read before it. Its slot map is stale; the write must still land within timeoutMs.
    let idle = null;
    if (server.isCluster) {
      const c = await makeClient(cell.client, server);
      cell.idleClient = c;
      idle = cs.createCallStateStore(c, { onRedisError: 'throw', timeoutMs: env.storeTimeoutMs ?? timeoutMs, ...codec() });
      cell.idleStore = idle;
    }
    cell.probes = [];
    /** New calls, saved while the server is healthy (16 at a time); the workers move on to them. */
    const rotate = async () => {
      const sids = newSids();
      const save = async (sid) => {
        const initial = { callSid: sid, stage: 'ASK_ACTION', attemptCount: 0, lastUpdated: new Date(), language: 'es', log: [], lastOp: '' };
        let err;
        for (let attempt = 0; attempt < 5; attempt++) {
          try { await stores[0].saveCallState(sid, initial); err = null; break; } catch (e) { err = e; await sleep(200); }
        }
        if (err) throw new Error(`initial save failed on a healthy server: ${err.code ?? ''} ${err.message}`);
      };
      for (let i = 0; i < sids.length; i += 16) await Promise.all(sids.slice(i, i + 16).map(save));
      cell.sids.push(...sids);
      cell.active = sids;
    };
    await rotate();

    // Load, with the fault injected during it (and the recovery after it).
    cell.running = true;
    const workers = [];
    stores.forEach((store, s) => {
      for (let w = 0; w < WORKERS_PER_STORE; w++) workers.push(cell.worker(store, s * WORKERS_PER_STORE + w));
    });
    const loadStart = now();
    const windowEnd = loadStart + Math.max(300, loadMs - 300);
    const ctx = {
      server, mode: cell.mode, timeoutMs, loadMs, rotate,
      /** The current calls, and the Cluster slot of a call's keys (its hash tag). */
      calls: () => cell.active,
      slotOf: (sid) => keySlot(hashCodec.generateStateKey(sid)),
      /** Half of the workers' picks go to these calls until `focus([])` (see Cell#pick). */
      focus: (sids) => { cell.hot = [...sids]; },
      /**
       * Cluster only: the idle store extends each call's TTL (1 s more), in the background. Any
       * rejection is an error of the cell: the cluster is healthy, only the client's map is old.
       */
      probe: idle && ((sids, what) => {
        for (const sid of sids) {
          const t0 = now();
          const late = () => {
            const ms = now() - t0;
            if (ms > timeoutMs + 50) cell.noteError('extendCallStateTTL from an idle client settled late', `after ${Math.round(ms)} ms`);
          };
          cell.probes.push(idle.extendCallStateTTL(sid, 1).then(() => { late(); cell.probed = (cell.probed ?? 0) + 1; }, (e) => {
            late();
            cell.noteError(`extendCallStateTTL from an idle client right after ${what} failed`,
              `${e?.code}: ${e?.message} (after ${Math.round(now() - t0)} ms)`);
          }));
        }
      }),
      /** The most ops invoked on one of the current calls (the soak rotates calls to bound logs). */
      busiest: () => Math.max(...cell.active.map((sid) => cell.perCall.get(sid) ?? 0)),
      active: (minMs = 0) => windowEnd - now() > minMs,
      sleep: (ms) => sleep(Math.max(0, Math.min(ms, windowEnd - now()))),
      event: (text) => cell.events.push(`${((now() - loadStart) / 1000).toFixed(2)}s ${text}`),
      /** A line about what the fault did, printed under the table for passing cells too. */
      note: (text) => { cell.note = text; },
    };
    let faultError = null;
    const injected = fault.inject(ctx).catch((e) => { faultError = e; });
    await sleep(loadMs);
    await injected;
    cell.running = false;
    const loadEnd = now();
    cell.loadSeconds = (loadEnd - loadStart) / 1000;
    // Every op settles within timeoutMs (that is one of the checks); give hung ones a grace period.
    const settledAll = Promise.all([...workers, ...cell.probes]);
    await Promise.race([settledAll, sleep(timeoutMs + 2000)]);
    if (faultError) throw new Error(`fault injection failed: ${faultError.message}`);

    // The fault has stopped: the server must be healthy, then read the final states afresh.
    await server.ensure();
    cell.hung = [...cell.ops.values()].filter((op) => op.settled === null).map((op) => op.id);
    const reader = await makeClient('ioredis', server, { user: 'default' });
    try {
      const fresh = cs.createCallStateStore(reader, { onRedisError: 'throw', timeoutMs: 3000, ...codec() });
      cell.finals = {};
      const final = async (sid) => {
        const invoke = now();
        let s, err;
        for (let attempt = 0; attempt < 2; attempt++) {
          try { s = await fresh.getCallState(sid); err = null; break; } catch (e) { err = e; await sleep(200); }
        }
        if (err) throw new Error(`final read failed on a healthy server: ${err.code ?? ''} ${err.message}`);
        cell.finals[sid] = { id: `final-${sid.slice(-6)}`, process: 999, kind: 'read', sid, invoke, return: now(), status: 'ok', value: s ? [...s.log] : null };
      };
      for (let i = 0; i < cell.sids.length; i += 16) await Promise.all(cell.sids.slice(i, i + 16).map(final));
      await within(fresh.close(), 3000, 'final store close').catch(() => {});
    } finally { closeClient('ioredis', reader); }
  } finally {
    cell.running = false;
    // Close the stores, then count what they left open, then close everything.
    const closeMs = timeoutMs + 500;
    await Promise.all([...(cell.stores ?? []), ...(cell.idleStore ? [cell.idleStore] : [])].map(async (store) => {
      try { await within(Promise.resolve(store.close()), closeMs, 'store.close()'); } catch (e) { cell.noteError('store.close() failed', e.message); }
    }));
    await sleep(50);
    cell.dupsLeftOpen = cell.dups.filter((d) => isOpen(d.kind, d.client)).length;
    for (const d of cell.dups) closeClient(d.kind, d.client);
    for (const c of cell.clients) closeClient(cell.client, c);
    if (cell.idleClient) closeClient(cell.client, cell.idleClient);
    await sleep(20);
    lag.disable();
    cell.maxLagMs = Math.round(lag.max / 1e6);
    cell.seconds = (now() - t0) / 1000;
    current = null;
  }
  return cell;
}

/** Abandons a cell that the watchdog stopped: no more new ops, all its connections closed. */
export function abandon(cell) {
  cell.running = false;
  for (const d of cell.dups) closeClient(d.kind, d.client);
  for (const c of cell.clients) closeClient(cell.client, c);
  if (cell.idleClient) closeClient(cell.client, cell.idleClient);
  if (current === cell) current = null;
}

/** Counters from the recorded cell; the history (checker input) for it. */
export function summarize(cell, timeoutMs) {
  const ops = [...cell.ops.values()];
  const appends = ops.filter((o) => o.kind === 'append');
  const acked = appends.filter((o) => o.status === 'ok');
  const settleOf = (op) => (op.settled === null ? Infinity : op.settled);
  let lateWrites = 0, resent = 0, untracked = 0;
  const lateDetail = { send: 0, fn: 0, dedicatedResend: 0 };
  for (const op of appends) {
    const settled = settleOf(op);
    const sends = cell.sends.get(op.id) ?? [];
    const fns = cell.fnCalls.get(op.id) ?? [];
    const lateSend = sends.some((s) => s.level === 'store' && s.t > settled);
    const lateFn = fns.some((t) => t > settled);
    const lateDedicated = sends.some((s) => s.level === 'resend' && s.conn === 'dedicated' && s.t > settled);
    if (lateSend) lateDetail.send++;
    if (lateFn) lateDetail.fn++;
    if (lateDedicated) lateDetail.dedicatedResend++;
    if (lateSend || lateFn || lateDedicated) lateWrites++;
    else if (sends.some((s) => (s.level === 'resend' || s.level === 'wire') && s.t > settled)) resent++;
    if (op.status === 'ok' && !sends.some((s) => s.level === 'store')) untracked++;
  }
  const lateSettles = ops.filter((o) => settleOf(o) - o.invoke > timeoutMs + 50).length;
  let lost = 0, twice = 0, phantom = 0;
  const known = new Set(appends.map((o) => o.id));
  const finalsComplete = !!cell.finals && (cell.sids ?? []).every((sid) => cell.finals[sid]);
  if (finalsComplete) {
    const finalIds = new Map(); // sid -> Set of ids in its final log
    for (const sid of cell.sids) {
      const log = cell.finals[sid].value ?? [];
      const counts = new Map();
      for (const id of log) counts.set(id, (counts.get(id) ?? 0) + 1);
      for (const [id, n] of counts) { if (n > 1) twice++; if (!known.has(id)) phantom++; }
      finalIds.set(sid, counts);
    }
    for (const op of acked) if (!finalIds.get(op.sid).has(op.id)) lost++;
  }
  if (untracked) cell.noteError('acknowledged op never seen sent (instrumentation gap)', `${untracked} ops`);
  if (phantom) cell.noteError('final log holds an id no op of this cell wrote', `${phantom} ids`);
  let errors = 0;
  for (const { n } of cell.errorNotes.values()) errors += n;
  return {
    name: cell.name, fault: cell.fault, client: cell.client, mode: cell.mode, backend: cell.backend, server: cell.server,
    ops: ops.length, acked: acked.length, unknown: appends.length - acked.length,
    reads: ops.length - appends.length,
    lost: finalsComplete ? lost : null, twice: finalsComplete ? twice : null,
    lateWrites, lateDetail, lateSettles, hung: cell.hung?.length ?? 0, resent, errors,
    errorNotes: Object.fromEntries(cell.errorNotes),
    rejections: [...cell.rejections.entries()].sort((a, b) => b[1] - a[1]),
    events: cell.events, crash: cell.crash, dupsLeftOpen: cell.dupsLeftOpen ?? 0, watchConns: cell.dups.length,
    laterState: appends.filter((o) => o.status === 'ok' && o.value && o.value.lastIndexOf(o.id) >= 0 && o.value.lastIndexOf(o.id) < o.value.length - 1).length,
    retries: [...cell.fnCalls.values()].reduce((a, l) => a + Math.max(0, l.length - 1), 0),
    maxLagMs: cell.maxLagMs, seconds: cell.seconds, loadSeconds: cell.loadSeconds, note: [cell.note, cell.probes?.length ? `an idle client's extends after the moves: ${cell.probed ?? 0}/${cell.probes.length} ok` : null].filter(Boolean).join('; ') || null,
  };
}

const r3 = (t) => (t === null || t === Infinity ? null : Math.round(t * 1000) / 1000);
/** The checker's input for one cell: per call, `initial: []` and the ops (failed reads left out). */
export function historyOf(cell) {
  const calls = {};
  for (const sid of cell.sids ?? []) calls[sid] = { initial: [], ops: [] };
  const ops = [...cell.ops.values()].filter((o) => !(o.kind === 'read' && o.status !== 'ok'));
  let splitProcess = 1000;
  for (const op of ops) {
    // A call whose state is gone reads as null: for the register that is the empty list (its
    // acknowledged appends then count as lost).
    const value = op.status === 'ok' ? (op.value ?? []) : null;
    const rec = { id: op.id, process: op.process, kind: op.kind, invoke: r3(op.invoke),
      return: op.status === 'ok' ? r3(op.return) : null, status: op.status, value };
    const own = op.kind === 'append' && value ? value.lastIndexOf(op.id) : -1;
    if (own >= 0 && own < value.length - 1) {
      // updateCallState resolves to "what is stored afterwards" (SPEC §2); when a retry finds its
      // write id already applied it reports the stored state, which may hold later appends. In the
      // checker's model an append returns the list right after it, so this op is recorded as what
      // it is: the append (the list up to its own id) and a read of the rest, in the same window.
      rec.value = value.slice(0, own + 1);
      calls[op.sid]?.ops.push({ id: `${op.id}/after`, process: splitProcess++, kind: 'read', invoke: rec.invoke,
        return: rec.return, status: 'ok', value, splitFrom: op.id });
    }
    calls[op.sid]?.ops.push(rec);
  }
  if (cell.finals) {
    for (const sid of cell.sids) {
      const f = cell.finals[sid];
      if (!f) continue;
      calls[sid].ops.push({ id: f.id, process: f.process, kind: 'read', invoke: r3(f.invoke), return: r3(f.return), status: 'ok', value: f.value ?? [] });
    }
  }
  for (const c of Object.values(calls)) c.ops.sort((a, b) => a.invoke - b.invoke);
  return { name: cell.name, calls };
}
