// Real Redis / Valkey servers for tests: a Cluster (N masters × R replicas) or one plain server,
// each on free loopback ports in its own temp dir, started as child processes of this node process
// and SIGKILLed when it exits (normal exit, uncaught error, SIGINT/SIGTERM/SIGHUP). Every pid is
// also written to <dir>/<port>/server.pid, so a shell wrapper can kill leftovers if node itself is
// SIGKILLed:  for f in "$dir"/*/server.pid; do kill -9 "$(cat "$f")"; done
//
// API (stable — other test suites import it):
//
//   import { startCluster, startServer, keySlot, freePort, binaries } from '../../tests/support/cluster.mjs';
//
//   keySlot(key) → 0…16383, the Cluster slot of a key (CRC16 of its hash tag), computed locally
//
//   const c = await startCluster({
//     server: 'redis' | 'valkey',   // default process.env.CALLSTATE_SERVER || 'redis'
//     masters: 3,                   // default 3
//     replicas: 0 | 1 | …,          // replicas per master, default 0
//     args: [],                     // extra server args for every node (e.g. ['--appendonly','yes'])
//     nodeTimeoutMs: 5000,          // cluster-node-timeout (failover tests: ~1000)
//     readyMs: 60_000,              // time allowed for the cluster to reach cluster_state:ok
//   });
//   c.server        'redis' | 'valkey';     c.dir   the temp dir (removed by stop())
//   c.ports         every node's port, masters first (as given to `--cluster create`)
//   c.nodes         [{ port, busPort, dir, proc, alive }] in the same order
//   c.rootNodes     ioredis: [{ host: '127.0.0.1', port }]  → new Redis.Cluster(c.rootNodes, …)
//   c.urls          node-redis: ['redis://127.0.0.1:port', …] → createCluster({ rootNodes: c.urls.map((url) => ({ url })) })
//   await c.masters()   [{ id, port, slots: [[from, to], …], replicas: [port, …] }] — current roles,
//                       from CLUSTER NODES of a live node (after a failover, the promoted replica)
//   await c.replicas()  [{ id, port, masterId }]
//   await c.cli(port, ...args)   `<server>-cli -p port args…` (no -c) → stdout, trimmed; rejects on
//                                a non-zero exit. Error replies come back as text ("ERR …").
//   await c.ccli(...args)        the same with `-c` (follows MOVED/ASK) on a live node
//   await c.each(...args)        c.cli on every live node → [stdout, …] (e.g. ACL SETUSER, FLUSHALL)
//   await c.waitOk(ms?)          until every live node says cluster_state:ok, knows every live node,
//                                all 16384 slots are served and every replica's link is up
//   await c.ownerOf(key)         the port of the master serving `key`'s slot now (CLUSTER NODES)
//   await c.kill(port, sig='SIGKILL')  kill one node, resolves when it has exited
//   await c.restart(port)        start a killed node again (same port, dir and nodes.conf)
//   await c.stop()               kill every node, remove the dir (idempotent)
//
//   const s = await startServer({ server: 'redis' | 'valkey', args: [] });
//   s.port, s.dir, s.proc, s.url ('redis://127.0.0.1:port'), await s.cli(...args), await s.stop(),
//   await s.kill(sig), await s.restart()
//
// Nodes run with `--save '' --appendonly no --enable-debug-command yes` unless `args` say otherwise
// (later args win), and logs in <dir>/<port>/server.log. The cluster bus port is a second free port
// given with `--cluster-port` (so no port+10000 arithmetic that could overflow or collide).
import { spawn, execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, rmSync, unlinkSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import net from 'node:net';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The executables for a server kind. */
export function binaries(server = 'redis') {
  if (server === 'redis') return { server: 'redis-server', cli: 'redis-cli' };
  if (server === 'valkey') return { server: 'valkey-server', cli: 'valkey-cli' };
  throw new Error(`unknown server kind ${JSON.stringify(server)} (redis | valkey)`);
}

// ---- process bookkeeping: every child dies with us ----------------------------------------------
const live = new Set();
const dirs = new Set();
function killAll() {
  for (const child of live) { try { child.kill('SIGKILL'); } catch { /* gone */ } }
  live.clear();
  for (const d of dirs) { try { rmSync(d, { recursive: true, force: true }); } catch { /* best effort */ } }
  dirs.clear();
}
process.on('exit', killAll);
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.on(sig, () => {
    killAll();
    // Someone else listening (e.g. tests/faults/servers.mjs) decides how to exit; else we do.
    if (process.listenerCount(sig) <= 1) process.exit(code);
  });
}

/** A free TCP port on 127.0.0.1 (the OS's choice; bind races are retried by the starters). */
export const freePort = () => new Promise((resolve, reject) => {
  const s = net.createServer();
  s.on('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

function run(cmd, args, ms = 30_000) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: ms, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) {
        err.message = `${cmd} ${args.join(' ')}: ${err.message}\n${stderr}${stdout}`;
        reject(err);
      } else resolve(stdout.trim());
    });
  });
}

/** One node process (cluster node or plain server). */
class Node {
  constructor(kind, root, args, cluster) {
    this.kind = kind;
    this.bin = binaries(kind);
    this.root = root;
    this.args = args;
    this.cluster = cluster; // { nodeTimeoutMs } or null
    this.port = 0;
    this.busPort = 0;
    this.dir = null;
    this.proc = null;
  }

  get alive() { return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null; }

  async start({ readyMs = 20_000 } = {}) {
    for (let attempt = 0; ; attempt++) {
      const fresh = !this.port;
      if (fresh) {
        this.port = await freePort();
        if (this.cluster) this.busPort = await freePort();
        this.dir = join(this.root, String(this.port));
      }
      mkdirSync(this.dir, { recursive: true });
      const args = ['--bind', '127.0.0.1', '--port', String(this.port), '--dir', this.dir,
        '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes',
        '--logfile', join(this.dir, 'server.log')];
      if (this.cluster) {
        args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
          '--cluster-port', String(this.busPort), '--cluster-node-timeout', String(this.cluster.nodeTimeoutMs));
      }
      args.push(...this.args);
      const proc = spawn(this.bin.server, args, { stdio: 'ignore' });
      proc.on('error', () => {});
      this.proc = proc;
      live.add(proc);
      const pidFile = join(this.dir, 'server.pid');
      writeFileSync(pidFile, String(proc.pid));
      proc.exited = new Promise((resolve) => proc.once('exit', (code, signal) => {
        live.delete(proc);
        try { unlinkSync(pidFile); } catch { /* gone */ }
        resolve({ code, signal });
      }));
      try {
        await this.waitPing(readyMs);
        return;
      } catch (e) {
        await this.kill();
        // A port taken between freePort() and the bind: try fresh ports (first start only).
        if (fresh && attempt < 4 && /Address already in use|exited/.test(e.message + this.log())) {
          this.port = 0; this.busPort = 0; continue;
        }
        throw e;
      }
    }
  }

  log() {
    try { return readFileSync(join(this.dir, 'server.log'), 'utf8').split('\n').slice(-15).join('\n'); } catch { return ''; }
  }

  async waitPing(ms) {
    const deadline = Date.now() + ms;
    let last = '';
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`${this.bin.server} on ${this.port} exited; log:\n${this.log()}`);
      try {
        last = await run(this.bin.cli, ['-p', String(this.port), 'PING'], 2000);
        if (last === 'PONG') return;
      } catch (e) { last = e.message; }
      await sleep(30);
    }
    throw new Error(`${this.bin.server} on ${this.port}: no PONG in ${ms} ms (${last})`);
  }

  cli(...args) { return run(this.bin.cli, ['-p', String(this.port), ...args.map(String)]); }

  async kill(sig = 'SIGKILL') {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(sig);
    const t = setTimeout(() => { try { proc.kill('SIGKILL'); } catch { /* gone */ } }, 10_000);
    await proc.exited;
    clearTimeout(t);
  }
}

function publicNode(n) {
  return { get port() { return n.port; }, get busPort() { return n.busPort; }, get dir() { return n.dir; },
    get proc() { return n.proc; }, get alive() { return n.alive; } };
}

/** The Cluster slot of `key`: CRC16-XMODEM of its hash tag (the part in the first non-empty {…}) mod 16384. */
export function keySlot(key) {
  let k = Buffer.from(String(key));
  const open = k.indexOf(0x7b); // {
  if (open >= 0) {
    const close = k.indexOf(0x7d, open + 1); // }
    if (close > open + 1) k = k.subarray(open + 1, close);
  }
  let crc = 0;
  for (const byte of k) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

/** Parses CLUSTER NODES text. */
function parseNodes(text) {
  return text.split('\n').filter(Boolean).map((line) => {
    const f = line.trim().split(' ');
    const port = Number(f[1].split('@')[0].split(':').pop());
    const flags = f[2].split(',');
    const slots = [];
    for (const s of f.slice(8)) {
      if (s.startsWith('[')) continue; // migrating/importing markers
      const [a, b] = s.split('-').map(Number);
      slots.push([a, b ?? a]);
    }
    return { id: f[0], port, flags, master: f[3] === '-' ? null : f[3],
      failed: flags.includes('fail') || flags.includes('fail?') || f[7] === 'disconnected', slots };
  });
}

/**
 * Starts a cluster of `masters` masters with `replicas` replicas each; resolves once every node says
 * cluster_state:ok. See the header for the returned object.
 */
export async function startCluster({ server = process.env.CALLSTATE_SERVER || 'redis', masters = 3,
  replicas = 0, args = [], nodeTimeoutMs = 5000, readyMs = 60_000 } = {}) {
  const bin = binaries(server);
  if (masters < 3) throw new Error('a Redis Cluster needs at least 3 masters');
  const dir = mkdtempSync(join(tmpdir(), `callstate-cluster-${server}-`));
  dirs.add(dir);
  const nodes = Array.from({ length: masters * (1 + replicas) },
    () => new Node(server, dir, args, { nodeTimeoutMs }));
  let stopped = false;

  const liveNodes = () => nodes.filter((n) => n.alive);
  const byPort = (port) => {
    const n = nodes.find((x) => x.port === Number(port));
    if (!n) throw new Error(`no node on port ${port}`);
    return n;
  };

  const api = {
    server,
    dir,
    get ports() { return nodes.map((n) => n.port); },
    nodes: nodes.map(publicNode),
    get rootNodes() { return nodes.map((n) => ({ host: '127.0.0.1', port: n.port })); },
    get urls() { return nodes.map((n) => `redis://127.0.0.1:${n.port}`); },

    cli: (port, ...a) => byPort(port).cli(...a),
    ccli: (...a) => {
      const n = liveNodes()[0];
      if (!n) return Promise.reject(new Error('no live node'));
      return run(bin.cli, ['-c', '-p', String(n.port), ...a.map(String)]);
    },
    each: (...a) => Promise.all(liveNodes().map((n) => n.cli(...a))),

    async clusterNodes() {
      let lastErr;
      for (const n of liveNodes()) {
        try { return parseNodes(await n.cli('CLUSTER', 'NODES')); } catch (e) { lastErr = e; }
      }
      throw lastErr ?? new Error('no live node');
    },
    async masters() {
      const all = await api.clusterNodes();
      return all.filter((x) => x.flags.includes('master') && !x.failed).map((m) => ({
        id: m.id, port: m.port, slots: m.slots,
        replicas: all.filter((r) => r.master === m.id && !r.failed).map((r) => r.port),
      }));
    },
    async replicas() {
      const all = await api.clusterNodes();
      return all.filter((x) => (x.flags.includes('slave') || x.flags.includes('replica')) && !x.failed)
        .map((r) => ({ id: r.id, port: r.port, masterId: r.master }));
    },

    async ownerOf(key) {
      const slot = keySlot(key);
      const m = (await api.masters()).find((x) => x.slots.some(([a, b]) => slot >= a && slot <= b));
      if (!m) throw new Error(`no master serves slot ${slot} (${key})`);
      return m.port;
    },

    async waitOk(ms = readyMs) {
      const deadline = Date.now() + ms;
      let last = '';
      while (Date.now() < deadline) {
        try {
          const alive = liveNodes();
          let ok = true;
          for (const n of alive) {
            const info = await n.cli('CLUSTER', 'INFO');
            const get = (k) => (info.match(new RegExp(`^${k}:(\\S+)`, 'm')) || [])[1];
            if (get('cluster_state') !== 'ok' || Number(get('cluster_slots_ok')) !== 16384
              || Number(get('cluster_known_nodes')) < alive.length) {
              ok = false; last = `${n.port}: ${info.split('\n').slice(0, 7).join(' ')}`; break;
            }
            const repl = await n.cli('INFO', 'replication');
            if (/^role:slave/m.test(repl) && !/^master_link_status:up/m.test(repl)) {
              ok = false; last = `${n.port}: replica link not up`; break;
            }
          }
          // every live node agrees on who serves each slot range
          if (ok) {
            const views = await Promise.all(alive.map(async (n) => JSON.stringify(
              parseNodes(await n.cli('CLUSTER', 'NODES')).filter((x) => x.slots.length)
                .map((x) => [x.id, x.slots]).sort())));
            if (views.some((v) => v !== views[0])) { ok = false; last = 'nodes disagree on slot owners'; }
          }
          if (ok) return;
        } catch (e) { last = e.message; }
        await sleep(100);
      }
      throw new Error(`cluster (${server}) not ok in ${ms} ms: ${last}`);
    },

    kill: (port, sig = 'SIGKILL') => byPort(port).kill(sig),
    restart: (port) => byPort(port).start(),

    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(nodes.map((n) => n.kill()));
      dirs.delete(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    await Promise.all(nodes.map((n) => n.start()));
    await run(bin.cli, ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas', String(replicas), '--cluster-yes'], 60_000);
    await api.waitOk(readyMs);
  } catch (e) {
    await api.stop();
    throw e;
  }
  return api;
}

/** One plain (non-cluster) server on a free loopback port. See the header. */
export async function startServer({ server = process.env.CALLSTATE_SERVER || 'redis', args = [], readyMs = 20_000 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), `callstate-server-${server}-`));
  dirs.add(dir);
  const n = new Node(server, dir, args, null);
  let stopped = false;
  try { await n.start({ readyMs }); } catch (e) { rmSync(dir, { recursive: true, force: true }); dirs.delete(dir); throw e; }
  return {
    server,
    dir,
    get port() { return n.port; },
    get url() { return `redis://127.0.0.1:${n.port}`; },
    get proc() { return n.proc; },
    get alive() { return n.alive; },
    cli: (...a) => n.cli(...a),
    kill: (sig = 'SIGKILL') => n.kill(sig),
    restart: () => n.start({ readyMs }),
    async stop() {
      if (stopped) return;
      stopped = true;
      await n.kill();
      dirs.delete(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// `node tests/support/cluster.mjs [redis|valkey] [masters] [replicas]`: a smoke check that starts a
// cluster, prints its masters and stops it.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [server = 'redis', m = '3', r = '0'] = process.argv.slice(2);
  const t0 = Date.now();
  const c = await startCluster({ server, masters: Number(m), replicas: Number(r) });
  console.log(`${server} cluster up in ${Date.now() - t0} ms:`, JSON.stringify(await c.masters()));
  console.log(await c.ccli('SET', '{x}a', '1'), await c.ccli('GET', '{x}a'));
  await c.stop();
  const s = await startServer({ server });
  console.log(`${server} server on ${s.port}:`, await s.cli('PING'));
  await s.stop();
  console.log('leftover dir?', existsSync(c.dir), existsSync(s.dir));
}
