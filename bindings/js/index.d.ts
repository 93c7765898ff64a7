// Types of `callstate` and `callstate-wasm` (SPEC §2): one source, copied into both packages
// by scripts/build.sh (as index.d.ts for `require` and index.d.mts for `import`).

/** The seed's FSM stages; any other `^[A-Z][A-Z0-9_]{0,63}$` name is allowed too. */
export type Stage =
  | 'COLLECT_CLIENT_ID'
  | 'COLLECT_JOB_NUMBER'
  | 'CONFIRM_JOB'
  | 'ASK_ACTION'
  | 'EXECUTE_ACTION'
  | (string & {});

/** An action type name, `^[A-Z][A-Z0-9_]{0,63}$` (`UPDATE_STATUS`). */
export type ActionType = string;

/** The job record a call works on; every field besides these is kept verbatim. */
export interface JobRecord {
  id: string;
  jobNumber: string;
  status: string;
  createdDate?: Date;
  updatedDate?: Date;
  scheduledDate?: Date;
  [field: string]: unknown;
}

/** One call's IVR state: the seed's interface. Unknown fields in a stored value are kept. */
export interface CallState {
  /** Twilio call identifier. */
  callSid: string;
  /** Current FSM stage. */
  stage: Stage;
  /** Retry attempts for the current stage, an integer 0 ≤ n ≤ 2³¹−1. */
  attemptCount: number;
  /** Collected client identifier (≤ 1024 UTF-16 units). */
  clientId?: string;
  /** Collected job number (≤ 1024 UTF-16 units). */
  jobNumber?: string;
  /** Requested action type. */
  actionType?: ActionType;
  /** Action-specific value (≤ 1024 UTF-16 units). */
  actionValue?: string;
  /** Retrieved job information. */
  jobData?: JobRecord;
  /** State modification timestamp (a valid Date). */
  lastUpdated: Date;
  /** The caller's language. */
  language: 'es' | 'en';
}

/** A decoded stored value with its record metadata (kept out of the state). */
export interface CallStateRecord {
  state: CallState;
  /** The stored `rev` (0 where the value has none). */
  revision: number;
  /** The version detected in the stored value; an unversioned seed-shaped value is 3. */
  schemaVersion: 1 | 2 | 3;
  /** The detected version when it is below 3 (write the upgrade back), else `null`. */
  migratedFrom: 1 | 2 | null;
}
/** What `decodeRecord` returns (SPEC §2 calls it the record). */
export type Record = CallStateRecord;

/** Options of a codec (SPEC §2); checked strictly: unknown names are `INVALID_FIELD`. */
export interface CodecOptions {
  /** Default `"call_state:"`; non-empty, no whitespace, control characters or `*?[]{}`. */
  keyPrefix?: string;
  /** `'lenient'` (default): 2–64 ASCII letters/digits; `'twilio'`: `^CA[0-9a-fA-F]{32}$`. */
  callSid?: 'lenient' | 'twilio';
  /** Default false; key = keyPrefix + "{" + sid + "}" so a call's keys share a cluster slot. */
  hashTag?: boolean;
  /** TTLs in seconds: `default` 3600, `max` (extension cap) 7200, per-stage overrides. */
  ttl?: { default?: number; max?: number; stages?: { [stage: string]: number } };
  /** Old v2 `action` values → `actionType`. */
  actionTypeMap?: { [action: string]: string };
  /** Absent = off (a compressed value cannot be read by the seed's own code). */
  compression?: { thresholdBytes: number; keepJobFields?: true | string[] };
  /** Size limit in bytes (JSON written, value read, value inflated); default 1 048 576. */
  maxBytes?: number;
}

/** The stable error codes (SPEC §9). */
export type CallStateErrorCode =
  | 'INVALID_JSON'
  | 'INVALID_FIELD'
  | 'INVALID_DATE'
  | 'INVALID_CALL_SID'
  | 'UNSUPPORTED_VERSION'
  | 'TOO_LARGE'
  | 'TOO_DEEP'
  | 'BAD_COMPRESSION'
  | 'CONFLICT'
  | 'STALE_WRITE'
  | 'REDIS';

/**
 * Every failure this package reports. `instanceof CallStateError` holds for every error thrown
 * by this package, whichever core (native or WASM) runs it; each package has its own class.
 */
export declare class CallStateError extends Error {
  constructor(code: CallStateErrorCode, message: string, path?: string, cause?: unknown);
  readonly name: 'CallStateError';
  /** Stable code; messages may change, codes never do. */
  readonly code: CallStateErrorCode;
  /** The field at fault (`jobData.createdDate`, `options.ttl.max`, `""` for the whole value). */
  readonly path?: string;
  /** The underlying error (the Redis client's, or a `JSON.stringify` failure). */
  cause?: unknown;
}

/** Seconds a call's state lives when its stage has no entry. */
export declare const DEFAULT_TTL: 3600;
/** The cap for TTL extensions of active calls. */
export declare const ACTIVE_CALL_TTL: 7200;

/** The Redis key of a call's state, `"call_state:CA…"`. Throws `INVALID_CALL_SID`. */
export declare function generateStateKey(callSid: string): string;
/** The Redis value (JSON text, `"rev": 0`). Throws `CallStateError`. */
export declare function serializeCallState(state: CallState): string;
/** Reads any stored value (v1, v2, seed-written, v3, compressed). Throws `CallStateError`. */
export declare function deserializeCallState(data: string): CallState;
/** `serializeCallState`, or `null` instead of throwing. */
export declare function safeSerialize(state: CallState): string | null;
/** `deserializeCallState`, or `null` instead of throwing. */
export declare function safeDeserialize(data: string): CallState | null;
/** Seconds a state in `stage` lives (the seed's table unless configured). */
export declare function getStageTTL(stage: Stage): number;
/**
 * A plain object (as `JSON.parse` gives it; `Date`s accepted too) migrated from `version`
 * (`'v1'`, `'v2'`, `'v3'`) and validated. Throws `UNSUPPORTED_VERSION` for any other version.
 */
export declare function migrateCallState(data: object, version: string): CallState;
/** The seed's `compressJobData`: JSON text of `{id, jobNumber, status}` only. */
export declare function compressJobData(jobData: JobRecord): string;

/** A configured codec: build once at cold start, reuse for every call. */
export declare class CallStateCodec {
  /** Throws `INVALID_FIELD` (path `options.<name>`) for an invalid option. */
  constructor(options?: CodecOptions);
  generateStateKey(callSid: string): string;
  serializeCallState(state: CallState): string;
  deserializeCallState(data: string): CallState;
  safeSerialize(state: CallState): string | null;
  safeDeserialize(data: string): CallState | null;
  getStageTTL(stage: Stage): number;
  migrateCallState(data: object, version: string): CallState;
  compressJobData(jobData: JobRecord): string;
  /** The state plus its record metadata (`revision`, `schemaVersion`, `migratedFrom`). */
  decodeRecord(data: string): CallStateRecord;
  /**
   * The TTL after extending `currentTtl` (what Redis `TTL` answers) by `additionalSeconds`:
   * `null` when `currentTtl ≤ 0` (missing key, or no expiry), else at most `ttl.max` and never
   * less than `currentTtl`. Throws `INVALID_FIELD` unless `additionalSeconds` is a positive integer.
   */
  extendedTtl(currentTtl: number, additionalSeconds: number): number | null;
}

// --- the store (SPEC §2, §7, §10) ------------------------------------------------------------

/** Anything that can send one Redis command as an argument array (an HTTP Redis, a pool). */
export interface RedisExecutor {
  send(args: string[]): Promise<unknown>;
}
/** A client the store accepts: ioredis (`Redis` or `Cluster`), node-redis v4+, or an executor. */
export type RedisClient = RedisExecutor | { call(...args: any[]): Promise<unknown> } | { sendCommand(...args: any[]): Promise<unknown> };

/** One store operation, reported to `onMetric` after it settles. */
export interface Metric {
  operation: 'save' | 'get' | 'delete' | 'extend' | 'update' | 'end' | 'backup' | 'restore';
  success: boolean;
  durationMs: number;
  bytes: number;
  stage: string | null;
  migratedFrom: number | null;
  compressed: boolean;
  retries: number;
}

export interface StoreOptions {
  /** One built codec, or options to build one. */
  codec?: CallStateCodec | CodecOptions;
  /** Every store method settles within it (retries included); default 2000. A write that timed
   * out is unknown, not undone: it may still land. */
  timeoutMs?: number;
  /** Default 'fail-open' (the seed's behaviour): REDIS errors become the seed's fallbacks. */
  onRedisError?: 'fail-open' | 'throw';
  onMetric?: (m: Metric) => void;
  /** Called for every REDIS error, in both modes. */
  onError?: (e: CallStateError) => void;
  /** Dedicated connections for the WATCH/MULTI fallback (when Lua is refused); default: the
   * client's own `duplicate()`, made never to resend, queue offline or reconnect. Must not
   * return the client the store was given; may return the same connection twice (it still
   * carries one transaction at a time). Closed by `store.close()`. Not used with a Cluster: there
   * the store duplicates the client of the master that owns the call's slot. */
  isolatedClient?: () => RedisClient | Promise<RedisClient>;
  /** At most this many WATCH connections at once per node (each master's, in a Cluster;
   * default 8); callers past it wait within `timeoutMs`. */
  poolSize?: number;
  /** After each write, `WAIT replicas timeoutMs` on the connection that sent it; fewer
   * acknowledgements is a `REDIS` error (the write itself may stand). `timeoutMs` defaults to
   * the store's. Absent: off. */
  durability?: { replicas: number; timeoutMs?: number };
}

export interface UpdateOptions {
  /** Default 5: `fn` runs at most 1 + maxRetries times, then `CONFLICT`. */
  maxRetries?: number;
  /** Twilio's `I-Twilio-Idempotency-Token`: a replay of a request already applied writes
   * nothing and resolves to the stored state. Kept with the call (last 128 writes), expires with it. */
  idempotencyKey?: string;
}

export interface EndCallOptions {
  /** Seconds the state stays readable for late webhooks (default 300). */
  keepSeconds?: number;
}

export interface BackupOptions {
  /** A Redis glob for the call SID part of the key. */
  match?: string;
  onProgress?: (keysDone: number) => void;
}

export interface RestoreOptions {
  /** Overwrite existing keys (default: `NX`, keep them). */
  replace?: boolean;
  /** The caller's clock in ms: a number, a Date, or a function read per line (default `Date.now()`). */
  now?: number | Date | (() => number);
  onProgress?: (linesDone: number) => void;
}

/** A call's stored value as it is in Redis, undecoded (`store.maintenance.read`). */
export interface StoredValue {
  /** The call's state key. */
  key: string;
  /** The stored value, as stored. */
  value: string;
  /** The key's remaining TTL in ms (`PTTL`: -1 for no expiry). */
  pttlMs: number;
  /** Whether the value is a compressed envelope (SPEC §8). */
  compressed: boolean;
}

/**
 * What `store.maintenance.upgrade` did: `'upgraded'` (the v3 form is stored, the key's TTL kept),
 * `'current'` (the value given is already v3: nothing written), `'changed'` (another writer
 * replaced it meanwhile: nothing written, theirs stands), `'gone'` (the key expired or was deleted
 * meanwhile).
 */
export type UpgradeResult = 'upgraded' | 'current' | 'changed' | 'gone';

/**
 * Operator tools (the `callstate` CLI uses them): key ↔ call SID, a raw read, and the v3
 * write-back of an older value. Planned by the core like every store method; each call settles
 * within `timeoutMs`, and, like `backup` and `restore`, REDIS errors always reject (whatever
 * `onRedisError` says). They report no metrics.
 */
export interface CallStateMaintenance {
  /** The call SID a state key of this store's codec holds (as `backup` lines name it); `null`
   * for any other key (another prefix, a write-id key). */
  callSidOf(key: string): string | null;
  /** The call's stored value as it is, with its TTL; `null` when there is none. Throws
   * `INVALID_CALL_SID`. */
  read(callSid: string): Promise<StoredValue | null>;
  /**
   * Writes back the v3 form of `stored`, an older (v1/v2) value read from the call's key (a
   * `backup` line's `value`), with a compare-and-set against it that keeps the key's remaining
   * TTL, or its lack of one. A writer that stored an older value again meanwhile is followed
   * (a few times, then `CONFLICT`). Throws the decode error when `stored` does not decode, and
   * `STALE_WRITE` when the call has ended (`endCall`).
   */
  upgrade(callSid: string, stored: string): Promise<UpgradeResult>;
}

export interface CallStateStore {
  /** Value + stage TTL + a new `rev`, atomically; `STALE_WRITE` if the stored state is newer. */
  saveCallState(callSid: string, state: CallState): Promise<void>;
  getCallState(callSid: string): Promise<CallState | null>;
  deleteCallState(callSid: string): Promise<void>;
  /** The new TTL, or null when the key is missing or has no expiry. */
  extendCallStateTTL(callSid: string, additionalSeconds: number): Promise<number | null>;
  /** Optimistic concurrency: `fn` returns the new state, `null` to delete, `undefined` to keep. */
  updateCallState(
    callSid: string,
    fn: (state: CallState | null) => CallState | null | undefined | Promise<CallState | null | undefined>,
    opts?: UpdateOptions,
  ): Promise<CallState | null>;
  /** For the final status callback (`completed`, `failed`, `busy`, `no-answer`): the state now
   * expires in `keepSeconds`, and any later write is refused as `STALE_WRITE`. */
  endCall(callSid: string, opts?: EndCallOptions): Promise<void>;
  /** NDJSON lines `{ key, pttlMs, atMs, value }`, each ending in `\n`. */
  backup(opts?: BackupOptions): AsyncIterable<string>;
  restore(
    lines: AsyncIterable<string> | Iterable<string> | string,
    opts?: RestoreOptions,
  ): Promise<{ restored: number; skippedExpired: number; skippedInvalid: number }>;
  /** Closes connections the store made itself, never the user's client. */
  close(): Promise<void>;
  /** Operator tools: see `CallStateMaintenance`. */
  readonly maintenance: CallStateMaintenance;
}

export declare function createCallStateStore(redis: RedisClient, options?: StoreOptions): CallStateStore;
/** Prints the seed's metric line, `State save: SUCCESS in 3ms`. */
export declare function consoleMetrics(m: Metric): void;
