// Replays golden cases from tests/vectors/*.json against one callstate API object (the module
// namespace of `callstate` or `callstate-wasm`). Plain ESM with no Node or DOM imports, so the
// same file runs in a browser page (examples/browser/index.html) and in Node.
// The case format is tests/vectors/README.md; this is the JS twin of tests/vectors.rs.

/** Cases known to fail here, by `file: name`. An unexpected pass fails the run (rust-url style). */
export const EXPECTED_FAILURES = new Set([]);

/**
 * Runs every case of `files` (`{ name, data }`, data = a parsed vector file) against `api`.
 * Returns `{ passed, failed, failures: [{ id, why }], unexpectedPasses: [id] }`.
 */
export function replay(api, files) {
  const out = { passed: 0, failed: 0, failures: [], unexpectedPasses: [] };
  for (const { name, data } of files) {
    for (const c of data.cases) {
      const id = `${name}: ${c.name}`;
      let why = null;
      try {
        why = runCase(api, c);
      } catch (e) {
        why = `runner threw ${e && e.stack ? e.stack : e}`;
      }
      if (({}).polluted !== undefined) why = why ?? 'Object.prototype was polluted';
      const expectedToFail = EXPECTED_FAILURES.has(id);
      if (why === null && expectedToFail) out.unexpectedPasses.push(id);
      if (why === null) out.passed += 1;
      else if (!expectedToFail) {
        out.failed += 1;
        out.failures.push({ id, why });
      }
    }
  }
  return out;
}

/** One case: `null` when it passes, else why not. */
export function runCase(api, c) {
  const input = structuredClone(c.input);
  const ops = [];
  if (c.op === 'codec') {
    ops.push(() => (new api.CallStateCodec(input), true));
  } else if (c.options !== undefined) {
    ops.push(() => op(new api.CallStateCodec(structuredClone(c.options)), c, structuredClone(input)));
  } else {
    // No options: the package-level function and a default codec must agree.
    ops.push(() => op(api, c, structuredClone(input)));
    ops.push(() => op(new api.CallStateCodec(), c, structuredClone(input)));
  }
  for (const run of ops) {
    let got;
    try {
      got = run();
    } catch (e) {
      if (!c.error) return `unexpected error ${e && e.code} ${e && e.message}`;
      if (!(e instanceof api.CallStateError) || !(e instanceof Error)) return `not a CallStateError: ${e}`;
      if (e.name !== 'CallStateError') return `error name ${e.name}`;
      if (e.code !== c.error.code) return `got ${e.code} (${e.message}), want ${c.error.code}`;
      if (c.error.path !== undefined && e.path !== c.error.path) {
        return `got path ${JSON.stringify(e.path)}, want ${JSON.stringify(c.error.path)} (${e.message})`;
      }
      continue;
    }
    if (c.error) return `got ${show(got)}, want error ${c.error.code}`;
    if (typeof got === 'string' && got.startsWith('\u0000')) return got.slice(1);
    const protoBad = badPrototype(got);
    if (protoBad) return `result object ${protoBad} does not have Object.prototype`;
    const want = c.expect === undefined ? null : c.expect;
    if (!same(plain(got), want)) return `got ${show(plain(got))}, want ${show(want)}`;
  }
  return null;
}

// A codec method, or the package-level function of the same name when `target` is the module.
function op(target, c, input) {
  const isCodec = target instanceof Object && typeof target.decodeRecord === 'function';
  const codec = isCodec ? target : null;
  switch (c.op) {
    case 'key':
      return target.generateStateKey(input);
    case 'stageTtl':
      return target.getStageTTL(input);
    case 'extendedTtl':
      // No package-level function (SPEC §2): a default codec stands in for the module.
      return (codec ?? new target.CallStateCodec()).extendedTtl(input[0], input[1]);
    case 'encode':
      return target.serializeCallState(toState(input));
    case 'decode':
      return target.deserializeCallState(input);
    case 'decodeRecord':
      return (codec ?? new target.CallStateCodec()).decodeRecord(input);
    case 'migrate':
      return target.migrateCallState(input.data, input.version);
    case 'compressJobData':
      return target.compressJobData(toJob(input));
    case 'roundtrip':
    case 'encodeDecode': {
      const state = toState(input);
      const stored = target.serializeCallState(state);
      const parsed = JSON.parse(stored);
      const compressed = 'compressed' in parsed && !('callSid' in parsed);
      if (c.expectCompressed !== undefined && c.expectCompressed !== compressed) {
        return `\u0000stored value compressed = ${compressed}, want ${c.expectCompressed}`;
      }
      const back = target.deserializeCallState(stored);
      if (c.op === 'encodeDecode') return back;
      return same(plain(back), plain(toState(structuredClone(input)), true));
    }
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

const OPTIONAL = ['clientId', 'jobNumber', 'actionType', 'actionValue', 'jobData'];
const JOB_DATES = ['createdDate', 'updatedDate', 'scheduledDate'];

/** Vector input → the state a JS caller would pass: ISO date strings become `Date`s. */
function toState(s) {
  if (s === null || typeof s !== 'object' || Array.isArray(s)) return s;
  if ('lastUpdated' in s) s.lastUpdated = toDate(s.lastUpdated);
  if (s.jobData && typeof s.jobData === 'object' && !Array.isArray(s.jobData)) s.jobData = toJob(s.jobData);
  return s;
}

function toJob(j) {
  if (j === null || typeof j !== 'object' || Array.isArray(j)) return j;
  for (const k of JOB_DATES) if (k in j) j[k] = toDate(j[k]);
  return j;
}

// `{"$date":"invalid"}` is an Invalid Date. A string becomes a Date only when the Date writes it
// back unchanged; other strings go to the core as they are (it reads RFC 3339 strictly, while
// `new Date()` would accept almost anything).
function toDate(v) {
  if (v && typeof v === 'object' && v.$date === 'invalid') return new Date(NaN);
  if (typeof v === 'string') {
    const d = new Date(v);
    if (!Number.isNaN(d.getTime()) && d.toISOString() === v) return d;
  }
  return v;
}

/**
 * A result as JSON data: Dates as `toISOString()`. With `asState`, also the normalisation a
 * decoded state has (absent == null for optional fields), for `roundtrip`.
 */
function plain(v, asState = false) {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
  if (Array.isArray(v)) return v.map((x) => plain(x));
  if (v && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v)) {
      if (asState && OPTIONAL.includes(k) && v[k] === null) continue;
      // defineProperty, never `o[k] =`: a `__proto__` key must stay data (proto.json).
      Object.defineProperty(o, k, { value: plain(v[k]), enumerable: true, writable: true, configurable: true });
    }
    return o;
  }
  return v;
}

/** Where an object in `v` has a prototype other than Object.prototype / Array.prototype. */
function badPrototype(v, at = '') {
  if (v === null || typeof v !== 'object' || v instanceof Date) return null;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const bad = badPrototype(v[i], `${at}[${i}]`);
      if (bad) return bad;
    }
    return null;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return at || '(top)';
  for (const k of Object.keys(v)) {
    const bad = badPrototype(v[k], at ? `${at}.${k}` : k);
    if (bad) return bad;
  }
  return null;
}

/** JSON values compared as values: key order ignored, `true` is not `1`. */
function same(a, b) {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]));
}

function show(v) {
  try {
    const s = JSON.stringify(v);
    return s.length > 300 ? `${s.slice(0, 300)}…` : s;
  } catch {
    return String(v);
  }
}
