// Real redis-server (or valkey-server) processes for the fault matrix: started here on free loopback
// ports in one temp dir, restarted on the same port/dir when a fault needs it, and always killed
// when this process ends (normal exit, crash, SIGINT/SIGTERM). Every pid is also written to
// <dir>/*.pid so that scripts/test-faults.sh can kill leftovers even if node itself is SIGKILLed.
// `useServer('valkey')` switches every server started afterwards to valkey-server/valkey-cli.
// A `ClusterServer` is a 3-master Cluster (tests/support/cluster.mjs) with the same interface as a
// `Server` where runCell uses it (ensure, setMode, stop), plus admin connections to every node.
import { spawn, execFile } from 'node:child_process';
import { mkdirSync, writeFileSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { createRequire } from 'node:module';
import { startCluster, binaries } from '../support/cluster.mjs';

const require = createRequire(import.meta.url);
const Redis = require('ioredis');

/** Which server the matrix runs on: `kind` (redis | valkey) and its executables. */
export const SERVER = { kind: 'redis', ...binaries('redis') };
export function useServer(kind) { Object.assign(SERVER, { kind }, binaries(kind)); }

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The password of the ACL user `app` the stores log in as. */
export const APP_PASSWORD = 'pw';

const live = new Set(); // child processes still running
let cleanupDir = null;

function killAll() {
  for (const child of live) { try { child.kill('SIGKILL'); } catch { /* gone */ } }
  live.clear();
  if (cleanupDir) { try { rmSync(cleanupDir, { recursive: true, force: true }); } catch { /* best effort */ } }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => { killAll(); process.exit(sig === 'SIGINT' ? 130 : 143); });
}

/** Remove `dir` when the process exits (after the servers are dead). */
export function removeOnExit(dir) { cleanupDir = dir; }

export const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer();
  s.on('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

/** Rejects after `ms` with `what` timed out. Never leaves a hanging promise behind for the caller. */
export function within(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms); }),
  ]);
}

/** The ACL line for user `app`: all commands, or all but scripting (the no-Lua mode). */
export const appAcl = (mode) => `on >${APP_PASSWORD} ~* &* +@all${mode === 'nolua' ? ' -@scripting' : ''}`;

export class Server {
  /**
   * @param {string} name   short label (file names, messages)
   * @param {string} dir    its data dir (RDB/AOF/ACL file/log)
   * @param {string[]} args extra redis-server args for every start
   */
  constructor(name, dir, args = []) {
    this.name = name;
    this.dir = dir;
    this.args = args;
    this.port = 0;
    this.proc = null;
    this.mode = 'script';
    this.starts = 0;
    this.admin = null;
  }

  get aclFile() { return join(this.dir, 'users.acl'); }

  writeAcl() {
    writeFileSync(this.aclFile, `user default on nopass ~* &* +@all\nuser app ${appAcl(this.mode)}\n`);
  }

  /** Starts (or restarts) the server on its port; resolves once it answers PING with PONG. */
  async start(extra = [], { readyMs = 20_000 } = {}) {
    mkdirSync(this.dir, { recursive: true });
    if (!this.port) this.port = await freePort();
    this.writeAcl(); // the ACL user exists from the first accepted connection (no window)
    const args = ['--bind', '127.0.0.1', '--port', String(this.port), '--dir', this.dir,
      '--save', '', '--enable-debug-command', 'yes', '--aclfile', this.aclFile,
      '--logfile', join(this.dir, 'redis.log'), ...this.args, ...extra];
    const t0 = performance.now();
    const proc = spawn(SERVER.server, args, { stdio: 'ignore' });
    this.proc = proc;
    this.starts++;
    live.add(proc);
    const pidFile = join(this.dir, 'redis.pid');
    writeFileSync(pidFile, String(proc.pid));
    proc.exited = new Promise((resolve) => proc.once('exit', (code, signal) => {
      live.delete(proc);
      try { unlinkSync(pidFile); } catch { /* replaced or gone */ }
      resolve({ code, signal });
    }));
    proc.on('error', () => {});
    await this.waitReady(readyMs, proc);
    return performance.now() - t0;
  }

  /** Polls with PING (a fresh connection each time) until PONG; LOADING and refusals wait. */
  async waitReady(ms = 20_000, proc = this.proc) {
    const deadline = performance.now() + ms;
    let last = '';
    while (performance.now() < deadline) {
      if (proc && proc.exitCode !== null) throw new Error(`${this.name}: ${SERVER.server} exited (${proc.exitCode}); see ${join(this.dir, 'redis.log')}`);
      try {
        const r = await rawCommand(this.port, ['PING'], 1000);
        if (r === 'PONG') { await this.ensureAdmin(); return; }
        last = String(r);
      } catch (e) { last = e.message; }
      await sleep(20);
    }
    throw new Error(`${this.name}: not ready in ${ms} ms (${last})`);
  }

  /** The admin connection (default user): never resends, never waits for a ready check. */
  async ensureAdmin() {
    if (this.admin) return this.admin;
    const admin = new Redis({ host: '127.0.0.1', port: this.port, enableReadyCheck: false,
      autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 1, retryStrategy: () => 50, lazyConnect: false });
    admin.on('error', () => {});
    this.admin = admin;
    return admin;
  }

  /** One admin command, bounded in time. */
  async cmd(...argv) {
    const admin = await this.ensureAdmin();
    return within(admin.call(argv[0], ...argv.slice(1)), 10_000, `${this.name} ${argv.join(' ')}`);
  }

  /** Sets the `app` user's ACL for a mode (in memory and in the ACL file used on restarts). */
  async setMode(mode) {
    this.mode = mode;
    this.writeAcl();
    await this.cmd('ACL', 'SETUSER', 'app', ...appAcl(mode).split(' '));
  }

  /** Undo anything a fault may have left behind; throws if the server is not healthy. */
  async heal() {
    await this.cmd('CLIENT', 'UNPAUSE');
    await this.cmd('CONFIG', 'SET', 'maxmemory', '0');
    await this.setMode(this.mode);
    const pong = await this.cmd('PING');
    if (pong !== 'PONG') throw new Error(`${this.name}: PING answered ${pong}`);
  }

  /** kill -9 (no shutdown, no save). */
  async kill9() {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    proc.kill('SIGKILL');
    await within(proc.exited, 5000, `${this.name} kill -9`);
  }

  /** Graceful `SHUTDOWN SAVE` (everything acknowledged is in the RDB), via redis-cli/valkey-cli. */
  async shutdownSave() {
    const proc = this.proc;
    await new Promise((resolve) => execFile(SERVER.cli, ['-p', String(this.port), 'SHUTDOWN', 'SAVE'],
      { timeout: 10_000 }, () => resolve()));
    try { await within(proc.exited, 10_000, `${this.name} SHUTDOWN SAVE`); } catch (e) {
      proc.kill('SIGKILL'); await proc.exited; throw e;
    }
  }

  async stop() {
    try { this.admin?.disconnect(); } catch { /* ignore */ }
    this.admin = null;
    if (this.proc && this.proc.exitCode === null) {
      this.proc.kill('SIGKILL');
      await within(this.proc.exited, 5000, `${this.name} stop`).catch(() => {});
    }
  }

  /** Makes sure it runs and is healthy: heals it, or restarts it if it does not answer. */
  async ensure() {
    if (!this.proc || this.proc.exitCode !== null) { this.admin?.disconnect(); this.admin = null; await this.start(); }
    try { await this.heal(); } catch {
      await this.stop();
      await this.start();
      await this.heal();
    }
  }
}

/**
 * One command on a fresh socket, RESP2, simple replies only (status, error, integer, bulk): used to
 * probe readiness without any client library state.
 */
export function rawCommand(port, argv, ms = 1000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = '';
    const done = (fn, v) => { clearTimeout(timer); sock.destroy(); fn(v); };
    const timer = setTimeout(() => done(reject, new Error('timeout')), ms);
    sock.on('error', (e) => done(reject, e));
    sock.on('connect', () => sock.write(`*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`));
    sock.on('data', (d) => {
      buf += d.toString();
      const nl = buf.indexOf('\r\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      if (line[0] === '+' || line[0] === ':') done(resolve, line.slice(1));
      else if (line[0] === '-') done(resolve, line.slice(1)); // an error reply is an answer too
      else if (line[0] === '$') {
        const n = Number(line.slice(1));
        if (n < 0) return done(resolve, null);
        if (buf.length >= nl + 2 + n + 2) done(resolve, buf.slice(nl + 2, nl + 2 + n));
      } else done(resolve, line);
    });
  });
}

/**
 * A 3-master Cluster for the faults that need one (`reshard`): started by tests/support/cluster.mjs
 * (on SERVER.kind) under `dir`, so scripts/test-faults.sh finds its pid files; the ACL user `app`
 * is set on every node (in memory: the cluster nodes are never restarted here), and the harness
 * talks to each node through its own admin connection (the default user, which MIGRATE and
 * CLUSTER SETSLOT need).
 */
export class ClusterServer {
  constructor(name, dir, args = []) {
    this.name = name;
    this.dir = dir;
    this.args = args;
    this.cluster = null;
    this.mode = 'script';
    this.admins = new Map(); // port -> ioredis (default user)
    this.isCluster = true;
  }

  /** Every node's port (masters only: no replicas here). */
  get ports() { return this.cluster ? this.cluster.ports : []; }
  get port() { return this.ports[0]; }

  async start() {
    mkdirSync(this.dir, { recursive: true });
    // cluster.mjs makes its dir with mkdtemp(os.tmpdir()): point that at our run dir for the call.
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = this.dir;
    try {
      this.cluster = await startCluster({ server: SERVER.kind, masters: 3, replicas: 0, args: this.args, nodeTimeoutMs: 5000, readyMs: 30_000 });
    } finally { if (saved === undefined) delete process.env.TMPDIR; else process.env.TMPDIR = saved; }
  }

  /** The admin connection to the node on `port` (default user; no resend, bounded retries). */
  admin(port) {
    let a = this.admins.get(port);
    if (!a) {
      a = new Redis({ host: '127.0.0.1', port, enableReadyCheck: false, autoResendUnfulfilledCommands: false,
        maxRetriesPerRequest: 1, retryStrategy: () => 50 });
      a.on('error', () => {});
      this.admins.set(port, a);
    }
    return a;
  }

  /** One admin command on one node, bounded in time. */
  async on(port, ...argv) {
    return within(this.admin(port).call(argv[0], ...argv.slice(1)), 10_000, `${this.name}:${port} ${argv.join(' ')}`);
  }

  /** One admin command on every node. */
  async each(...argv) { return Promise.all(this.ports.map((p) => this.on(p, ...argv))); }

  /** The masters now: [{ id, port, slots: Set }], from the first node's CLUSTER NODES. */
  async masters() {
    const text = String(await this.on(this.port, 'CLUSTER', 'NODES'));
    return text.split('\n').filter(Boolean).map((line) => {
      const f = line.trim().split(' ');
      const port = Number(f[1].split('@')[0].split(':').pop());
      const slots = new Set();
      const open = [];
      for (const r of f.slice(8)) {
        if (r.startsWith('[')) { open.push(r); continue; }
        const [a, b] = r.split('-').map(Number);
        for (let s = a; s <= (b ?? a); s++) slots.add(s);
      }
      return { id: f[0], port, master: f[2].includes('master'), slots, open };
    }).filter((n) => n.master);
  }

  /** The ACL of `app` for a mode, on every node. */
  async setMode(mode) {
    this.mode = mode;
    await this.each('ACL', 'SETUSER', 'app', ...appAcl(mode).split(' '));
  }

  /**
   * Leaves a stable cluster: no slot left MIGRATING/IMPORTING by an interrupted move (each is
   * finished: its keys migrated, the slot given to the importing node), every node agreeing.
   */
  async heal() {
    for (const port of this.ports) {
      const nodes = String(await this.on(port, 'CLUSTER', 'NODES')).split('\n');
      const me = nodes.find((l) => l.includes('myself'));
      for (const m of (me ?? '').matchAll(/\[(\d+)-([<>])-([0-9a-f]+)\]/g)) {
        const [, slot, dir, other] = m;
        const masters = await this.masters();
        const peer = masters.find((n) => n.id === other);
        const self = masters.find((n) => n.port === port);
        if (!peer || !self) continue;
        const [src, dst] = dir === '>' ? [self, peer] : [peer, self];
        await finishSlotMove(this, Number(slot), src, dst);
      }
    }
    await this.cluster.waitOk(15_000);
    await this.setMode(this.mode);
  }

  async ensure() {
    if (!this.cluster) { await this.start(); await this.heal(); return; }
    if (this.cluster.nodes.every((n) => n.alive)) {
      try { await this.heal(); return; } catch { /* start afresh below */ }
    }
    await this.stop();
    await this.start();
    await this.heal();
  }

  async stop() {
    for (const a of this.admins.values()) { try { a.disconnect(); } catch { /* ignore */ } }
    this.admins.clear();
    const c = this.cluster;
    this.cluster = null;
    if (c) await c.stop();
  }
}

/**
 * Finishes moving `slot` from `src` to `dst` ({ id, port }): whatever keys are left on `src` are
 * migrated (MIGRATE … KEYS, one at a time, `pauseMs` apart so that a call's keys are split between
 * the two nodes for a while), then the slot is given to `dst` on dst, src and every other master.
 */
export async function finishSlotMove(cl, slot, src, dst, { pauseMs = 0, onKey } = {}) {
  for (;;) {
    const keys = await cl.on(src.port, 'CLUSTER', 'GETKEYSINSLOT', String(slot), '100');
    if (!keys.length) break;
    for (const [i, k] of keys.entries()) {
      if (pauseMs && i > 0) await sleep(pauseMs);
      const r = await cl.on(src.port, 'MIGRATE', '127.0.0.1', String(dst.port), '', '0', '5000', 'KEYS', k);
      onKey?.(k, r);
    }
  }
  await cl.on(dst.port, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', dst.id);
  await cl.on(src.port, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', dst.id);
  for (const p of cl.ports) if (p !== src.port && p !== dst.port) await cl.on(p, 'CLUSTER', 'SETSLOT', String(slot), 'NODE', dst.id);
}

/** Moves `slot` from `src` to `dst` by hand: IMPORTING, MIGRATING, the keys, SETSLOT NODE. */
export async function moveSlot(cl, slot, src, dst, opts = {}) {
  await cl.on(dst.port, 'CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', src.id);
  await cl.on(src.port, 'CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', dst.id);
  await finishSlotMove(cl, slot, src, dst, opts);
}

/** The Cluster hash slot of a key (CRC16/XMODEM of its hash tag, mod 16384). */
export function keySlot(key) {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const b of Buffer.from(key)) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}
