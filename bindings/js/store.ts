// The Redis store (SPEC §2, §7, §10): sends the core's planned commands on the user's own client.
// It decides nothing the core could decide: keys, values, TTLs, scripts, compare guards and reply
// meanings all come from `plan(op, args)`; this file owns only I/O — clients, timeouts,
// retries, write ids, the WATCH connections — and the failure policy.

/** Anything that can send one Redis command as an argument array. */
export interface RedisExecutor { send(args: string[]): Promise<unknown> }
/** A client the store accepts: ioredis (Redis or Cluster), node-redis v4+, or an executor. */
export type RedisClient = RedisExecutor | { call: Function } | { sendCommand: Function };

export interface Metric {
  operation: 'save' | 'get' | 'delete' | 'extend' | 'update' | 'end' | 'backup' | 'restore';
  success: boolean; durationMs: number; bytes: number; stage: string | null;
  migratedFrom: number | null; compressed: boolean; retries: number;
}

/** What the shared shim hands the store: the codec class and the JSON bridges. */
export interface Internals {
  CallStateCodec: any;
  CallStateError: any;
  /** State object → JSON text for the core (dates as strings). */
  toStateJson(state: unknown): string;
  /** State JSON text from the core → object with Dates. */
  fromStateJson(text: string): any;
  /** The core's plan surface of a codec. */
  plan(codec: unknown, op: string, args: (string | null)[]): string;
  /** The state of a stored value when it is current (no migration, no rewrite), else undefined. */
  currentState(codec: unknown, stored: string): any;
}

/** A planned write (the core's `wire::Planned`). */
/** A scripted step as the core plans it: the `EVALSHA` command (where scripting is refused, the
 * core plans the WATCH fallback from the same command: `fallbackReads`, `decide`). */
interface Step {
  command: string[];
}

/** What the core plans for one backup line. */
type RestoreStep = 'expired' | { invalid: string } | { mark: { set: string[] } }
  | { set: { set: string[]; guarded: Step; ended: string[]; exists: string[] } };

/** How many invalid lines a restore reports by number and reason (the count has them all). */
const INVALID_KEPT = 1000;

interface Planned extends Step {
  /** The state JSON as stored, when it differs from the JSON given. */
  state: string | null;
  /** The value stored once applied at `rev`: head + rev + command[i] for [head, i]; null: none. */
  stored: [string, number] | null;
}

type Outcome =
  | { kind: 'written'; rev: number } | { kind: 'duplicate'; stored: string | null }
  | { kind: 'conflict'; current: string | null } | { kind: 'stale'; stored: string } | { kind: 'check'; stored: string }
  | { kind: 'ended'; stored: string | null };

/** What the core says a Redis error means (`callstate::fallback::ErrorClass`). */
type ErrorClass = 'noScript' | 'scriptingRefused' | 'retry' | 'moved' | 'fail';

/** Runs after a scripted step, while its connection (`conn()`, looked up on demand) is held. */
type After = (reply: any, conn: () => Promise<Adapted>) => Promise<void>;

/** One store method's budget: past `deadline`, or once `done`, nothing more is sent and `fn` is not called. */
interface Token { deadline: number; done: boolean }

/** How many calls' last-known values a store keeps, and how many bytes of them at most. */
const KNOWN_CALLS = 1024;
const KNOWN_BYTES = 4 * 1024 * 1024;
/** After scripting was refused, how long the store uses WATCH/MULTI before trying a script again. */
const REPROBE_MS = 10_000;
/** The default bound on the store's own WATCH connections. */
const POOL_SIZE = 8;
/** How many times `maintenance.upgrade` follows writers that store an older value again. */
const UPGRADE_TRIES = 5;

const STORE_OPTIONS = ['codec', 'timeoutMs', 'onRedisError', 'onMetric', 'onError', 'isolatedClient', 'durability', 'poolSize', 'schema'];
/** The longest schema message an `INVALID_FIELD` from `schema` repeats (messages are one line). */
const SCHEMA_MESSAGE_MAX = 200;
/** A written rev as the write script answers it (below 2^53, so a number holds it exactly). */
const REV_DIGITS = /^(0|[1-9][0-9]{0,15})$/;
/** Where the core's class of a REDIS error is kept on the error. */
const CLASS = Symbol('callstate.errorClass');

export function makeStoreFactory(x: Internals) {
  const { CallStateCodec, CallStateError } = x;
  const redisError = (message: string, cause?: unknown, cls: ErrorClass = 'fail') => {
    const e = new CallStateError('REDIS', message, undefined, cause === undefined ? undefined : cleanCause(cause));
    Object.defineProperty(e, CLASS, { value: cls });
    return e;
  };
  const timedOut = (ms: number) => redisError(`timed out after ${ms} ms (a write may still land)`);
  const callEnded = () => new CallStateError('STALE_WRITE', 'stale write: the call has ended (endCall)');
  const invalidOption = (name: string, why: string) =>
    new CallStateError('INVALID_FIELD', `invalid option \`options.${name}\`: ${why}`, `options.${name}`);

  return function createCallStateStore(redis: RedisClient, options: Record<string, any> = {}) {
    if (options === null || typeof options !== 'object') throw invalidOption('', 'must be an object');
    for (const name of Object.keys(options)) {
      if (!STORE_OPTIONS.includes(name)) throw invalidOption(name, 'unknown option');
    }
    const codec = makeCodec(options.codec);
    const timeoutMs = options.timeoutMs ?? 2000;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw invalidOption('timeoutMs', 'must be a positive integer');
    const policy = options.onRedisError ?? 'fail-open';
    if (policy !== 'fail-open' && policy !== 'throw') throw invalidOption('onRedisError', "must be 'fail-open' or 'throw'");
    for (const hook of ['onMetric', 'onError', 'isolatedClient']) {
      if (options[hook] !== undefined && typeof options[hook] !== 'function') throw invalidOption(hook, 'must be a function');
    }
    const poolSize = options.poolSize ?? POOL_SIZE;
    if (!Number.isInteger(poolSize) || poolSize < 1) throw invalidOption('poolSize', 'must be a positive integer');
    const durability = checkDurability(options.durability);
    const validate = checkSchema(options.schema);
    /** The `WAIT` after each write (`durability`), planned once. */
    const waitArgv = durability && planJson<string[]>('wait', [String(durability.replicas), String(durability.timeoutMs)]);
    const route: Route = (argv) => planJson('route', [JSON.stringify(argv)]);
    /** What ends a failed transaction on a connection before it is reused, planned once. */
    const RESET = planJson<string[][]>('reset', []);
    const client = adapt(redis, route);
    if (client.cluster && !planJson<boolean>('hashTag', [])) {
      // A call's state and write-id keys must share a slot for the write script.
      throw invalidOption('codec.hashTag', 'must be true with Redis Cluster');
    }
    // The value this store last wrote or read for a call, by callSid: `updateCallState` starts
    // its compare-and-set from it instead of a GET. It is only ever a guess — a value changed
    // since is a CONFLICT whose reply carries the value now — so a stale entry costs a retry,
    // never a lost or wrong write. Oldest entries go first past KNOWN_CALLS or KNOWN_BYTES.
    const known = new Map<string, string | null>();
    let knownBytes = 0;
    const forget = (callSid: string) => {
      const v = known.get(callSid);
      if (v != null) knownBytes -= v.length;
      known.delete(callSid);
    };
    const remember = (callSid: string, stored: string | null) => {
      forget(callSid);
      known.set(callSid, stored);
      knownBytes += stored?.length ?? 0;
      while (known.size > KNOWN_CALLS || knownBytes > KNOWN_BYTES) forget(known.keys().next().value as string);
    };
    /** After a write applied at `rev`: the value it stored (or null for a delete). */
    // The core's `GET` of a call, kept per callSid (a pure function of the codec and the SID):
    // a read of a call seen lately needs no crossing. Oldest first past KNOWN_CALLS.
    const getArgvs = new Map<string, string[]>();
    const getArgv = (callSid: string): string[] => {
      let argv = getArgvs.get(callSid);
      if (argv === undefined) {
        argv = planJson<string[]>('get', [callSid]);
        getArgvs.set(callSid, argv);
        if (getArgvs.size > KNOWN_CALLS) getArgvs.delete(getArgvs.keys().next().value as string);
      }
      return argv;
    };
    const rememberWrite = (callSid: string, w: Planned, rev: number) =>
      remember(callSid, w.stored && w.stored[0] + rev + w.command[w.stored[1]]);
    /** When scripting was last refused (0: never, or it worked since). */
    let refusedAt = 0;
    let closed = false;
    const pool = makePool();
    /** Backup and restore are not bounded by `timeoutMs` (operator tools). */
    const forever: Token = { deadline: Infinity, done: false };

    function plan(op: string, args: (string | null)[]): string { return x.plan(codec, op, args); }
    function planJson<T = any>(op: string, args: (string | null)[]): T { return JSON.parse(plan(op, args)); }
    /** The error the core raises for an op that only ever fails (`conflict`). */
    function coreError(op: string, args: string[]): Error {
      try { plan(op, args); } catch (e) { return e as Error; }
      return redisError(`the ${op} plan did not fail`);
    }

    function makeCodec(given: unknown) {
      if (given instanceof CallStateCodec) return given;
      if (given !== undefined && given !== null && typeof given !== 'object') {
        throw invalidOption('codec', 'must be a CallStateCodec or codec options');
      }
      try { return new CallStateCodec(given); } catch (e: any) {
        if (e?.code !== 'INVALID_FIELD' || typeof e.path !== 'string' || !e.path.startsWith('options')) throw e;
        const path = `options.codec${e.path.slice('options'.length)}`;
        throw new CallStateError(e.code, String(e.message).replace(/`options/, '`options.codec'), path);
      }
    }

    function checkDurability(d: any): { replicas: number; timeoutMs: number } | null {
      if (d === undefined || d === null) return null;
      if (typeof d !== 'object') throw invalidOption('durability', 'must be { replicas, timeoutMs? }');
      for (const k of Object.keys(d)) if (k !== 'replicas' && k !== 'timeoutMs') throw invalidOption(`durability.${k}`, 'unknown option');
      if (!Number.isInteger(d.replicas) || d.replicas < 1) throw invalidOption('durability.replicas', 'must be a positive integer');
      const ms = d.timeoutMs ?? timeoutMs;
      if (!Number.isInteger(ms) || ms < 1) throw invalidOption('durability.timeoutMs', 'must be a positive integer');
      return { replicas: d.replicas, timeoutMs: ms };
    }

    /** Stops the method's work once its budget is gone: nothing is sent and no `fn` runs after. */
    function check(t: Token) {
      if (t.done || Date.now() >= t.deadline) { t.done = true; throw timedOut(timeoutMs); }
    }

    async function send(c: Adapted, argv: string[], t: Token): Promise<any> {
      check(t);
      try { return await c.send(argv); } catch (e: any) {
        if (e instanceof CallStateError) throw e;
        const message = String(e?.message ?? e);
        throw redisError(`${argv[0]} failed: ${message}`, e, planJson<ErrorClass>('classify', [message]));
      }
    }

    /**
     * Runs `body` within the store's time budget, retrying what the core classes as retryable
     * (its outcome is unknown; every retry carries the same write id). When the budget is gone
     * the token is marked done, so an attempt still running sends nothing more.
     */
    async function bounded<T>(body: (t: Token) => Promise<T>): Promise<T> {
      if (closed) throw redisError('store closed');
      const t: Token = { deadline: Date.now() + timeoutMs, done: false };
      let timer: any;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => { t.done = true; reject(timedOut(timeoutMs)); }, timeoutMs);
      });
      const attempt = async (): Promise<T> => {
        for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
          try { return await body(t); } catch (e: any) {
            if (!(e?.code === 'REDIS' && (e[CLASS] === 'retry' || e[CLASS] === 'moved')) || t.done) throw e;
            const wait = Math.min(delay, t.deadline - Date.now() - 1);
            if (wait <= 0) throw e;
            await new Promise((r) => setTimeout(r, wait));
          }
        }
      };
      try { return await Promise.race([attempt(), timeout]); } finally { t.done = true; clearTimeout(timer); }
    }

    /**
     * The one execution path of every scripted step (write, extend, keep-TTL): `EVALSHA`, then
     * `EVAL` on `NOSCRIPT`, then — where scripting is refused — the core's WATCH/MULTI plan on a
     * dedicated connection. `after` runs on the connection that sent the step, while it is held.
     * Returns the reply, shaped as the script's.
     */
    async function execute(planned: Step, t: Token, after?: After): Promise<any> {
      const cmd = planned.command;
      if (refusedAt === 0 || Date.now() - refusedAt >= REPROBE_MS) {
        // A write handed to a client that is not connected would wait in its offline queue and
        // could run after the method settled: wait for the connection (retried) instead.
        if (!client.ready()) throw redisError('the Redis client is not connected (yet)', undefined, 'retry');
        try {
          let reply: any;
          try { reply = await send(client, cmd, t); } catch (e: any) {
            if (e?.[CLASS] !== 'noScript') throw e;
            reply = await send(client, planJson<string[]>('evalFallback', [JSON.stringify(cmd)]), t);
          }
          refusedAt = 0;
          // In a Cluster, what follows a write (WAIT) goes on the connection to the node that ran
          // it; that connection is looked up only when something follows.
          await after?.(reply, async () => (client.cluster ? nodeClient(cmd) : client));
          return reply;
        } catch (e: any) {
          if (e?.[CLASS] !== 'scriptingRefused') throw e;
          refusedAt = Date.now(); // hosted Redis without Lua: WATCH/MULTI, and a script again later
        }
      }
      return watchRun(planned, t, after);
    }

    /** The master that owns `cmd`'s slot in a Cluster (its own client), else the client given. */
    async function nodeOf(cmd: string[]): Promise<{ id: string; source: any }> {
      const where = client.cluster ? route(cmd) : null;
      if (!where) return { id: 'main', source: redis };
      try { return await client.node(where.slot); } catch (e: any) {
        const message = String(e?.message ?? e);
        throw redisError(`cluster routing failed: ${message}`, e, planJson<ErrorClass>('classify', [message]));
      }
    }

    /** The cluster's own connection to the master that owns `cmd`'s slot. */
    const nodeClient = async (cmd: string[]) => adapt((await nodeOf(cmd)).source, route);

    /** The WATCH/MULTI form of a scripted step, as the core plans and decides it. */
    async function watchRun(planned: Step, t: Token, after?: After): Promise<any> {
      const cmd = planned.command;
      const step = JSON.stringify(cmd);
      const reads = planJson<string[][]>('fallbackReads', [step]);
      for (;;) {
        // In a Cluster, WATCH … EXEC all run on a connection to the master that owns the call's slot.
        const conn = await pool.acquire(t, await nodeOf(cmd));
        let healthy = false;
        try {
          const replies = await Promise.all(reads.map((argv) => send(conn.adapted, argv, t)));
          const next = planJson('decide', [step, JSON.stringify(replies.slice(1))]);
          // The core's frame: UNWATCH, or MULTI … EXEC (a nil EXEC: a watched key changed).
          const sent = await Promise.all(next.send.map((argv: string[]) => send(conn.adapted, argv, t)));
          if (next.step === 'exec') {
            const exec = sent[sent.length - 1];
            if (exec == null) { healthy = true; continue; } // again from WATCH
            const failed = (exec as any[]).find((r) => r instanceof Error);
            if (failed) throw redisError(`EXEC failed: ${failed.message}`, failed);
          }
          await after?.(next.reply, async () => conn.adapted);
          healthy = true;
          return next.reply;
        } catch (e: any) {
          // The cluster client never saw a MOVED on this connection, so its slot map stays stale
          // (every retry would WATCH on the old master): a keyed read through it refreshes it.
          if (e?.[CLASS] === 'moved') {
            const probe = planJson<string[] | null>('probe', [JSON.stringify(cmd)]);
            if (probe) await send(client, probe, t).catch(() => undefined); // within the budget, like every send
          }
          throw e;
        } finally { pool.release(conn, healthy); }
      }
    }

    /** A write through the one path, its reply read by the core; with `durability`, WAIT after it. */
    async function runWrite(write: Planned, t: Token): Promise<Outcome> {
      let outcome: Outcome | undefined;
      await execute(write, t, async (reply, conn) => {
        const [status, value] = reply as [string, string | null];
        // The common reply, `OK` and a rev in canonical digits, needs no crossing; any other is
        // the core's to read (`outcome`).
        outcome = status === 'OK' && typeof value === 'string' && REV_DIGITS.test(value)
          ? { kind: 'written', rev: Number(value) }
          : planJson<Outcome>('outcome', [String(status), value == null ? null : String(value)]);
        if (waitArgv && (outcome.kind === 'written' || outcome.kind === 'duplicate')) {
          const acks = Number(await send(await conn(), waitArgv, t).catch((e: any) => {
            // A refused WAIT is not refused scripting: the write stands, the call fails.
            throw redisError(e.message, e.cause);
          }));
          if (acks < durability!.replicas) {
            throw redisError(`WAIT: ${acks} of ${durability!.replicas} replicas acknowledged the write within ${durability!.timeoutMs} ms (the write may stand)`);
          }
        }
      });
      return outcome!;
    }

    /**
     * A WATCH/MULTI connection: one transaction at a time (`busy`), bound to the node it was
     * made for. `own`: the store made it with `duplicate()` (closed when dropped); otherwise it
     * came from `isolatedClient` and is only closed by `store.close()`.
     */
    interface Conn {
      node: string; raw: any; adapted: Adapted; own: boolean; busy: boolean; dead: boolean;
      turn: ((c: Conn | null) => void)[];
      /** Rejects the sends in flight when the connection drops (a client may drop them silently). */
      lost: Set<(e: Error) => void>;
    }

    function makePool() {
      const conns: Conn[] = [];
      /** Connections from `isolatedClient`, closed by `store.close()` (never before). */
      const isolated = new Set<any>();
      /** Callers waiting for room, per node: woken one at a time to try again. */
      const waiting = new Map<string, ((c: Conn | null) => void)[]>();
      const queueOf = (node: string) => { let q = waiting.get(node); if (!q) waiting.set(node, q = []); return q; };
      /** Connections being made, per node. */
      const making = new Map<string, number>();
      /** `poolSize` bounds each node's connections (each master's, in a Cluster). */
      const full = (node: string) => conns.filter((c) => c.node === node).length + (making.get(node) ?? 0) >= poolSize;

      /** Waits until given a connection or woken (null), or the token's budget is gone. */
      function wait(queue: ((c: Conn | null) => void)[], t: Token): Promise<Conn | null> {
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            const i = queue.indexOf(give);
            if (i >= 0) queue.splice(i, 1);
            t.done = true;
            reject(timedOut(timeoutMs));
          }, Math.max(0, t.deadline - Date.now()));
          function give(c: Conn | null) { clearTimeout(timer); resolve(c); }
          queue.push(give);
        });
      }
      const wakeOne = (node: string) => { waiting.get(node)?.shift()?.(null); };

      /** Resolves once `raw` can take commands (never through a client's offline queue). */
      async function ready(raw: any, t: Token) {
        const isReady = () => raw.status === 'ready' || raw.isReady === true || (raw.status === undefined && raw.isReady === undefined);
        if (isReady()) return;
        if (typeof raw.connect === 'function' && (raw.isOpen === false || raw.status === 'wait')) {
          raw.connect().catch(() => {}); // the failure shows as a timeout or an error below
        }
        let timer: any;
        let onReady: any;
        try {
          await new Promise<void>((resolve, reject) => {
            timer = setTimeout(() => reject(timedOut(timeoutMs)), Math.max(0, t.deadline - Date.now()));
            onReady = () => resolve();
            raw.once?.('ready', onReady);
            if (isReady()) resolve();
          });
        } finally { clearTimeout(timer); raw.off?.('ready', onReady); }
      }

      async function make(t: Token, source: any): Promise<{ raw: any; own: boolean }> {
        if (options.isolatedClient && !client.cluster) {
          const raw = await options.isolatedClient();
          if (raw === redis) throw invalidOption('isolatedClient', 'must not return the client the store was given');
          noResend(raw);
          isolated.add(raw);
          await ready(raw, t);
          return { raw, own: false };
        }
        if (typeof source?.duplicate !== 'function') {
          throw redisError('scripting refused and no isolatedClient or duplicate() for WATCH/MULTI');
        }
        const raw = dedicated(source);
        raw.on?.('error', () => {}); // never an unhandled 'error' event
        try { await ready(raw, t); } catch (e) { closeRaw(raw); throw e; }
        return { raw, own: true };
      }

      function drop(conn: Conn) {
        conn.dead = true;
        const i = conns.indexOf(conn);
        if (i >= 0) conns.splice(i, 1);
        if (conn.own) conn.adapted.close().catch(() => {});
        for (const give of conn.turn.splice(0)) give(null);
        for (const reject of conn.lost) reject(new Error('Connection is closed (WATCH connection dropped)'));
        conn.lost.clear();
      }

      /** Watches a connection once: a drop marks it dead, frees it if idle, fails what is in flight. */
      const watched = new WeakSet<object>();
      function watch(raw: any) {
        if (typeof raw?.on !== 'function' || watched.has(raw)) return;
        watched.add(raw);
        raw.on('error', () => {});
        const down = () => {
          for (const c of conns.filter((c) => c.raw === raw)) {
            c.dead = true;
            for (const reject of c.lost) reject(new Error('Connection is closed (WATCH connection dropped)'));
            c.lost.clear();
            if (!c.busy) { drop(c); wakeOne(c.node); }
          }
        };
        for (const ev of ['close', 'end', 'reconnecting']) raw.on(ev, down);
      }

      function track(node: string, raw: any, own: boolean): Conn {
        const conn: Conn = { node, raw, adapted: adapt(raw, route, own), own, busy: true, dead: false, turn: [], lost: new Set() };
        watch(raw);
        const send0 = conn.adapted.send;
        conn.adapted.send = (argv) => {
          if (conn.dead) return Promise.reject(new Error('Connection is closed (WATCH connection dropped)'));
          let lost!: (e: Error) => void;
          const dropped = new Promise<never>((_, reject) => { lost = reject; });
          conn.lost.add(lost);
          return Promise.race([send0(argv), dropped]).finally(() => conn.lost.delete(lost));
        };
        conns.push(conn);
        return conn;
      }

      const pool = {
        /** A connection to `node` for one transaction: an idle one, a new one, or one freed later. */
        async acquire(t: Token, node: { id: string; source: any }): Promise<Conn> {
          for (;;) {
            if (closed) throw redisError('store closed');
            check(t);
            const idle = conns.find((c) => c.node === node.id && !c.busy && !c.dead);
            if (idle) { idle.busy = true; return idle; }
            if (full(node.id)) {
              // Full: a dead idle connection to this node makes room.
              const spare = conns.find((c) => c.node === node.id && !c.busy && c.dead);
              if (spare) drop(spare);
            }
            if (full(node.id)) { await wait(queueOf(node.id), t); continue; }
            making.set(node.id, (making.get(node.id) ?? 0) + 1);
            let made: { raw: any; own: boolean };
            try { made = await make(t, node.source); } finally { making.set(node.id, making.get(node.id)! - 1); }
            if (closed) { if (made.own) closeRaw(made.raw); throw redisError('store closed'); }
            // `isolatedClient` may hand back a connection already in use: it still carries one
            // transaction at a time.
            const same = conns.find((c) => c.raw === made.raw && !c.dead);
            if (same) {
              if (!same.busy) { same.busy = true; return same; }
              wakeOne(node.id); // nothing was added: let another waiter try
              const given = await wait(same.turn, t);
              if (given) return given;
              continue; // it dropped meanwhile
            }
            return track(node.id, made.raw, made.own);
          }
        },
        /** Back after one transaction; an unhealthy one (any error inside it) is not reused as it is. */
        release(conn: Conn, healthy: boolean) {
          if (conn.dead || closed) { drop(conn); wakeOne(conn.node); return; }
          if (!healthy) {
            // An error reply (MOVED, OOM, a timeout) leaves the connection usable: end what the
            // failed transaction left open, then reuse it; a dropped one is closed above.
            const [discard, unwatch] = RESET; // the core's: DISCARD (may fail: no MULTI open), UNWATCH
            const reset = Promise.all([conn.adapted.send(discard).catch(() => {}), conn.adapted.send(unwatch)]);
            reset.then(() => pool.release(conn, true), () => { drop(conn); wakeOne(conn.node); });
            return;
          }
          const next = conn.turn.shift();
          if (next) { next(conn); return; }
          conn.busy = false;
          wakeOne(conn.node);
        },
        async close() {
          for (const q of waiting.values()) for (const give of q.splice(0)) give(null);
          const all = conns.splice(0);
          for (const c of all) c.dead = true;
          await Promise.all([...all.filter((c) => c.own).map((c) => c.adapted.close().catch(() => {})),
            ...[...isolated].map(async (raw) => closeRaw(raw))]);
          isolated.clear();
        },
      };
      return pool;
    }

    function failOpen<T>(e: any, fallback: T): T {
      if (e?.code !== 'REDIS') throw e;
      options.onError?.(e);
      // A closed store always rejects (SPEC §2); fail-open covers Redis trouble only.
      if (policy === 'throw' || closed) throw e;
      return fallback;
    }

    /** Backup and restore are operator tools: REDIS errors reach `onError` and always reject. */
    function reported(e: any): never {
      if (e?.code === 'REDIS') options.onError?.(e);
      throw e;
    }

    function metric(m: Partial<Metric> & Pick<Metric, 'operation'>, start: number) {
      if (!options.onMetric) return;
      try {
        options.onMetric({ success: true, bytes: 0, stage: null, migratedFrom: null, compressed: false, retries: 0,
          ...m, durationMs: Date.now() - start });
      } catch { /* a metrics hook never breaks a call */ }
    }

    const isCompressed = (v: string | null) => v != null && v.includes('"compressed":"') && !v.includes('"callSid"');
    // A write id: 16 base-36 digits (~82 random bits). It only has to differ from the other
    // writes to the same call the script remembers (128); every kept id is read and rewritten
    // by each write, so it is kept short (it was ~31 characters with a time prefix).
    const idPart = () => Math.random().toString(36).slice(2, 10).padEnd(8, '0');
    const newId = () => idPart() + idPart();

    /** A stored value's state: the fast read for a current value, else the full decode. */
    const stateOf = (stored: string) => x.currentState(codec, stored) ?? codec.decodeRecord(stored).state;

    // --- the user's schema (`options.schema`, a Standard Schema v1) ---------------------------
    // It checks every state the store reads (after the core's checks, Dates revived) before the
    // state is returned or handed to `fn`, and every state it is given to write, as the core
    // normalized it, before anything is sent. It only validates: its output is never used.

    function checkSchema(given: any): ((value: unknown) => unknown) | null {
      if (given === undefined || given === null) return null;
      const std = (typeof given === 'object' || typeof given === 'function') ? given['~standard'] : undefined;
      if (std === null || typeof std !== 'object' || std.version !== 1 || typeof std.validate !== 'function') {
        throw invalidOption('schema', 'must be a Standard Schema v1 (an object with `~standard.validate`, as zod 4, valibot and arktype make)');
      }
      return (value) => std.validate(value);
    }

    /** `state` when the schema accepts it (or there is none, or it is null), else `INVALID_FIELD`. */
    async function conform<T>(state: T): Promise<T> {
      if (validate === null || state === null || state === undefined) return state;
      let result: any = validate(state);
      if (typeof result?.then === 'function') result = await result;
      const issues = result?.issues;
      if (issues === undefined || issues === null) return state;
      const first = issues[0] ?? {};
      const path = Array.isArray(first.path) ? first.path.map(segment).join('.') : '';
      let message = String(first.message ?? 'rejected by the schema').replace(/\s+/g, ' ');
      if (message.length > SCHEMA_MESSAGE_MAX) message = `${message.slice(0, SCHEMA_MESSAGE_MAX)}…`;
      const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
      throw new CallStateError('INVALID_FIELD', `invalid field \`${path}\`: ${message}${more}`, path);
    }

    /** A Standard Schema path segment (a key, or `{ key }`) as text. */
    function segment(p: any): string {
      const key = p !== null && typeof p === 'object' ? p.key : p;
      return typeof key === 'symbol' ? (key.description ?? '') : String(key);
    }

    async function writeState(callSid: string, stateJson: string, writeId: string, t: Token) {
      let write = planJson<Planned & { compressed: boolean }>('save', [callSid, stateJson, writeId]);
      // The core has checked its fields (planning throws otherwise); the schema sees the state
      // as a later read will give it.
      if (validate) await conform(x.fromStateJson(write.state ?? stateJson));
      const compressed = write.compressed;
      for (let retries = 0; ; retries++) {
        const outcome = await runWrite(write, t);
        if (outcome.kind === 'check') {
          write = planJson('update', [callSid, outcome.stored, stateJson, writeId]); // decodes, may be STALE_WRITE
          continue;
        }
        if (outcome.kind === 'conflict') { write = planJson('save', [callSid, stateJson, writeId]); continue; }
        if (outcome.kind === 'stale') {
          throw new CallStateError('STALE_WRITE', `stale write: stored state is newer (lastUpdated ${outcome.stored})`);
        }
        if (outcome.kind === 'ended') throw callEnded();
        if (outcome.kind === 'written') rememberWrite(callSid, write, outcome.rev);
        else forget(callSid);
        return { retries, compressed };
      }
    }

    // --- maintenance: operator tools (`store.maintenance`, used by the `callstate` CLI) -------
    // Planned by the core like every method above; each call is bounded by `timeoutMs`, and, as
    // in backup and restore, REDIS errors reach `onError` and always reject. No metrics.

    /** The state of a value when it is an older version (v1/v2) that decodes, else null. */
    const olderState = (stored: string) => {
      try {
        const record = codec.decodeRecord(stored);
        return record.migratedFrom == null ? null : record.state;
      } catch { return null; }
    };

    const maintenance = {
      callSidOf(key: string): string | null {
        return planJson<string | null>('callSidOf', [key]);
      },

      async read(callSid: string): Promise<{ key: string; value: string; pttlMs: number; compressed: boolean } | null> {
        const { key, reads } = planJson<{ key: string; reads: string[][] }>('read', [callSid]);
        try {
          return await bounded(async (t) => {
            const replies = await Promise.all(reads.map((argv) => send(client, argv, t)));
            return planJson<{ key: string; value: string; pttlMs: number; compressed: boolean } | null>('readReply', [key, JSON.stringify(replies)]);
          });
        } catch (e) { return reported(e); }
      },

      async upgrade(callSid: string, stored: string): Promise<'upgraded' | 'current' | 'changed' | 'gone'> {
        if (codec.decodeRecord(stored).migratedFrom == null) return 'current'; // throws if it does not decode
        forget(callSid);
        // The first write's id is kept across retries of the whole body (a lost reply): its
        // resend is then recognised as applied, not seen as someone else's change.
        const firstId = newId();
        try {
          return await bounded(async (t) => {
            let prev = stored;
            for (let tries = 1; ; tries++) {
              // The `upgrade` plan: a compare-and-set against `prev` that keeps the key's TTL.
              const next = x.toStateJson(olderState(prev));
              const up = planJson<Planned>('upgrade', [callSid, prev, next, tries === 1 ? firstId : newId()]);
              const outcome = await runWrite(up, t);
              if (outcome.kind === 'written' || outcome.kind === 'duplicate') return 'upgraded';
              if (outcome.kind === 'ended') throw callEnded();
              if (outcome.kind !== 'conflict') throw redisError(`unexpected outcome of an upgrade: ${outcome.kind}`);
              if (outcome.current == null) return 'gone';
              if (olderState(outcome.current) == null) return 'changed';
              if (tries >= UPGRADE_TRIES) throw coreError('conflict', [String(tries)]);
              prev = outcome.current; // written again in an older version: upgrade that one
            }
          });
        } catch (e) { return reported(e); }
      },
    };

    const store = {
      async saveCallState(callSid: string, state: any): Promise<void> {
        const start = Date.now();
        const stateJson = x.toStateJson(state);
        const writeId = newId();
        try {
          const r = await bounded((t) => writeState(callSid, stateJson, writeId, t));
          metric({ operation: 'save', bytes: stateJson.length, stage: state?.stage ?? null, retries: r.retries, compressed: r.compressed }, start);
        } catch (e: any) {
          metric({ operation: 'save', success: false, stage: state?.stage ?? null }, start);
          return failOpen(e, undefined);
        }
      },

      async getCallState(callSid: string): Promise<any> {
        const start = Date.now();
        try {
          const argv = getArgv(callSid);
          const { stored, state, migratedFrom } = await bounded(async (t) => {
            const raw = await send(client, argv, t);
            if (raw == null) return { stored: null, state: null, migratedFrom: null };
            const stored = String(raw);
            const state = await conform(x.currentState(codec, stored));
            if (state !== undefined) {
              remember(callSid, stored);
              return { stored, state, migratedFrom: null };
            }
            const record = codec.decodeRecord(stored);
            await conform(record.state); // before the upgrade is written back
            if (record.migratedFrom != null) {
              // Write the upgrade back with a compare-and-set that keeps the key's TTL: never
              // lost, never doubled, and a read does not reset the call's expiry.
              const up = planJson('upgrade', [callSid, stored, x.toStateJson(record.state), newId()]);
              await runWrite(up, t).catch(() => undefined);
            }
            return { stored, state: record.state, migratedFrom: record.migratedFrom };
          });
          metric({ operation: 'get', bytes: stored?.length ?? 0, stage: state?.stage ?? null,
            migratedFrom, compressed: isCompressed(stored) }, start);
          return state;
        } catch (e: any) {
          metric({ operation: 'get', success: false }, start);
          return failOpen(e, null);
        }
      },

      async deleteCallState(callSid: string): Promise<void> {
        const start = Date.now();
        const writeId = newId();
        try {
          forget(callSid);
          // A delete through the write script: a resend (after a reconnect) is recognised by its
          // write id, so it cannot remove a state saved in between.
          const del = planJson<Planned>('delete', [callSid, writeId]);
          await bounded((t) => runWrite(del, t));
          metric({ operation: 'delete' }, start);
        } catch (e: any) {
          metric({ operation: 'delete', success: false }, start);
          return failOpen(e, undefined);
        }
      },

      async extendCallStateTTL(callSid: string, additionalSeconds: number): Promise<number | null> {
        const start = Date.now();
        try {
          const extend = planJson<Step>('extend', [callSid, String(additionalSeconds)]);
          const ttl = await bounded((t) => execute(extend, t));
          metric({ operation: 'extend' }, start);
          return ttl == null ? null : Number(ttl);
        } catch (e: any) {
          metric({ operation: 'extend', success: false }, start);
          return failOpen(e, null);
        }
      },

      async updateCallState(callSid: string, fn: (s: any) => any,
        opts: { maxRetries?: number; idempotencyKey?: string } = {}): Promise<any> {
        const start = Date.now();
        const maxRetries = opts.maxRetries ?? 5;
        if (!Number.isInteger(maxRetries) || maxRetries < 0) {
          throw new CallStateError('INVALID_FIELD', 'invalid option `maxRetries`: must be a non-negative integer', 'maxRetries');
        }
        const key = opts.idempotencyKey;
        if (key !== undefined && (typeof key !== 'string' || key === '')) {
          throw new CallStateError('INVALID_FIELD', 'invalid option `idempotencyKey`: must be a non-empty string', 'idempotencyKey');
        }
        // Twilio's I-Twilio-Idempotency-Token: a replay of an applied request is this write's id
        // seen again, so the script answers DUP with the stored state and writes nothing.
        const writeId = key === undefined ? newId() : `idem:${key}`;
        let retries = 0;
        // Whether a write of this call was sent: after that, its outcome may be applied even
        // when an attempt failed, so a guess is not used and a client-side STALE_WRITE is checked
        // against the write id first (the newer state may hold this very update).
        let sent = false;
        let compressed = false;
        try {
          const result = await bounded(async (t) => {
            const read = async () => {
              const raw = await send(client, getArgv(callSid), t);
              return raw == null ? null : String(raw);
            };
            /** The stored state, when this update's write id is found applied. */
            const appliedBefore = async (): Promise<{ state: any } | null> => {
              if (!sent) return null;
              const ids = await send(client, planJson<string[]>('applied', [callSid]), t);
              if (!planJson<boolean>('wasApplied', [ids == null ? null : String(ids), writeId])) return null;
              const now = await read();
              return { state: now == null ? null : await conform(codec.deserializeCallState(now)) };
            };
            // Start from the value this store knows (one round trip when it is still current). A
            // stale guess costs one of the retries, so with none allowed there is no guess: fn
            // runs at most 1 + maxRetries times either way (SPEC §2).
            // A retry after an unknown outcome: if that write landed, fn must not run again.
            const dup = await appliedBefore();
            if (dup) return dup.state;
            let guessed = maxRetries > 0 && !sent && known.has(callSid);
            let stored = guessed ? known.get(callSid)! : await read();
            for (; retries <= maxRetries; retries++) {
              check(t);
              // With a schema, fn only ever sees a state it accepts.
              const current = stored == null ? null : await conform(stateOf(stored));
              const next = await fn(current);
              check(t); // settled while fn ran: send nothing
              if (next === undefined) {
                // "Leave it as it is" writes nothing a compare-and-set could check: confirm a guess.
                if (!guessed) return current;
                guessed = false;
                const now = await read();
                if (now === stored) return current;
                stored = now; // fn saw an old value: run it again on the stored one
                continue;
              }
              const nextJson = next === null ? null : x.toStateJson(next);
              let up: Planned & { compressed: boolean };
              try {
                up = planJson('update', [callSid, stored, nextJson, writeId]);
              } catch (e: any) {
                if (e?.code !== 'STALE_WRITE') throw e;
                const dup = await appliedBefore();
                if (dup) return dup.state;
                // STALE_WRITE against a guess may be the guess's fault: read, and try again.
                if (!guessed) throw e;
                guessed = false;
                stored = await read();
                continue;
              }
              // The schema sees the new state as a later read will give it (the core's checks
              // passed in planning), before anything is sent.
              const checked = validate && nextJson != null ? await conform(x.fromStateJson(up.state ?? nextJson)) : undefined;
              check(t);
              compressed = up.compressed;
              sent = true;
              const outcome = await runWrite(up, t);
              if (outcome.kind === 'written') {
                rememberWrite(callSid, up, outcome.rev);
                // What was written, as read back: the core's normalized state, or the JSON as given.
                return checked ?? (nextJson == null ? null : x.fromStateJson(up.state ?? nextJson));
              }
              if (outcome.kind === 'conflict') {
                forget(callSid);
                guessed = false;
                stored = outcome.current;
                continue;
              }
              if (outcome.kind === 'duplicate') {
                forget(callSid);
                return outcome.stored == null ? null : await conform(codec.deserializeCallState(outcome.stored));
              }
              if (outcome.kind === 'stale') throw new CallStateError('STALE_WRITE', `stale write: stored state is newer (lastUpdated ${outcome.stored})`);
              if (outcome.kind === 'ended') throw callEnded();
            }
            throw coreError('conflict', [String(maxRetries + 1)]);
          });
          metric({ operation: 'update', stage: result?.stage ?? null, retries, compressed }, start);
          return result;
        } catch (e: any) {
          metric({ operation: 'update', success: false, retries }, start);
          return failOpen(e, null);
        }
      },

      async endCall(callSid: string, opts: { keepSeconds?: number } = {}): Promise<void> {
        const start = Date.now();
        try {
          forget(callSid);
          const write = planJson<Planned>('end', [callSid, String(opts.keepSeconds ?? 300), newId()]);
          await bounded((t) => runWrite(write, t)); // 'ended' already: nothing to do
          metric({ operation: 'end' }, start);
        } catch (e: any) {
          metric({ operation: 'end', success: false }, start);
          return failOpen(e, undefined);
        }
      },

      async *backup(opts: { match?: string; onProgress?: (n: number) => void } = {}): AsyncIterable<string> {
        const start = Date.now();
        if (closed) reported(redisError('store closed'));
        let count = 0;
        try {
        for (const node of await client.masters()) {
          let cursor = '0';
          do {
            const [next, keys] = await send(node, planJson('scan', [cursor, opts.match ?? null]), forever);
            cursor = String(next);
            // One pipelined batch per SCAN page, as the core plans it (GET and PTTL of each state
            // key, then TIME), and the lines it writes from the replies.
            const { keys: batch, reads } = planJson<{ keys: string[]; reads: string[][] }>('backupReads', [JSON.stringify(keys)]);
            const replies = await Promise.all(reads.map((argv) => send(node, argv, forever)));
            for (const line of planJson<string[]>('backupLines', [JSON.stringify(batch), JSON.stringify(replies)])) {
              yield line;
              opts.onProgress?.(++count);
            }
          } while (cursor !== '0');
        }
        } catch (e) {
          metric({ operation: 'backup', success: false, bytes: count }, start);
          reported(e);
        }
        metric({ operation: 'backup', bytes: count }, start);
      },

      async restore(lines: AsyncIterable<string> | AsyncIterable<string | Uint8Array> | Iterable<string> | string,
        opts: { replace?: boolean; now?: number | Date | (() => number); onProgress?: (n: number) => void;
          dryRun?: boolean; includeEnded?: boolean } = {}) {
        const start = Date.now();
        if (closed) reported(redisError('store closed'));
        const result = {
          restored: 0, skippedExpired: 0, skippedInvalid: 0, skippedEnded: 0, skippedExisting: 0,
          /** The first INVALID_KEPT invalid lines: line number (from 1) and the core's reason. */
          invalid: [] as { line: number; reason: string }[],
        };
        const invalid = (line: number, reason: string) => {
          result.skippedInvalid++;
          if (result.invalid.length < INVALID_KEPT) result.invalid.push({ line, reason });
        };
        // `now`: the caller's clock in ms — a number, a Date, or a function read per line.
        const clock = () => {
          const now = typeof opts.now === 'function' ? opts.now() : opts.now ?? Date.now();
          return Number(now instanceof Date ? now.getTime() : now);
        };
        const max = planJson<number>('restoreLineMax', []);
        /** One line, as the core plans it: checks first (a call that ended, a dry run's NX), then the SET. */
        const restoreLine = async (text: string, line: number) => {
          const step = planJson<RestoreStep>('restore', [text, String(clock()), opts.replace ? '1' : '0']);
          if (step === 'expired') { result.skippedExpired++; return; }
          if ('invalid' in step) { invalid(line, step.invalid); return; }
          if ('mark' in step) { // an ended call's end marker: restored after its state, as backed up
            if (!opts.dryRun) await send(client, step.mark.set, forever);
            result.restored++;
            return;
          }
          const { set, guarded, ended, exists } = step.set;
          if (validate) {
            // The user's schema holds for restored states too: one that fails it is an invalid
            // line (restoring it would leave a call no read or update can get past).
            try { await conform(codec.deserializeCallState(set[2])); } catch (e: any) {
              if (e?.code !== 'INVALID_FIELD') throw e;
              invalid(line, `the schema refuses it: ${e.message}`);
              return;
            }
          }
          if (opts.dryRun) { // reads only: what the restore would do now
            if (!opts.includeEnded && Number(await send(client, ended, forever)) > 0) result.skippedEnded++;
            else if (!opts.replace && Number(await send(client, exists, forever)) > 0) result.skippedExisting++;
            else result.restored++;
            return;
          }
          // By default the end-marker check and the SET are one step (the restore script, or its
          // WATCH fallback), so an endCall landing in between is never undone.
          const reply = opts.includeEnded
            ? ((await send(client, set, forever)) == null ? 'EXISTS' : 'OK') // NX refused: the key exists
            : String(await execute(guarded, forever));
          if (reply === 'ENDED') result.skippedEnded++;
          else if (reply === 'EXISTS') result.skippedExisting++;
          else result.restored++;
        };
        let line = 0;
        try {
          for await (const text of backupLines(lines, max)) {
            line++;
            if (text === null) invalid(line, `longer than ${max} characters`);
            else if (text.trim() !== '') await restoreLine(text, line);
            opts.onProgress?.(line);
          }
        } catch (e: any) {
          metric({ operation: 'restore', success: false, bytes: result.restored }, start);
          // What was done before the failure, and where it stopped (a rerun without `replace` is
          // safe: NX keeps what this one restored).
          if (e !== null && typeof e === 'object') e.restore = { ...result, line };
          reported(e);
        }
        metric({ operation: 'restore', bytes: result.restored }, start);
        return result;
      },

      async close(): Promise<void> {
        closed = true;
        await pool.close();
      },

      maintenance,
    };

    return store;
  };
}

/**
 * The lines of a backup (SPEC §2): a string or a Node `Readable` / async iterable of text chunks
 * (Buffers decoded as UTF-8) is split into lines across chunk boundaries; any other iterable gives
 * one line per item. A line longer than `max` is yielded as `null` (counted invalid, never held in
 * memory whole).
 */
async function* backupLines(source: any, max: number): AsyncIterable<string | null> {
  const chunked = typeof source === 'string' || typeof source?.pipe === 'function' || typeof source?.read === 'function';
  if (!chunked) {
    for await (const item of source) {
      const line = String(item);
      yield line.length > max ? null : line.replace(/\n$/, '');
    }
    return;
  }
  const decoder = new TextDecoder();
  let pending = '';
  let overlong = false;
  const feed = function* (text: string) {
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      const part = text.slice(from, nl);
      from = nl + 1;
      if (overlong || pending.length + part.length > max) yield null;
      else yield pending + part;
      pending = '';
      overlong = false;
    }
    const rest = text.slice(from);
    if (overlong || pending.length + rest.length > max) { overlong = true; pending = ''; } else pending += rest;
  };
  for await (const chunk of typeof source === 'string' ? [source] : source) {
    yield* feed(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
  }
  yield* feed(decoder.decode());
  if (overlong) yield null;
  else if (pending !== '') yield pending;
}

interface Adapted {
  cluster: boolean;
  send(argv: string[]): Promise<any>;
  masters(): Promise<Adapted[]>;
  /** The client of the master that owns `slot` (the connection the cluster uses for it). */
  node(slot: number): Promise<{ id: string; source: any }>;
  /** Whether a command sent now goes to the server, not into an offline queue. */
  ready(): boolean;
  close(): Promise<void>;
}

type Route = (argv: string[]) => { key: string; slot: number } | null;

/** Detects the client kind and gives it one `send(argv)`; `route` is the core's cluster routing. */
function adapt(c: any, route: Route, own = false): Adapted {
  const single = async () => ({ id: 'main', source: c });
  if (typeof c?.call === 'function' && (typeof c.duplicate === 'function' || c.isCluster)) {
    // ioredis Redis or Cluster (which routes EVAL/EVALSHA by their first key itself)
    return {
      cluster: !!c.isCluster,
      send: (argv) => c.call(argv[0], ...argv.slice(1)),
      masters: async () => c.isCluster ? c.nodes('master').map((n: any) => adapt(n, route)) : [adapt(c, route)],
      node: c.isCluster ? async (slot) => {
        const id: string | undefined = c.slots?.[slot]?.[0];
        const source = id && c.nodes('master').find((n: any) => `${n.options.host}:${n.options.port}` === id);
        if (!source) {
          await c.refreshSlotsCache?.();
          throw new Error(`CLUSTERDOWN no known master for slot ${slot} yet`);
        }
        return { id, source };
      } : single,
      ready: () => {
        if (c.status === 'wait') c.connect().catch(() => {}); // lazyConnect: connect on first use
        return c.status === 'ready';
      },
      close: async () => { if (own) c.disconnect(); },
    };
  }
  if (typeof c?.sendCommand === 'function') {
    const cluster = typeof c.getMasters === 'function' || Array.isArray(c.masters);
    return {
      cluster,
      // node-redis Cluster routes by the key given: the core's first key (EVALSHA's is its first KEYS).
      send: cluster ? (argv) => c.sendCommand(route(argv)?.key, false, argv) : (argv) => c.sendCommand(argv),
      masters: async () => cluster
        ? Promise.all(c.masters.map(async (m: any) => adapt(await c.nodeClient(m), route)))
        : [adapt(c, route)],
      node: cluster ? async (slot) => {
        const master = c.getSlotMaster(slot);
        const source = await c.nodeClient(master);
        return { id: master.id ?? master.address ?? `${master.host}:${master.port}`, source };
      } : single,
      ready: () => c.isReady !== false,
      close: async () => { if (own) await (c.destroy?.() ?? c.disconnect?.()); },
    };
  }
  if (typeof c?.send === 'function') {
    return {
      cluster: false,
      send: (argv) => c.send(argv),
      masters: async () => [adapt(c, route)],
      node: single,
      ready: () => true,
      close: async () => { if (own) await c.close?.(); },
    };
  }
  throw new TypeError('createCallStateStore: pass an ioredis or node-redis client, or { send(args) }');
}

/** The seed's `recordStateMetric` line (`State save: SUCCESS in 3ms`), ready for `onMetric`. */
export function consoleMetrics(m: Metric): void {
  console.log(`State ${m.operation}: ${m.success ? 'SUCCESS' : 'FAILURE'} in ${m.durationMs}ms`);
}

/**
 * The client's error without what it carried of the command: ioredis puts the whole command on
 * its errors (`command.args`: the state JSON, with callers' phone numbers), and a `cause` is
 * often logged whole.
 */
function cleanCause(e: any): unknown {
  if (!(e instanceof Error)) return e;
  const clean = new Error(e.message);
  clean.name = e.name;
  if ((e as any).code !== undefined) (clean as any).code = (e as any).code;
  return clean;
}

/**
 * A dedicated connection made from the user's client for WATCH/MULTI: it never resends an
 * unanswered command, never queues one while offline and never reconnects, so a transaction
 * cut by a dropped connection can only fail, never run half of itself unguarded elsewhere.
 */
function dedicated(redis: any): any {
  if (typeof redis.call === 'function') {
    // ioredis
    return redis.duplicate({ autoResendUnfulfilledCommands: false, enableOfflineQueue: false,
      retryStrategy: () => null, reconnectOnError: () => false, maxRetriesPerRequest: 0, lazyConnect: true });
  }
  // node-redis
  const socket = { ...(redis.options?.socket ?? {}), reconnectStrategy: false };
  return redis.duplicate({ disableOfflineQueue: true, socket });
}

/** The same promises, as far as they can be made, for a connection from `isolatedClient`. */
function noResend(raw: any) {
  if (raw?.options && 'autoResendUnfulfilledCommands' in raw.options) {
    raw.options.autoResendUnfulfilledCommands = false; // ioredis reads these per command / per close
    raw.options.enableOfflineQueue = false;
  }
}

function closeRaw(raw: any) {
  try {
    if (typeof raw?.disconnect === 'function' && typeof raw?.call === 'function') raw.disconnect();
    else Promise.resolve(raw?.quit?.() ?? raw?.disconnect?.()).catch(() => {});
  } catch { /* closing is best effort */ }
}
