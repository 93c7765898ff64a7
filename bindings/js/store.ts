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
interface Planned {
  command: string[];
  /** The state JSON as stored, when it differs from the JSON given. */
  state: string | null;
  /** The value stored once applied at `rev`: head + rev + command[i] for [head, i]; null: none. */
  stored: [string, number] | null;
}

type Outcome =
  | { kind: 'written'; rev: number } | { kind: 'duplicate'; stored: string | null }
  | { kind: 'conflict'; current?: string | null } | { kind: 'stale'; stored: string } | { kind: 'check'; stored: string }
  | { kind: 'ended'; stored: string | null };

/** How many calls' last-known values a store keeps (see `known` in createCallStateStore). */
const KNOWN_CALLS = 1024;

const STORE_OPTIONS = ['codec', 'timeoutMs', 'onRedisError', 'onMetric', 'onError', 'isolatedClient'];
const SCRIPTING_REFUSED = /NOPERM|unknown command|not allowed|scripting is disabled|NOSCRIPT.*disabled/i;
const RETRYABLE = /^(LOADING|TRYAGAIN|CLUSTERDOWN|MASTERDOWN)|ECONNRE|EPIPE|closed|Connection is closed|timed out|socket/i;

export function makeStoreFactory(x: Internals) {
  const { CallStateCodec, CallStateError } = x;
  const redisError = (message: string, cause?: unknown) =>
    new CallStateError('REDIS', message, undefined, cause);
  const callEnded = () => new CallStateError('STALE_WRITE', 'stale write: the call has ended (endCall)');
  const invalidOption = (name: string, why: string) =>
    new CallStateError('INVALID_FIELD', `invalid option \`options.${name}\`: ${why}`, `options.${name}`);

  return function createCallStateStore(redis: RedisClient, options: Record<string, any> = {}) {
    if (options === null || typeof options !== 'object') throw invalidOption('', 'must be an object');
    for (const name of Object.keys(options)) {
      if (!STORE_OPTIONS.includes(name)) throw invalidOption(name, 'unknown option');
    }
    const codec = options.codec instanceof CallStateCodec ? options.codec : new CallStateCodec(options.codec);
    const timeoutMs = options.timeoutMs ?? 2000;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw invalidOption('timeoutMs', 'must be a positive integer');
    const policy = options.onRedisError ?? 'fail-open';
    if (policy !== 'fail-open' && policy !== 'throw') throw invalidOption('onRedisError', "must be 'fail-open' or 'throw'");
    for (const hook of ['onMetric', 'onError', 'isolatedClient']) {
      if (options[hook] !== undefined && typeof options[hook] !== 'function') throw invalidOption(hook, 'must be a function');
    }
    const client = adapt(redis);
    if (client.cluster && !planJson<boolean>('hashTag', [])) {
      // A call's state and write-id keys must share a slot for the write script.
      throw invalidOption('codec.hashTag', 'must be true with Redis Cluster');
    }
    // The value this store last wrote or read for a call, by callSid: `updateCallState` starts
    // its compare-and-set from it instead of a GET. It is only ever a guess — a value changed
    // since is a CONFLICT whose reply carries the value now — so a stale entry costs a retry,
    // never a lost or wrong write. Oldest entries go first past KNOWN_CALLS.
    const known = new Map<string, string | null>();
    const remember = (callSid: string, stored: string | null) => {
      known.delete(callSid);
      known.set(callSid, stored);
      if (known.size > KNOWN_CALLS) known.delete(known.keys().next().value as string);
    };
    /** After a write applied at `rev`: the value it stored (or null for a delete). */
    const rememberWrite = (callSid: string, w: Planned, rev: number) =>
      remember(callSid, w.stored && w.stored[0] + rev + w.command[w.stored[1]]);
    let scripting = true;
    let closed = false;
    const spare: Adapted[] = [];
    const made: Adapted[] = [];

    function plan(op: string, args: (string | null)[]): string { return x.plan(codec, op, args); }
    function planJson<T = any>(op: string, args: (string | null)[]): T { return JSON.parse(plan(op, args)); }

    async function send(c: Adapted, argv: string[]): Promise<any> {
      try { return await c.send(argv); } catch (e: any) {
        if (e instanceof CallStateError) throw e;
        throw redisError(`${argv[0]} failed: ${e?.message ?? e}`, e);
      }
    }

    /** Runs `body` within the store's time budget, retrying retryable REDIS errors. */
    async function bounded<T>(body: (deadline: number) => Promise<T>): Promise<T> {
      if (closed) throw redisError('store closed');
      const deadline = Date.now() + timeoutMs;
      let timer: any;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(redisError(`timed out after ${timeoutMs} ms (a write may still land)`)), timeoutMs);
      });
      const attempt = async (): Promise<T> => {
        for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
          try { return await body(deadline); } catch (e: any) {
            const retry = e?.code === 'REDIS' && RETRYABLE.test(e.message) && Date.now() + delay < deadline;
            if (!retry) throw e;
            await new Promise((r) => setTimeout(r, delay));
          }
        }
      };
      try { return await Promise.race([attempt(), timeout]); } finally { clearTimeout(timer); }
    }

    async function runScript(argv: string[]): Promise<any> {
      try { return await send(client, argv); } catch (e: any) {
        if (/NOSCRIPT/.test(e.message)) {
          const evalArgv = planJson<string[] | null>('evalFallback', [JSON.stringify(argv)]);
          if (evalArgv) return send(client, evalArgv);
        }
        throw e;
      }
    }

    /** Sends a planned write command (the script, or its WATCH/MULTI equivalent). */
    async function runWrite(command: string[]): Promise<Outcome> {
      if (scripting) {
        try {
          const reply = await runScript(command);
          const [status, value] = reply as [string, string | null];
          return planJson<Outcome>('outcome', [String(status), value == null ? null : String(value)]);
        } catch (e: any) {
          if (!(e?.code === 'REDIS' && SCRIPTING_REFUSED.test(e.message))) throw e;
          scripting = false; // hosted Redis without Lua: WATCH/MULTI from now on
        }
      }
      return watchWrite(JSON.stringify(command));
    }

    /** The WATCH/MULTI fallback, on a dedicated connection used by one transaction at a time. */
    async function watchWrite(write: string): Promise<Outcome> {
      const conn = await acquire();
      let healthy = true;
      try {
        const replies: any[] = [];
        for (const argv of planJson<string[][]>('fallbackReads', [write])) replies.push(await send(conn, argv));
        const [, stored, pos, ended, time] = replies;
        const step = planJson('decide', [write, stored ?? null, pos == null ? '0' : '1',
          String(time[0]), String(time[1]), Number(ended) === 1 ? '1' : '0']);
        if (step.step === 'done') { await send(conn, ['UNWATCH']); return step.outcome; }
        await send(conn, ['MULTI']);
        for (const argv of step.commands) await send(conn, argv);
        const exec = await send(conn, ['EXEC']);
        return exec == null ? { kind: 'conflict' } : { kind: 'written', rev: step.rev };
      } catch (e) { healthy = false; throw e; } finally {
        if (healthy) spare.push(conn); else { made.splice(made.indexOf(conn), 1); conn.close().catch(() => {}); }
      }
    }

    async function acquire(): Promise<Adapted> {
      const conn = spare.pop();
      if (conn) return conn;
      let raw: any;
      if (options.isolatedClient) {
        raw = await options.isolatedClient();
        if (raw === redis) throw invalidOption('isolatedClient', 'must not return the client the store was given');
      } else if (typeof (redis as any).duplicate === 'function') {
        raw = await (redis as any).duplicate();
        if (typeof raw.connect === 'function' && raw.isOpen === false) await raw.connect();
      } else {
        throw redisError('scripting refused and no isolatedClient or duplicate() for WATCH/MULTI');
      }
      const adapted = adapt(raw, true);
      made.push(adapted);
      return adapted;
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
    const newId = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;

    /** A stored value's state: the fast read for a current value, else the full decode. */
    const stateOf = (stored: string) => x.currentState(codec, stored) ?? codec.decodeRecord(stored).state;

    async function writeState(callSid: string, stateJson: string, writeId: string): Promise<Outcome & { retries: number }> {
      let write = planJson<Planned>('save', [callSid, stateJson, writeId]);
      for (let retries = 0; ; retries++) {
        const outcome = await runWrite(write.command);
        if (outcome.kind === 'check') {
          write = planJson('update', [callSid, outcome.stored, stateJson, writeId]); // decodes, may be STALE_WRITE
          continue;
        }
        if (outcome.kind === 'conflict') { write = planJson('save', [callSid, stateJson, writeId]); continue; }
        if (outcome.kind === 'stale') {
          throw new CallStateError('STALE_WRITE', `stale write: stored state is newer (${outcome.stored})`);
        }
        if (outcome.kind === 'ended') throw callEnded();
        if (outcome.kind === 'written') rememberWrite(callSid, write, outcome.rev);
        return { ...outcome, retries };
      }
    }

    const store = {
      async saveCallState(callSid: string, state: any): Promise<void> {
        const start = Date.now();
        const stateJson = x.toStateJson(state);
        const writeId = newId();
        try {
          const r = await bounded(() => writeState(callSid, stateJson, writeId));
          metric({ operation: 'save', bytes: stateJson.length, stage: state?.stage ?? null, retries: r.retries }, start);
        } catch (e: any) {
          metric({ operation: 'save', success: false, stage: state?.stage ?? null }, start);
          return failOpen(e, undefined);
        }
      },

      async getCallState(callSid: string): Promise<any> {
        const start = Date.now();
        try {
          const argv = planJson<string[]>('get', [callSid]);
          const { stored, state, migratedFrom } = await bounded(async () => {
            const raw = await send(client, argv);
            if (raw == null) return { stored: null, state: null, migratedFrom: null };
            const stored = String(raw);
            const state = x.currentState(codec, stored);
            if (state !== undefined) {
              remember(callSid, stored);
              return { stored, state, migratedFrom: null };
            }
            const record = codec.decodeRecord(stored);
            if (record.migratedFrom != null) {
              // Write the upgrade back with a compare-and-set: never lost, never doubled.
              const up = planJson('update', [callSid, stored, x.toStateJson(record.state), newId()]);
              await runWrite(up.command).catch(() => undefined);
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
          known.delete(callSid);
          // A delete through the write script: a resend (after a reconnect) is recognised by its
          // write id, so it cannot remove a state saved in between.
          const del = planJson<Planned>('delete', [callSid, writeId]);
          await bounded(async () => {
            while ((await runWrite(del.command)).kind === 'conflict') { /* WATCH lost a race: again */ }
          });
          metric({ operation: 'delete' }, start);
        } catch (e: any) {
          metric({ operation: 'delete', success: false }, start);
          return failOpen(e, undefined);
        }
      },

      async extendCallStateTTL(callSid: string, additionalSeconds: number): Promise<number | null> {
        const start = Date.now();
        try {
          const argv = planJson<string[]>('extend', [callSid, String(additionalSeconds)]);
          const ttl = await bounded(() => scripting ? runScript(argv) : watchExtend(callSid, additionalSeconds));
          metric({ operation: 'extend' }, start);
          return ttl == null ? null : Number(ttl);
        } catch (e: any) {
          if (scripting && e?.code === 'REDIS' && SCRIPTING_REFUSED.test(e.message)) {
            scripting = false;
            return store.extendCallStateTTL(callSid, additionalSeconds);
          }
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
        try {
          const result = await bounded(async () => {
            let getArgv: string[] | undefined;
            const read = async () => {
              getArgv ??= planJson<string[]>('get', [callSid]);
              const raw = await send(client, getArgv);
              return raw == null ? null : String(raw);
            };
            // Start from the value this store knows (one round trip when it is still current). A
            // stale guess costs one of the retries, so with none allowed there is no guess: fn
            // runs at most 1 + maxRetries times either way (SPEC §2).
            let guessed = maxRetries > 0 && known.has(callSid);
            let stored = guessed ? known.get(callSid)! : await read();
            for (; retries <= maxRetries; retries++) {
              const current = stored == null ? null : stateOf(stored);
              const next = await fn(current);
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
              let up: Planned;
              try {
                up = planJson('update', [callSid, stored, nextJson, writeId]);
              } catch (e: any) {
                // STALE_WRITE against a guess may be the guess's fault: read, and try again.
                if (!guessed || e?.code !== 'STALE_WRITE') throw e;
                guessed = false;
                stored = await read();
                continue;
              }
              const outcome = await runWrite(up.command);
              if (outcome.kind === 'written') {
                rememberWrite(callSid, up, outcome.rev);
                // What was written, as read back: the core's normalized state, or the JSON as given.
                return nextJson == null ? null : x.fromStateJson(up.state ?? nextJson);
              }
              if (outcome.kind === 'conflict') {
                known.delete(callSid);
                guessed = false;
                stored = outcome.current !== undefined ? outcome.current : await read();
                continue;
              }
              if (outcome.kind === 'duplicate') return outcome.stored == null ? null : codec.deserializeCallState(outcome.stored);
              if (outcome.kind === 'stale') throw new CallStateError('STALE_WRITE', `stale write: stored state is newer (${outcome.stored})`);
              if (outcome.kind === 'ended') throw callEnded();
            }
            throw new CallStateError('CONFLICT', `update conflicted ${maxRetries + 1} times; giving up`);
          });
          metric({ operation: 'update', stage: result?.stage ?? null, retries }, start);
          return result;
        } catch (e: any) {
          metric({ operation: 'update', success: false, retries }, start);
          return failOpen(e, null);
        }
      },

      async endCall(callSid: string, opts: { keepSeconds?: number } = {}): Promise<void> {
        const start = Date.now();
        try {
          known.delete(callSid);
          const write = planJson<Planned>('end', [callSid, String(opts.keepSeconds ?? 300), newId()]);
          await bounded(() => runWrite(write.command)); // 'ended' already: nothing to do
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
            const [next, keys] = await send(node, planJson('scan', [cursor, opts.match ?? null]));
            cursor = String(next);
            // One pipelined batch per SCAN page: GET and PTTL of each state key, then one TIME
            // (read after them, so the remaining TTL a restore computes errs on the short side).
            const batch = (keys as string[]).filter((key) => JSON.parse(plan('isStateKey', [key])));
            const reads = batch.map((key) => Promise.all([send(node, ['GET', key]), send(node, ['PTTL', key])]));
            const [rows, time] = await Promise.all([Promise.all(reads), send(node, ['TIME'])]);
            const atMs = Number(time[0]) * 1000 + Math.floor(Number(time[1]) / 1000);
            for (let i = 0; i < batch.length; i++) {
              const [value, pttl] = rows[i];
              if (value == null) continue;
              yield JSON.parse(plan('backupLine', [batch[i], String(pttl), String(atMs), String(value)]));
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

      async restore(lines: AsyncIterable<string> | Iterable<string> | string,
        opts: { replace?: boolean; now?: number | Date | (() => number); onProgress?: (n: number) => void } = {}) {
        const start = Date.now();
        if (closed) reported(redisError('store closed'));
        const result = { restored: 0, skippedExpired: 0, skippedInvalid: 0 };
        // `now`: the caller's clock in ms — a number, a Date, or a function read per line.
        const clock = () => {
          const now = typeof opts.now === 'function' ? opts.now() : opts.now ?? Date.now();
          return Number(now instanceof Date ? now.getTime() : now);
        };
        let n = 0;
        try {
          for await (const chunk of (typeof lines === 'string' ? [lines] : lines) as AsyncIterable<string>) {
            for (const line of String(chunk).split('\n')) {
              if (line.trim() === '') continue;
              const step = planJson('restore', [line, String(clock()), opts.replace ? '1' : '0']);
              if (step === 'expired') result.skippedExpired++;
              else if (step === 'invalid') result.skippedInvalid++;
              else if ((await send(client, step.set)) != null) result.restored++;
              opts.onProgress?.(++n);
            }
          }
        } catch (e) {
          metric({ operation: 'restore', success: false, bytes: result.restored }, start);
          reported(e);
        }
        metric({ operation: 'restore', bytes: result.restored }, start);
        return result;
      },

      async close(): Promise<void> {
        closed = true;
        await Promise.all(made.splice(0).map((c) => c.close().catch(() => {})));
        spare.length = 0;
      },
    };

    async function watchExtend(callSid: string, add: number): Promise<number | null> {
      const { key, end } = planJson('keys', [callSid]);
      const conn = await acquire();
      try {
        for (;;) {
          await send(conn, ['WATCH', key, end]);
          const ttl = Number(await send(conn, ['TTL', key]));
          const ended = Number(await send(conn, ['EXISTS', end])) === 1;
          const next = ended ? null : codec.extendedTtl(ttl, add);
          if (next == null) { await send(conn, ['UNWATCH']); return null; }
          await send(conn, ['MULTI']);
          await send(conn, ['EXPIRE', key, String(next)]);
          if ((await send(conn, ['EXEC'])) != null) return next;
        }
      } finally { spare.push(conn); }
    }

    return store;
  };
}

interface Adapted {
  cluster: boolean;
  send(argv: string[]): Promise<any>;
  masters(): Promise<Adapted[]>;
  close(): Promise<void>;
}

/** Detects the client kind and gives it one `send(argv)`. */
function adapt(c: any, own = false): Adapted {
  if (typeof c?.call === 'function' && (typeof c.duplicate === 'function' || c.isCluster)) {
    // ioredis Redis or Cluster
    return {
      cluster: !!c.isCluster,
      send: (argv) => c.call(argv[0], ...argv.slice(1)),
      masters: async () => c.isCluster ? c.nodes('master').map((n: any) => adapt(n)) : [adapt(c)],
      close: async () => { if (own) c.disconnect(); },
    };
  }
  if (typeof c?.sendCommand === 'function') {
    const cluster = typeof c.getMasters === 'function' || Array.isArray(c.masters);
    return {
      cluster,
      send: cluster ? (argv) => c.sendCommand(argv[1], false, argv) : (argv) => c.sendCommand(argv),
      masters: async () => cluster
        ? Promise.all(c.masters.map(async (m: any) => adapt(await c.nodeClient(m))))
        : [adapt(c)],
      close: async () => { if (own) await (c.quit?.() ?? c.disconnect?.()); },
    };
  }
  if (typeof c?.send === 'function') {
    return {
      cluster: false,
      send: (argv) => c.send(argv),
      masters: async () => [adapt(c)],
      close: async () => { if (own) await c.close?.(); },
    };
  }
  throw new TypeError('createCallStateStore: pass an ioredis or node-redis client, or { send(args) }');
}

/** The seed's `recordStateMetric` line (`State save: SUCCESS in 3ms`), ready for `onMetric`. */
export function consoleMetrics(m: Metric): void {
  console.log(`State ${m.operation}: ${m.success ? 'SUCCESS' : 'FAILURE'} in ${m.durationMs}ms`);
}
