// The faults, each injected on a real redis-server (or valkey-server) through an admin connection
// (the default user, which `CLIENT KILL USER app` skips) or by killing/restarting the process.
//
// A fault is { name, server, describe, inject(ctx), calls? }: `server` names which server kind it
// needs ('plain' is shared by most faults, 'loading' holds filler keys, 'aof' is appendfsync always,
// 'cluster' is a 3-master Cluster); `inject` loops while `ctx.active()` and resolves once the server
// is left healthy. It records what it did with ctx.event(text). `calls`: how many calls the cell's
// load runs on (default 4; more calls race in pairs, see workload.mjs Cell#pick).
import { execFile } from 'node:child_process';
import { sleep, SERVER, moveSlot } from './servers.mjs';

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

/** `<cli> --cluster reshard` of the first `n` slots of `src` to `dst` (the tool picks the lowest). */
function cliReshard(port, src, dst, n) {
  return new Promise((resolve, reject) => {
    execFile(SERVER.cli, ['--cluster', 'reshard', `127.0.0.1:${port}`, '--cluster-from', src.id, '--cluster-to', dst.id,
      '--cluster-slots', String(n), '--cluster-yes'], { timeout: 20_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${SERVER.cli} --cluster reshard: ${err.message.split('\n')[0]} ${String(stdout).split('\n').filter((l) => /ERR|\[ERR|error/i.test(l)).slice(0, 2).join(' | ')} ${String(stderr).slice(0, 200)}`));
      else resolve(stdout);
    });
  });
}

const shuffle = (xs) => { const a = [...xs]; for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [a[i], a[j]] = [a[j], a[i]]; } return a; };

/**
 * Resharding under load (issue 12): rounds of slot moves between the 3 masters while the calls race,
 * in a cycle of three kinds:
 *   fast  the slots of 3 calls moved by hand to one master, at once: CLUSTER SETSLOT IMPORTING on the
 *         target, MIGRATING on the source, then MIGRATE … KEYS one key at a time 40 ms apart (a
 *         call's state and write-id keys sit on two nodes for a while: ASK when the source lacks
 *         them all, TRYAGAIN for a command on both), then SETSLOT NODE on every master (MOVED for
 *         clients whose slot map is stale);
 *   tool  `<cli> --cluster reshard` of a master's lowest slots, as many as reach one of the calls
 *         (at least 64);
 *   slow  as fast, for 2 calls, with their keys split between the nodes for 500 ms (several of
 *         the clients' TRYAGAIN/ASK retries: the store retries within timeoutMs, or times out).
 * The calls in the slots being moved get half of the load from just before the move until 120 ms
 * after it. After each move by hand, a store on a client that was idle meanwhile (its slot map is
 * old) extends the moved calls' TTLs, with no read first: each must succeed (see ctx.probe). FAULTS_RESHARD_PAUSE_MS sets the fast rounds' pause between keys (for exploring).
 */
FAULTS.reshard = {
  server: 'cluster',
  calls: 200,
  describe: 'slots holding calls moved between 3 masters (SETSLOT/MIGRATE by hand, and --cluster reshard), repeated',
  async inject(ctx) {
    const cl = ctx.server;
    const kinds = ['fast', 'tool', 'slow'];
    const counts = { fast: 0, tool: 0, slow: 0 };
    let rounds = 0, slots = 0, keys = 0;
    const before = await redirections(cl);
    const fastPauseMs = Number(process.env.FAULTS_RESHARD_PAUSE_MS ?? 40);
    await sleep(200);
    while (ctx.active(300)) {
      const kind = kinds[rounds++ % kinds.length];
      const masters = await cl.masters();
      const ownerOf = (slot) => masters.find((m) => m.slots.has(slot));
      const calls = ctx.calls();
      const t0 = performance.now();
      if (kind === 'tool') {
        let best = null;
        for (const sid of calls) {
          const slot = ctx.slotOf(sid);
          const src = ownerOf(slot);
          if (!src) continue;
          const rank = [...src.slots].filter((x) => x < slot).length + 1;
          if (!best || rank < best.rank) best = { src, rank };
        }
        if (!best || best.rank > 400) continue;
        const n = Math.max(best.rank, 64); // a real resharding moves more than one slot
        const dst = shuffle(masters.filter((m) => m !== best.src))[0];
        const moving = new Set([...best.src.slots].sort((a, b) => a - b).slice(0, n));
        ctx.focus(calls.filter((sid) => moving.has(ctx.slotOf(sid))));
        await cliReshardReady(cl);
        await cliReshard(cl.port, best.src, dst, n);
        slots += n;
        ctx.event(`--cluster reshard ${n} slots ${best.src.port}->${dst.port} in ${Math.round(performance.now() - t0)}ms`);
      } else {
        // One target per round: a node that both sends and receives keys could deadlock two
        // synchronous MIGRATEs (each source blocks until its target answers).
        const dst = masters[Math.floor(Math.random() * masters.length)];
        const want = kind === 'fast' ? 3 : 2;
        const pauseMs = kind === 'fast' ? fastPauseMs : 500;
        const picks = [];
        const seen = new Set();
        for (const sid of shuffle(calls)) {
          const slot = ctx.slotOf(sid);
          if (seen.has(slot) || !ownerOf(slot) || ownerOf(slot) === dst) continue;
          seen.add(slot);
          picks.push({ sid, slot });
          if (picks.length === want) break;
        }
        ctx.focus(picks.map((p) => p.sid));
        await sleep(60); // the load is on them before the move starts
        await Promise.all(picks.map(async ({ slot }) => {
          await moveSlot(cl, slot, ownerOf(slot), dst, { pauseMs, onKey: () => { keys++; } });
          slots++;
        }));
        ctx.probe?.(picks.map((p) => p.sid), 'a resharding');
        ctx.event(`${kind}: ${picks.length} slots -> ${dst.port} in ${Math.round(performance.now() - t0)}ms`);
      }
      counts[kind]++;
      await sleep(120); // clients with a stale slot map get MOVED now
      ctx.focus([]);
      await ctx.sleep(100);
    }
    const after = await redirections(cl);
    const seen = Object.keys(after).map((k) => `${k} ${after[k] - (before[k] ?? 0)}`).join(', ');
    ctx.note(`${rounds} rounds (${counts.fast} fast, ${counts.tool} --cluster reshard, ${counts.slow} slow): ${slots} slots, ${keys} keys by hand; the nodes answered ${seen}`);
  },
};

/** How many MOVED, ASK and TRYAGAIN replies the nodes have sent (INFO errorstats), summed. */
async function redirections(cl) {
  const out = { MOVED: 0, ASK: 0, TRYAGAIN: 0 };
  for (const p of cl.ports) {
    const info = String(await cl.on(p, 'INFO', 'errorstats'));
    for (const k of Object.keys(out)) out[k] += Number((info.match(new RegExp(`errorstat_${k}:count=(\\d+)`)) ?? [])[1] ?? 0);
  }
  return out;
}

/** `--cluster reshard` refuses to start while the nodes disagree: wait until they agree (≤ 3 s). */
async function cliReshardReady(cl) {
  for (let i = 0; i < 60; i++) {
    const views = await Promise.all(cl.ports.map(async (p) => String(await cl.on(p, 'CLUSTER', 'NODES'))
      .split('\n').filter(Boolean).map((l) => { const f = l.trim().split(' '); return `${f[0]} ${f.slice(8).join(' ')}`; }).sort().join('\n')));
    if (views.every((v) => v === views[0]) && !views[0].includes('[')) return;
    await sleep(50);
  }
}

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
  cluster: { cluster: true, args: [], async prepare() {} },
};

/** For the soak: faults picked at random, one after the other, on one AOF server with filler keys. */
export const SOAK_RESTARTS = new Set(['loading', 'kill9']);
