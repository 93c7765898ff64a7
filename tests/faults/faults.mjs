// The faults, each injected on a real redis-server through an admin connection (the default user,
// which `CLIENT KILL USER app` skips) or by killing/restarting the process.
//
// A fault is { name, server, describe, inject(ctx) }: `server` names which server kind it needs
// ('plain' is shared by most faults, 'loading' holds filler keys, 'aof' is appendfsync always);
// `inject` loops while `ctx.active()` and resolves once the server is left healthy. It records
// what it did with ctx.event(text).
import { sleep } from './servers.mjs';

const rand = (lo, hi) => lo + Math.random() * (hi - lo);

/** Filler keys for the LOADING fault, and the adaptive `key-load-delay` (see below). */
export const FILLER_KEYS = 50_000;
const LOADING_TARGET_MS = 1700;
let loadDelay = -2; // redis: <0 means "sleep 1 µs with probability 1/|n|" per key (~55 µs a sleep)

export const FAULTS = {
  none: {
    server: 'plain',
    describe: 'no fault (baseline)',
    async inject() {},
  },

  pause: {
    server: 'plain',
    describe: 'CLIENT PAUSE <timeoutMs+500> WRITE, repeated',
    async inject(ctx) {
      await sleep(300);
      while (ctx.active(600)) {
        const ms = ctx.timeoutMs + 500;
        await ctx.server.cmd('CLIENT', 'PAUSE', String(ms), 'WRITE');
        ctx.event(`pause ${ms}ms`);
        await ctx.sleep(ms + 300);
      }
      await ctx.server.cmd('CLIENT', 'UNPAUSE');
    },
  },

  sleep: {
    server: 'plain',
    describe: 'DEBUG SLEEP 1.2×timeoutMs (the whole server blocked), repeated',
    async inject(ctx) {
      await sleep(300);
      while (ctx.active(600)) {
        const s = (1.2 * ctx.timeoutMs) / 1000;
        ctx.event(`debug sleep ${s}s`);
        await ctx.server.cmd('DEBUG', 'SLEEP', String(s));
        await ctx.sleep(400);
      }
    },
  },

  kill: {
    server: 'plain',
    describe: 'CLIENT KILL USER app every 150–300 ms (main and WATCH connections)',
    async inject(ctx) {
      let killed = 0, rounds = 0;
      while (ctx.active()) {
        await ctx.sleep(rand(150, 300));
        killed += Number(await ctx.server.cmd('CLIENT', 'KILL', 'USER', 'app'));
        rounds++;
      }
      ctx.event(`${rounds} kills, ${killed} connections`);
    },
  },

  oom: {
    server: 'plain',
    describe: 'CONFIG SET maxmemory 1 (noeviction) for 500 ms, then maxmemory 0, repeated',
    async inject(ctx) {
      let rounds = 0;
      await ctx.server.cmd('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      try {
        while (ctx.active(400)) {
          await ctx.sleep(300);
          await ctx.server.cmd('CONFIG', 'SET', 'maxmemory', '1');
          await sleep(500);
          await ctx.server.cmd('CONFIG', 'SET', 'maxmemory', '0');
          rounds++;
        }
      } finally { await ctx.server.cmd('CONFIG', 'SET', 'maxmemory', '0'); }
      ctx.event(`${rounds} OOM windows`);
    },
  },

  loading: {
    server: 'loading',
    describe: `SHUTDOWN SAVE, restart with key-load-delay over ${FILLER_KEYS} filler keys (LOADING ~${LOADING_TARGET_MS} ms)`,
    async inject(ctx) {
      await sleep(200);
      while (ctx.active(1000)) {
        await ctx.server.shutdownSave();
        const delay = loadDelay;
        const ms = await ctx.server.start(['--key-load-delay', String(delay)]);
        ctx.event(`LOADING ${Math.round(ms)}ms (key-load-delay ${delay})`);
        // Adapt for the next restart: ~55 µs per actual sleep on Linux; keep it near the target.
        if (delay < 0) {
          const k = Math.round(-delay * (ms / LOADING_TARGET_MS));
          loadDelay = -Math.max(1, Math.min(50, k));
        }
        await ctx.sleep(300);
      }
    },
  },

  kill9: {
    server: 'aof',
    describe: 'kill -9 of an appendfsync-always server, restart on the same port after 200 ms',
    async inject(ctx) {
      await sleep(400);
      while (ctx.active(200)) {
        await ctx.server.kill9();
        await sleep(200);
        const ms = await ctx.server.start();
        ctx.event(`kill -9, back in ${Math.round(ms)}ms`);
        await ctx.sleep(500);
      }
    },
  },

  acl: {
    server: 'plain',
    describe: 'ACL SETUSER app -@scripting mid-run, +@scripting later (script mode; nolua = baseline)',
    async inject(ctx) {
      if (ctx.mode !== 'script') { ctx.event('nolua: scripting already refused, no change (= baseline)'); return; }
      await sleep(ctx.loadMs * 0.25);
      await ctx.server.cmd('ACL', 'SETUSER', 'app', '-@scripting');
      ctx.event('scripting removed');
      await sleep(ctx.loadMs * 0.35);
      await ctx.server.cmd('ACL', 'SETUSER', 'app', '+@scripting');
      ctx.event('scripting given back');
    },
  },
};

export const FAULT_NAMES = Object.keys(FAULTS);

/** Server kinds: extra args for every start, and one-time preparation. */
export const SERVER_KINDS = {
  plain: { args: [], async prepare() {} },
  loading: {
    args: [],
    async prepare(server) {
      await server.cmd('DEBUG', 'POPULATE', String(FILLER_KEYS), 'filler', '64');
    },
  },
  aof: { args: ['--appendonly', 'yes', '--appendfsync', 'always'], async prepare() {} },
};

/** For the soak: faults picked at random, one after the other, on one AOF server with filler keys. */
export const SOAK_RESTARTS = new Set(['loading', 'kill9']);
