// Real redis-server processes for the fault matrix: started here on free loopback ports in one temp
// dir, restarted on the same port/dir when a fault needs it, and always killed when this process
// ends (normal exit, crash, SIGINT/SIGTERM). Every pid is also written to <dir>/*.pid so that
// scripts/test-faults.sh can kill leftovers even if node itself is SIGKILLed.
import { spawn, execFile } from 'node:child_process';
import { mkdirSync, writeFileSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Redis = require('ioredis');

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
    const proc = spawn('redis-server', args, { stdio: 'ignore' });
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
      if (proc && proc.exitCode !== null) throw new Error(`${this.name}: redis-server exited (${proc.exitCode}); see ${join(this.dir, 'redis.log')}`);
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

  /** Graceful `SHUTDOWN SAVE` (everything acknowledged is in the RDB), via redis-cli. */
  async shutdownSave() {
    const proc = this.proc;
    await new Promise((resolve) => execFile('redis-cli', ['-p', String(this.port), 'SHUTDOWN', 'SAVE'],
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
