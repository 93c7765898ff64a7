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
      let value;
      try {
        value = this.#raw.encode(json);
      } catch (e) {
        throw fromRaw(e);
      }
      // No value back: the input was already in the stored form (see the core's wire::encode).
      return value ?? ENCODED_HEAD + json.slice(1);
    }

    deserializeCallState(data) {
      const text = storedText(data);
      const json = decodeRaw(this.#raw, text);
      // A number: the state JSON is the stored text's tail (see the core's wire::decode).
      return fromStateJson(typeof json === 'number' ? `{${text.slice(json)}` : json);
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
    currentState(c, data) {
      const text = storedText(data);
      const json = decodeRaw(rawOf(c), text);
      return typeof json === 'number' ? fromStateJson(`{${text.slice(json)}`) : undefined;
    },
    plan(c, op, args) {
      try {
        return rawOf(c).plan(op, args.map((a) => (typeof a === 'string' ? wellFormed(a) : null)));
      } catch (e) {
        throw fromRaw(e);
      }
    },
  };
  // The store (bindings/js/store.ts) joins this file at build time; see bindings/js/build.mjs.
  api.createCallStateStore = makeStoreFactory(internals);
  api.consoleMetrics = consoleMetrics;
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

/** `raw.decode(text)`: the state JSON, or the offset of the stored text's tail that is it. */
function decodeRaw(raw, text) {
  try {
    return raw.decode(text);
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

/** The head of a stored value the core leaves to the shim (`wire::ENCODED_HEAD`). */
const ENCODED_HEAD = '{"schemaVersion":3,"rev":0,';

/**
 * State object → JSON text for the core: dates as `toISOString()` strings, `lastUpdated` first
 * (where the stored form has it, so that a state in field order needs no text back).
 */
function toStateJson(state) {
  if (!isObject(state)) return stringify(state);
  const s = { lastUpdated: undefined, ...state };
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

/** A `Date` as `toISOString()` writes it ("Invalid Date" for one, which the core refuses). */
function iso(d) {
  if (d instanceof Date || isForeignDate(d)) {
    const t = Date.prototype.getTime.call(d);
    return t === t ? isoString(t) : 'Invalid Date';
  }
  return d;
}

const pad2 = (n) => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * `new Date(t).toISOString()` by arithmetic (3× faster than the builtin, which dominated the
 * seed's own serialize): days → civil date (H. Hinnant's algorithm), then the time of day.
 * Years outside 0000–9999 use the builtin (its `±YYYYYY` form, which the core refuses).
 */
function isoString(t) {
  const days = Math.floor(t / 864e5);
  let ms = t - days * 864e5;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return new Date(t).toISOString();
  const h = Math.floor(ms / 36e5);
  ms -= h * 36e5;
  const m = Math.floor(ms / 6e4);
  ms -= m * 6e4;
  const s = Math.floor(ms / 1e3);
  ms -= s * 1e3;
  const y = year < 1000 ? `000${year}`.slice(-4) : `${year}`;
  return `${y}-${pad2(month)}-${pad2(day)}T${pad2(h)}:${pad2(m)}:${pad2(s)}.${pad3(ms)}Z`;
}

const digit = (s, i) => s.charCodeAt(i) - 48;

/**
 * A `Date` from the core's `toISOString()` form (`YYYY-MM-DDTHH:mm:ss.sssZ`, always that shape)
 * by arithmetic, faster than the builtin parser; anything else (and years 0–99, which
 * `Date.UTC` would read as 19xx) goes to the builtin.
 */
function dateOf(s) {
  if (s.length !== 24 || (s.charCodeAt(0) === 48 && s.charCodeAt(1) === 48)) return new Date(s);
  return new Date(Date.UTC(
    digit(s, 0) * 1000 + digit(s, 1) * 100 + digit(s, 2) * 10 + digit(s, 3),
    digit(s, 5) * 10 + digit(s, 6) - 1,
    digit(s, 8) * 10 + digit(s, 9),
    digit(s, 11) * 10 + digit(s, 12),
    digit(s, 14) * 10 + digit(s, 15),
    digit(s, 17) * 10 + digit(s, 18),
    digit(s, 20) * 100 + digit(s, 21) * 10 + digit(s, 22),
  ));
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
  s.lastUpdated = dateOf(s.lastUpdated);
  const j = s.jobData;
  if (j !== undefined) {
    if (j.createdDate !== undefined) j.createdDate = dateOf(j.createdDate);
    if (j.updatedDate !== undefined) j.updatedDate = dateOf(j.updatedDate);
    if (j.scheduledDate !== undefined) j.scheduledDate = dateOf(j.scheduledDate);
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
