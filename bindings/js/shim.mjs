// The public codec API of both packages (SPEC §2), built over a raw core: the napi module's or
// the WASM module's `RawCodec`, which take and return strings. One source for both packages:
// scripts/build.sh copies this file as `shim.mjs` and writes `shim.cjs` from it, so `callstate`
// and `callstate-wasm` can never drift. This file converts and wraps; it decides nothing the
// core decides (defaults, validation, formats).
//
// Crossing the boundary (SPEC §12): a state goes in as JSON text (its four date fields turned
// into `toISOString()` strings first, as the seed did) and comes back as JSON text that
// `JSON.parse` turns into own properties (`__proto__` keys stay plain data), then `Date`s.

const CODES = new Set([
  'INVALID_JSON', 'INVALID_FIELD', 'INVALID_DATE', 'INVALID_CALL_SID', 'UNSUPPORTED_VERSION',
  'TOO_LARGE', 'TOO_DEEP', 'BAD_COMPRESSION', 'CONFLICT', 'STALE_WRITE', 'REDIS',
]);

/** Seconds a call's state lives when its stage has no entry (the seed's `DEFAULT_TTL`). */
export const DEFAULT_TTL = 3600;
/** The cap for extensions of active calls (the seed's `ACTIVE_CALL_TTL`). */
export const ACTIVE_CALL_TTL = 7200;

/** Where the internals for the store live on an API object (not enumerable). */
export const INTERNALS = Symbol.for('callstate.internals');
/** Which core an API object runs on, `'native'` or `'wasm'` (not enumerable). */
export const BACKEND = Symbol.for('callstate.backend');

/**
 * Every failure the codec reports: `code` (SPEC §9), `path` (the field at fault, when one is)
 * and a one-line message. Each package defines this class once from this source, so
 * `instanceof` holds for every error a package throws, whichever core (native or WASM) it runs on.
 */
export class CallStateError extends Error {
  constructor(code, message, path, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.path = path;
  }
}
Object.defineProperty(CallStateError.prototype, 'name', {
  value: 'CallStateError', writable: true, enumerable: false, configurable: true,
});

/**
 * The public API (seed-parity functions, constants, `CallStateCodec`, `CallStateError`) over
 * `RawCodec`, a raw core class. `backend` names it (`'native'` or `'wasm'`).
 */
export function createApi(RawCodec, backend) {
  let rawOf;

  class CallStateCodec {
    #raw;

    constructor(options) {
      this.#raw = newRaw(RawCodec, options);
    }

    static {
      rawOf = (codec) => codec.#raw;
    }

    generateStateKey(callSid) {
      if (typeof callSid !== 'string') {
        throw new CallStateError('INVALID_CALL_SID', 'invalid call SID: must be a string', 'callSid');
      }
      try {
        return this.#raw.key(callSid);
      } catch (e) {
        throw fromRaw(e);
      }
    }

    serializeCallState(state) {
      const json = toStateJson(state);
      try {
        return this.#raw.encode(json);
      } catch (e) {
        throw fromRaw(e);
      }
    }

    deserializeCallState(data) {
      let json;
      try {
        json = this.#raw.decode(storedText(data));
      } catch (e) {
        throw fromRaw(e);
      }
      return fromStateJson(json);
    }

    safeSerialize(state) {
      try {
        return this.serializeCallState(state);
      } catch {
        return null;
      }
    }

    safeDeserialize(data) {
      try {
        return this.deserializeCallState(data);
      } catch {
        return null;
      }
    }

    getStageTTL(stage) {
      return this.#raw.stageTtl(typeof stage === 'string' ? stage : String(stage));
    }

    migrateCallState(data, version) {
      const json = toStateJson(data);
      let out;
      try {
        out = this.#raw.migrate(json, typeof version === 'string' ? version : String(version));
      } catch (e) {
        throw fromRaw(e);
      }
      return fromStateJson(out);
    }

    compressJobData(jobData) {
      const json = stringify(isObject(jobData) ? withJobDates(jobData) : jobData);
      try {
        return this.#raw.compressJobData(json);
      } catch (e) {
        throw fromRaw(e);
      }
    }

    decodeRecord(data) {
      let json;
      try {
        json = this.#raw.decodeRecord(storedText(data));
      } catch (e) {
        throw fromRaw(e);
      }
      const record = JSON.parse(json);
      reviveDates(record.state);
      return record;
    }

    extendedTtl(currentTtl, additionalSeconds) {
      const num = (n) => (typeof n === 'number' ? n : NaN);
      try {
        return JSON.parse(this.#raw.extendedTtl(num(currentTtl), num(additionalSeconds)));
      } catch (e) {
        throw fromRaw(e);
      }
    }
  }

  const codec = new CallStateCodec();
  const api = {
    generateStateKey: (callSid) => codec.generateStateKey(callSid),
    serializeCallState: (state) => codec.serializeCallState(state),
    deserializeCallState: (data) => codec.deserializeCallState(data),
    safeSerialize: (state) => codec.safeSerialize(state),
    safeDeserialize: (data) => codec.safeDeserialize(data),
    getStageTTL: (stage) => codec.getStageTTL(stage),
    migrateCallState: (data, version) => codec.migrateCallState(data, version),
    compressJobData: (jobData) => codec.compressJobData(jobData),
    DEFAULT_TTL,
    ACTIVE_CALL_TTL,
    CallStateCodec,
    CallStateError,
  };
  const internals = {
    CallStateCodec,
    CallStateError,
    toStateJson,
    fromStateJson,
    plan(c, op, args) {
      try {
        return rawOf(c).plan(op, args.map((a) => (typeof a === 'string' ? wellFormed(a) : null)));
      } catch (e) {
        throw fromRaw(e);
      }
    },
  };
  Object.defineProperty(api, INTERNALS, { value: internals });
  Object.defineProperty(api, BACKEND, { value: backend });
  return api;
}

// --- conversion helpers (shared by both packages) -------------------------------------------

function newRaw(RawCodec, options) {
  let json = null;
  if (options !== undefined && options !== null) {
    try {
      // A function or symbol is not an option value; keep it visible to the core's check.
      json = JSON.stringify(options, (_, v) => (typeof v === 'function' || typeof v === 'symbol' ? '[function]' : v));
    } catch (e) {
      throw new CallStateError('INVALID_FIELD', `invalid field \`options\`: ${e.message}`, 'options', e);
    }
  }
  try {
    return new RawCodec(json);
  } catch (e) {
    throw fromRaw(e);
  }
}

/** A raw core error (an `Error` with `code` and `path`) as a `CallStateError`; others as is. */
function fromRaw(e) {
  if (e instanceof CallStateError) return e;
  if (e !== null && typeof e === 'object') {
    return CODES.has(e.code) ? new CallStateError(e.code, e.message, e.path) : e;
  }
  return new Error(String(e)); // never rethrow a bare string
}

/** State object → JSON text for the core: dates as `toISOString()` strings. */
function toStateJson(state) {
  if (!isObject(state)) return stringify(state);
  const s = { ...state };
  if (s.lastUpdated !== undefined) s.lastUpdated = iso(s.lastUpdated);
  if (isObject(s.jobData)) s.jobData = withJobDates(s.jobData);
  return stringify(s);
}

function withJobDates(job) {
  const j = { ...job };
  if (j.createdDate !== undefined) j.createdDate = iso(j.createdDate);
  if (j.updatedDate !== undefined) j.updatedDate = iso(j.updatedDate);
  if (j.scheduledDate !== undefined) j.scheduledDate = iso(j.scheduledDate);
  return j;
}

/** A `Date` as `toISOString()` (an Invalid Date as "Invalid Date", which the core refuses). */
function iso(d) {
  if (d instanceof Date || isForeignDate(d)) {
    const t = Date.prototype.getTime.call(d);
    return t === t ? Date.prototype.toISOString.call(d) : 'Invalid Date';
  }
  return d;
}

/** A `Date` from another realm (a vm context, an iframe): the internal slot, not the prototype. */
function isForeignDate(d) {
  if (typeof d !== 'object' || d === null) return false;
  try {
    Date.prototype.getTime.call(d);
    return true;
  } catch {
    return false;
  }
}

function stringify(value) {
  let json;
  try {
    json = JSON.stringify(value);
  } catch (e) {
    if (e instanceof RangeError || (e instanceof TypeError && /circular/i.test(e.message))) {
      throw new CallStateError('TOO_DEEP', 'nesting deeper than 64 levels (or a cycle)', undefined, e);
    }
    if (e instanceof TypeError && /BigInt/i.test(e.message)) {
      throw new CallStateError('INVALID_FIELD', 'a BigInt cannot be stored as JSON', undefined, e);
    }
    throw e;
  }
  return json === undefined ? 'null' : json;
}

/** State JSON text from the core → an object of own properties with `Date`s. */
function fromStateJson(json) {
  return reviveDates(JSON.parse(json));
}

function reviveDates(s) {
  s.lastUpdated = new Date(s.lastUpdated);
  const j = s.jobData;
  if (j !== undefined) {
    if (j.createdDate !== undefined) j.createdDate = new Date(j.createdDate);
    if (j.updatedDate !== undefined) j.updatedDate = new Date(j.updatedDate);
    if (j.scheduledDate !== undefined) j.scheduledDate = new Date(j.scheduledDate);
  }
  return s;
}

/** A stored value as text, as `JSON.parse` would read its argument. */
function storedText(data) {
  return wellFormed(typeof data === 'string' ? data : String(data));
}

const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_ALL = new RegExp(LONE.source, 'g');

/**
 * Text with each lone surrogate written as its JSON escape (`\udxxx`). Inside a JSON string the
 * two are the same value, and the escape survives the UTF-8 crossing into the core (which would
 * turn a raw lone surrogate into U+FFFD). Outside a string either is invalid JSON.
 */
function wellFormed(text) {
  const ok = typeof text.isWellFormed === 'function' ? text.isWellFormed() : !LONE.test(text);
  return ok ? text : text.replace(LONE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

function isObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
