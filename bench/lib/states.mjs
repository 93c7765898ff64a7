// The states every bench encodes: the seed's sample (514 bytes as the seed's code writes it), the
// large state (jobData with 200 extra fields, ~6.5 KB) and the scaling ladder (~0.5 to 128 KB).
// Deterministic: a fixed-seed PRNG picks words, so every run and every variant sees the same data,
// and the text compresses about as well as a real job record (not a run of one repeated string).
import { sampleState, serializeCallState } from './seed.mjs';

/** The seed's "Redis Storage Format" example with the job dates its serializer requires
 * (514 bytes as the seed writes it), from the project's one vendored copy of the seed. */
export { sampleState };

const WORDS = ('valve pipe leak inspect replace customer approved pending kitchen basement water heater ' +
  'filter pressure gauge fitting copper pvc drain sewer camera quote invoice warranty parts labor ' +
  'technician arrival window confirmed rescheduled notes access gate code north south east west').split(' ');

function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The i-th extra jobData field: mostly short strings, some numbers, flags and small objects. */
function extraField(i, rnd) {
  const word = () => WORDS[(rnd() * WORDS.length) | 0];
  switch (i % 10) {
    case 3: return [`qty${i}`, (rnd() * 1000) | 0];
    case 6: return [`done${i}`, rnd() < 0.5];
    case 9: return [`entry${i}`, { by: word(), note: `${word()} ${word()}` }];
    default: return [`field${i}`, `${word()} ${word()} #${(rnd() * 1000) | 0}`];
  }
}

/** The sample with `n` extra jobData fields (a Twilio IVR's job record as Airtable returns it). */
export function stateWithFields(n, seed = 42) {
  const s = sampleState();
  const rnd = prng(seed);
  const extra = {};
  for (let i = 0; i < n; i++) {
    const [k, v] = extraField(i, rnd);
    extra[k] = v;
  }
  s.jobData = { ...s.jobData, ...extra };
  return s;
}

/** The large state: 200 extra jobData fields. */
export function largeState() {
  return stateWithFields(200);
}

/** The i-th jobData value as a user's job record has them: every JSON type, nested ones too. */
function mixedField(i, rnd) {
  const word = () => WORDS[(rnd() * WORDS.length) | 0];
  switch (i % 8) {
    case 0: return [`note${i}`, `${word()} ${word()} ${word()}`];
    case 1: return [`count${i}`, (rnd() * 10000) | 0];
    case 2: return [`price${i}`, Math.round(rnd() * 100000) / 100];
    case 3: return [`flag${i}`, rnd() < 0.5];
    case 4: return [`contact${i}`, { name: word(), phone: `+3491${(rnd() * 1e7) | 0}`, primary: rnd() < 0.5 }];
    case 5: return [`tags${i}`, [word(), word(), word()]];
    case 6: return [`visits${i}`, [{ at: `2024-03-${String(1 + ((rnd() * 28) | 0)).padStart(2, '0')}`, ok: rnd() < 0.5 }, { at: null, ok: false }]];
    default: return [`code${i}`, `${word().toUpperCase()}-${(rnd() * 1000) | 0}`];
  }
}

/**
 * The large state as users build it (issue 15): the seed's `sampleState` field order (`callSid`
 * first, `lastUpdated` near the end) and 200 extra jobData values of every JSON type — strings,
 * integers, decimals, booleans, nested objects and arrays.
 */
export function largeMixedState(n = 200, seed = 7) {
  const s = sampleState();
  const rnd = prng(seed);
  const extra = {};
  for (let i = 0; i < n; i++) {
    const [k, v] = mixedField(i, rnd);
    extra[k] = v;
  }
  s.jobData = { ...s.jobData, ...extra };
  return s;
}

/**
 * A large state as `deserializeCallState` gives it back (issue 15): the codec's field order
 * (`lastUpdated` first, then the table order; job record fields, then the kept ones), 200 extra
 * jobData strings, and objects made as the shim makes them (`JSON.parse`, then `Date`s), which
 * V8 lays out otherwise than objects built by assignment. codec.mjs checks that the package's
 * decode returns this key order.
 */
export function largeDecodedState(n = 200, seed = 11) {
  const s = sampleState();
  const rnd = prng(seed);
  const word = () => WORDS[(rnd() * WORDS.length) | 0];
  const jobData = { ...s.jobData };
  for (let i = 0; i < n; i++) jobData[`field${i}`] = `${word()} ${word()} #${(rnd() * 1000) | 0}`;
  const { lastUpdated, language, ...rest } = s;
  const out = JSON.parse(JSON.stringify({ lastUpdated, ...rest, jobData, language }));
  out.lastUpdated = new Date(out.lastUpdated);
  for (const f of ['createdDate', 'updatedDate', 'scheduledDate']) out.jobData[f] = new Date(out.jobData[f]);
  return out;
}

/** The codec bench's states, by name: sample, large, and issue 15's two large shapes. */
export function codecStates() {
  return [
    ['sample', sampleState()],
    ['large', largeState()],
    ['largeMixed', largeMixedState()],
    ['largeDecoded', largeDecodedState()],
  ];
}

/** Bytes of the seed's serialization (the size every label refers to). */
export function seedBytes(state) {
  return Buffer.byteLength(serializeCallState(state));
}

/** A state whose seed serialization is about `bytes` long (the smallest one at least that long). */
export function stateOfSize(bytes) {
  if (seedBytes(sampleState()) >= bytes) return sampleState();
  let lo = 0;
  let hi = 1;
  while (seedBytes(stateWithFields(hi)) < bytes) hi *= 2;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (seedBytes(stateWithFields(mid)) < bytes) lo = mid;
    else hi = mid;
  }
  return stateWithFields(hi);
}

/** The scaling ladder: labels and target sizes (~0.5, 2, 8, 32, 128 KB). */
export const LADDER = [
  ['0.5KB', 514],
  ['2KB', 2048],
  ['8KB', 8192],
  ['32KB', 32768],
  ['128KB', 131072],
];
