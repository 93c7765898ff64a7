// The encode/decode implementations every codec bench compares, each `{ key, label, encode, decode }`:
//   seed    (a)  the seed's plain JS, unvalidated — the baseline of every ratio
//   zod     (b)  the same contract validated with zod 4 (a `z.codec` for the dates)
//   handJs  (b2) the same contract hand-validated: typeof and regex checks, the fastest honest JS
//   floor   (c)  bare JSON.stringify / JSON.parse: no validation, no Date revival
//   native  (d)  `callstate` (napi), required from bindings/node
//   wasm    (e)  `callstate-wasm`, required from bindings/wasm
// "The same contract" is SPEC §3 for the fields the seed names: callSid, stage, attemptCount,
// optional strings ≤ 1024 UTF-16 units, actionType, jobData {id, jobNumber, status, dates},
// lastUpdated, language; unknown fields kept. (The JS peers refuse `null` for an optional field
// where the core drops it; that makes them slightly faster, never slower.)
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import * as seed from './seed.mjs';

const require = createRequire(import.meta.url);
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BACKEND = Symbol.for('callstate.backend');

// --- (b) zod 4 ------------------------------------------------------------------------------

const SID = /^[A-Za-z0-9]{2,64}$/;
const STAGE = /^[A-Z][A-Z0-9_]{0,63}$/;

const isoDate = z.codec(z.iso.datetime({ offset: true }), z.date(), {
  decode: (s) => new Date(s),
  encode: (d) => d.toISOString(),
});
const optText = z.string().max(1024).optional();
const ZJob = z.looseObject({
  id: z.string(),
  jobNumber: z.string(),
  status: z.string(),
  createdDate: isoDate.optional(),
  updatedDate: isoDate.optional(),
  scheduledDate: isoDate.optional(),
});
const ZState = z.looseObject({
  callSid: z.string().regex(SID),
  stage: z.string().regex(STAGE),
  attemptCount: z.int().min(0).max(2147483647),
  clientId: optText,
  jobNumber: optText,
  actionType: z.string().regex(STAGE).optional(),
  actionValue: optText,
  jobData: ZJob.optional(),
  lastUpdated: isoDate,
  language: z.enum(['es', 'en']),
});

const zod = {
  key: 'zod',
  label: 'zod 4',
  encode: (state) => JSON.stringify(ZState.encode(state)),
  decode: (text) => ZState.decode(JSON.parse(text)),
};

// --- (b2) hand-validated JS -----------------------------------------------------------------

const ISO = /^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)$/;

function fail(path) {
  throw new TypeError(`invalid field \`${path}\``);
}
function optStr(v, path) {
  if (v !== undefined && (typeof v !== 'string' || v.length > 1024)) fail(path);
}
function checkFields(s) {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) fail('');
  if (typeof s.callSid !== 'string' || !SID.test(s.callSid)) fail('callSid');
  if (typeof s.stage !== 'string' || !STAGE.test(s.stage)) fail('stage');
  const n = s.attemptCount;
  if (!Number.isInteger(n) || n < 0 || n > 2147483647) fail('attemptCount');
  optStr(s.clientId, 'clientId');
  optStr(s.jobNumber, 'jobNumber');
  optStr(s.actionValue, 'actionValue');
  if (s.actionType !== undefined && (typeof s.actionType !== 'string' || !STAGE.test(s.actionType))) fail('actionType');
  if (s.language !== 'es' && s.language !== 'en') fail('language');
  const j = s.jobData;
  if (j !== undefined) {
    if (typeof j !== 'object' || j === null || Array.isArray(j)) fail('jobData');
    if (typeof j.id !== 'string') fail('jobData.id');
    if (typeof j.jobNumber !== 'string') fail('jobData.jobNumber');
    if (typeof j.status !== 'string') fail('jobData.status');
  }
}
function isoOf(d, path) {
  if (!(d instanceof Date)) fail(path);
  const t = d.getTime();
  if (t !== t) fail(path);
  return d.toISOString();
}
function dateOf(s, path) {
  if (typeof s !== 'string' || !ISO.test(s)) fail(path);
  const d = new Date(s);
  if (d.getTime() !== d.getTime()) fail(path);
  return d;
}

const handJs = {
  key: 'handJs',
  label: 'hand-validated JS',
  encode(state) {
    checkFields(state);
    const out = { ...state, lastUpdated: isoOf(state.lastUpdated, 'lastUpdated') };
    const j = state.jobData;
    if (j !== undefined) {
      const o = { ...j };
      if (j.createdDate !== undefined) o.createdDate = isoOf(j.createdDate, 'jobData.createdDate');
      if (j.updatedDate !== undefined) o.updatedDate = isoOf(j.updatedDate, 'jobData.updatedDate');
      if (j.scheduledDate !== undefined) o.scheduledDate = isoOf(j.scheduledDate, 'jobData.scheduledDate');
      out.jobData = o;
    }
    return JSON.stringify(out);
  },
  decode(text) {
    const s = JSON.parse(text);
    checkFields(s);
    s.lastUpdated = dateOf(s.lastUpdated, 'lastUpdated');
    const j = s.jobData;
    if (j !== undefined) {
      if (j.createdDate !== undefined) j.createdDate = dateOf(j.createdDate, 'jobData.createdDate');
      if (j.updatedDate !== undefined) j.updatedDate = dateOf(j.updatedDate, 'jobData.updatedDate');
      if (j.scheduledDate !== undefined) j.scheduledDate = dateOf(j.scheduledDate, 'jobData.scheduledDate');
    }
    return s;
  },
};

// --- (a) seed and (c) floor ------------------------------------------------------------------

const seedVariant = {
  key: 'seed',
  label: "seed's plain JS",
  encode: seed.serializeCallState,
  decode: seed.deserializeCallState,
};

const floor = {
  key: 'floor',
  label: 'bare JSON (floor)',
  encode: (state) => JSON.stringify(state),
  decode: (text) => JSON.parse(text),
};

// --- (d), (e) the packages -------------------------------------------------------------------

/**
 * The `callstate` package folder (bindings/node) and the `callstate-wasm` one (bindings/wasm) —
 * or, under bench/run.mjs, its snapshot of both (CALLSTATE_BENCH_PACKAGES), so that a rebuild of
 * the work tree during a run cannot swap a module under a running bench.
 */
const PKG_ROOT = process.env.CALLSTATE_BENCH_PACKAGES || join(ROOT, 'bindings');
export const PACKAGES = { native: join(PKG_ROOT, 'node'), wasm: join(PKG_ROOT, 'wasm') };

/** One package's API, checked to run on the core it is named for. */
export function loadPackage(which) {
  const api = require(PACKAGES[which]);
  if (api[BACKEND] !== undefined && api[BACKEND] !== which) {
    throw new Error(`bindings/${which === 'native' ? 'node' : 'wasm'} runs on ${api[BACKEND]}, not ${which}`);
  }
  return api;
}

function packageVariant(which, label, codecOptions) {
  const api = loadPackage(which);
  if (!codecOptions) {
    return { key: which, label, encode: api.serializeCallState, decode: api.deserializeCallState };
  }
  const codec = new api.CallStateCodec(codecOptions);
  return {
    key: `${which}Compressed`,
    label,
    encode: (s) => codec.serializeCallState(s),
    decode: (t) => codec.deserializeCallState(t),
  };
}

/** Compression as the scaling bench configures it: every value over 1 KiB, when smaller. */
export const COMPRESSION = { compression: { thresholdBytes: 1024 } };

/** The six variants of the codec bench, seed first. */
export function codecVariants() {
  return [
    seedVariant,
    zod,
    handJs,
    floor,
    packageVariant('native', 'callstate (napi)'),
    packageVariant('wasm', 'callstate-wasm'),
  ];
}

/** The six, plus both packages with compression on (the scaling bench). */
export function scalingVariants() {
  return [
    ...codecVariants(),
    packageVariant('native', 'callstate (napi), compressed', COMPRESSION),
    packageVariant('wasm', 'callstate-wasm, compressed', COMPRESSION),
  ];
}

/**
 * Every variant must round-trip the state it is measured on (same fields, dates as Dates where
 * the variant revives them): a bench of a codec that silently drops data would be worthless.
 */
export function checkRoundTrip(v, state) {
  const back = v.decode(v.encode(state));
  const want = JSON.stringify(state);
  const got = JSON.stringify(back);
  // Key order may differ (callstate writes schemaVersion/rev/lastUpdated first): compare sorted.
  const canon = (text) => JSON.stringify(sortKeys(JSON.parse(text)));
  if (canon(want) !== canon(got)) throw new Error(`${v.key}: round trip changed the state`);
  if (v.key !== 'floor' && !(back.lastUpdated instanceof Date)) throw new Error(`${v.key}: lastUpdated is not a Date`);
}

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])]));
}
