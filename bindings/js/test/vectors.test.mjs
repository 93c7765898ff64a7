// Replays every golden case in tests/vectors/*.json through the package chosen by backend.mjs,
// with the package-level functions and with `new CallStateCodec()` when a case has no options
// (both must agree), as tests/vectors/README.md describes for JS runners.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cs, label, root, expected, BACKEND } from './backend.mjs';

const { CallStateCodec, CallStateError } = cs;
const dir = join(root, '..', 'tests', 'vectors');
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const DATE_FIELDS = ['createdDate', 'updatedDate', 'scheduledDate'];

/** A vector date as the runner hands it over: ISO strings → Date, {"$date":"invalid"} → Invalid Date. */
function jsDate(v, toDate) {
  if (v !== null && typeof v === 'object' && v.$date === 'invalid') return new Date(NaN);
  if (toDate && typeof v === 'string' && !Number.isNaN(Date.parse(v)) && new Date(v).toISOString() === v) {
    return new Date(v);
  }
  return v;
}

/** A copy of a vector state with its four date fields converted (spread only: __proto__ keys stay data). */
function jsState(input, toDate = true) {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const s = { ...input };
  if ('lastUpdated' in s) s.lastUpdated = jsDate(s.lastUpdated, toDate);
  if (s.jobData !== null && typeof s.jobData === 'object' && !Array.isArray(s.jobData)) s.jobData = jsJob(s.jobData, toDate);
  return s;
}

function jsJob(job, toDate = true) {
  if (job === null || typeof job !== 'object' || Array.isArray(job)) return job;
  const j = { ...job };
  for (const f of DATE_FIELDS) if (f in j) j[f] = jsDate(j[f], toDate);
  return j;
}

/** Asserts the result's dates are Dates and every object has Object.prototype; returns it as JSON data. */
function plain(state) {
  assert.ok(state.lastUpdated instanceof Date, 'lastUpdated is a Date');
  if (state.jobData !== undefined) {
    for (const f of DATE_FIELDS) {
      if (state.jobData[f] !== undefined) assert.ok(state.jobData[f] instanceof Date, `jobData.${f} is a Date`);
    }
  }
  protoCheck(state);
  return JSON.parse(JSON.stringify(state));
}

function protoCheck(v) {
  if (v === null || typeof v !== 'object' || v instanceof Date) return;
  assert.equal(Object.getPrototypeOf(v), Array.isArray(v) ? Array.prototype : Object.prototype, 'prototype unchanged');
  for (const k of Object.keys(v)) protoCheck(v[k]);
}

const isEnvelope = (stored) => {
  const p = JSON.parse(stored);
  return Object.hasOwn(p, 'compressed') && !Object.hasOwn(p, 'callSid');
};

/** Runs one case on `c` (the package API or a codec); returns a value comparable with `expect`. */
function run(c, k, kase) {
  const { op, input } = kase;
  switch (op) {
    case 'key': return c.generateStateKey(input);
    case 'stageTtl': return c.getStageTTL(input);
    case 'extendedTtl': return (c.extendedTtl ? c : new CallStateCodec()).extendedTtl(input[0], input[1]);
    case 'encode': return c.serializeCallState(jsState(input));
    case 'decode': return plain(c.deserializeCallState(input));
    case 'decodeRecord': {
      const r = (c.decodeRecord ? c : new CallStateCodec()).decodeRecord(input);
      return { ...r, state: plain(r.state) };
    }
    case 'migrate': return plain(c.migrateCallState(jsState(input.data, false), input.version));
    case 'compressJobData': return c.compressJobData(jsJob(input));
    case 'codec': return new CallStateCodec(input) instanceof CallStateCodec;
    case 'roundtrip':
    case 'encodeDecode': {
      const state = jsState(input);
      const stored = c.serializeCallState(state);
      if (kase.expectCompressed !== undefined) assert.equal(isEnvelope(stored), kase.expectCompressed, 'expectCompressed');
      const back = plain(c.deserializeCallState(stored));
      if (op === 'encodeDecode') return back;
      assert.deepEqual(back, JSON.parse(JSON.stringify(state)));
      return true;
    }
    default: throw new Error(`unknown op ${op} (${k})`);
  }
}

// The run replays on the core it asked for, not on a fallback (a platform's .node that failed to
// load would otherwise pass every vector on WASM: scripts/test-platforms.sh, Bun, Deno).
test(`runs on the ${expected} core (${label})`, () => assert.equal(cs[BACKEND], expected));

for (const file of files) {
  const { cases } = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  test(`${file} (${label})`, async (t) => {
    for (const kase of cases) {
      await t.test(kase.name, () => {
        const targets = kase.options !== undefined
          ? [['codec(options)', () => new CallStateCodec(kase.options)]]
          : [['package functions', () => cs], ['new CallStateCodec()', () => new CallStateCodec()]];
        for (const [which, make] of targets) {
          const where = `${kase.name} via ${which}`;
          if (kase.error) {
            assert.throws(() => run(make(), where, kase), (e) => {
              assert.ok(e instanceof CallStateError, `${where}: not a CallStateError: ${e && e.stack}`);
              assert.ok(e instanceof Error);
              assert.equal(e.name, 'CallStateError');
              assert.equal(e.code, kase.error.code, `${where}: ${e.message}`);
              if (kase.error.path !== undefined) assert.equal(e.path, kase.error.path, `${where}: ${e.message}`);
              return true;
            });
          } else {
            const got = run(make(), where, kase);
            assert.deepEqual(got, kase.expect, where);
          }
        }
      });
    }
    if (file === 'proto.json') assert.equal(({}).polluted, undefined, 'Object.prototype polluted');
  });
}
