// Every export and option of the codec API (SPEC §2, §3, §9) on the package chosen by
// backend.mjs, plus what the vectors cannot say: interop with the seed's own code, require() and
// import() of both package folders, cross-package values, error objects, __proto__, lone
// surrogates, JS-only inputs (Dates, cycles, BigInt) and the loader's choices.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { cs, esm, other, dirs, name, expected, label, BACKEND, require } from './backend.mjs';

const seed = require('./fixtures/seed.cjs');
const { CallStateCodec, CallStateError } = cs;

const EXPORTS = [
  'ACTIVE_CALL_TTL', 'CallStateCodec', 'CallStateError', 'DEFAULT_TTL', 'compressJobData',
  'consoleMetrics', 'createCallStateStore', 'deserializeCallState', 'generateStateKey', 'getStageTTL',
  'migrateCallState', 'safeDeserialize', 'safeSerialize', 'serializeCallState',
];
const METHODS = [
  'compressJobData', 'decodeRecord', 'deserializeCallState', 'extendedTtl', 'generateStateKey',
  'getStageTTL', 'migrateCallState', 'safeDeserialize', 'safeSerialize', 'serializeCallState',
];

const state = (over = {}) => ({
  callSid: 'CA123abc456def', stage: 'CONFIRM_JOB', attemptCount: 2, clientId: 'ABC123',
  lastUpdated: new Date('2024-03-15T14:30:22.000Z'), language: 'es', ...over,
});

/** Asserts `fn` throws a CallStateError of this package with `code` (and `path` when given). */
function throwsCode(fn, code, path) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof CallStateError, `not a CallStateError: ${e && e.stack}`);
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'CallStateError');
    assert.equal(e.code, code, e.message);
    if (path !== undefined) assert.equal(e.path, path, e.message);
    assert.equal(typeof e.message, 'string');
    assert.ok(!e.message.includes('\n'), 'one-line message');
    assert.equal(typeof e.stack, 'string');
    return true;
  });
}

describe(`package (${label})`, () => {
  test('runs on the expected core', () => {
    assert.equal(cs[BACKEND], expected);
  });

  test('exports exactly the SPEC list, the same by require and import, in both packages', () => {
    assert.deepEqual(Object.keys(cs).sort(), EXPORTS);
    assert.deepEqual(Object.keys(other).sort(), EXPORTS);
    assert.deepEqual(Object.keys(esm).sort(), EXPORTS);
    for (const k of EXPORTS) assert.equal(esm[k], cs[k], `import and require give one ${k}`);
    for (const m of METHODS) assert.equal(typeof CallStateCodec.prototype[m], 'function', m);
    assert.deepEqual(Object.getOwnPropertyNames(CallStateCodec.prototype).sort(), ['constructor', ...METHODS].sort());
  });

  test('require() and import() of both package folders', async () => {
    for (const dir of Object.values(dirs)) {
      const viaRequire = require(dir);
      const viaImport = await import(pathToFileURL(join(dir, 'index.mjs')).href);
      assert.equal(viaImport.serializeCallState, viaRequire.serializeCallState);
      assert.equal(viaImport.generateStateKey('CA1a'), 'call_state:CA1a');
    }
  });

  test('constants', () => {
    assert.equal(cs.DEFAULT_TTL, 3600);
    assert.equal(cs.ACTIVE_CALL_TTL, 7200);
  });
});

describe(`seed interop (${label})`, () => {
  test("seed-written values decode, Dates and all", () => {
    const s = seed.sampleState();
    const got = cs.deserializeCallState(seed.serializeCallState(s));
    assert.deepEqual(got, s);
    assert.ok(got.jobData.createdDate instanceof Date);
  });

  test("our values are read by the seed's own deserializeCallState", () => {
    const s = seed.sampleState();
    const read = seed.deserializeCallState(cs.serializeCallState(s));
    const { schemaVersion, rev, ...rest } = read;
    assert.equal(schemaVersion, 3);
    assert.equal(rev, 0);
    assert.deepEqual(rest, s);
    // A state without jobData: the seed's reader leaves `jobData: undefined`.
    const plain = state();
    const back = seed.deserializeCallState(cs.serializeCallState(plain));
    assert.deepEqual({ ...back, schemaVersion: undefined, rev: undefined, jobData: undefined },
      { ...plain, schemaVersion: undefined, rev: undefined, jobData: undefined });
  });

  test('seed parity of the simple helpers', () => {
    for (const stage of ['COLLECT_CLIENT_ID', 'COLLECT_JOB_NUMBER', 'CONFIRM_JOB', 'ASK_ACTION', 'EXECUTE_ACTION', 'OTHER', 'GOODBYE']) {
      assert.equal(cs.getStageTTL(stage), seed.getStageTTL(stage), stage);
    }
    for (const sid of ['CA123abc456def', 'CAshortid']) assert.equal(cs.generateStateKey(sid), seed.generateStateKey(sid));
    const job = seed.sampleState().jobData;
    assert.equal(cs.compressJobData(job), seed.compressJobData(job));
  });
});

describe(`cross-package (${label})`, () => {
  test('a value encoded by one package decodes in the other', () => {
    const s = seed.sampleState();
    assert.deepEqual(other.deserializeCallState(cs.serializeCallState(s)), s);
    assert.deepEqual(cs.deserializeCallState(other.serializeCallState(s)), s);
    assert.equal(cs.serializeCallState(s), other.serializeCallState(s));
  });

  test('each package has its own CallStateError class (instanceof holds within a package)', () => {
    assert.throws(() => other.deserializeCallState('nope'), other.CallStateError);
    assert.throws(() => cs.deserializeCallState('nope'), CallStateError);
    assert.equal(other.CallStateError === CallStateError, false);
  });
});

describe(`functions and methods (${label})`, () => {
  test('serialize / deserialize / safe*', () => {
    const s = state({ jobData: { id: 'r1', jobNumber: '456', status: 'OPEN', createdDate: new Date(0) } });
    const stored = cs.serializeCallState(s);
    assert.equal(typeof stored, 'string');
    assert.equal(JSON.parse(stored).rev, 0);
    assert.deepEqual(cs.deserializeCallState(stored), s);
    assert.equal(cs.safeSerialize(s), stored);
    assert.deepEqual(cs.safeDeserialize(stored), s);
    // schemaVersion and rev passed in are record metadata: ignored.
    assert.equal(cs.serializeCallState({ ...s, schemaVersion: 9, rev: 77 }), stored);
    for (const bad of ['', 'nope', '{', '[]', 'null', '{"callSid":1}', '\ufeff{}']) {
      assert.equal(cs.safeDeserialize(bad), null, bad);
    }
    for (const bad of [null, undefined, 42, 'x', [], {}, state({ lastUpdated: new Date(NaN) }), state({ attemptCount: 1.5 })]) {
      assert.equal(cs.safeSerialize(bad), null, String(bad));
    }
  });

  test('safe* never throw, whatever they are given', () => {
    const cyc = state(); cyc.self = cyc;
    const weird = [cyc, state({ big: 10n }), Symbol('x'), () => 1, new Proxy({}, { ownKeys() { throw new Error('trap'); } })];
    for (const w of weird) {
      assert.equal(cs.safeSerialize(w), null);
      assert.equal(cs.safeDeserialize(w), null);
    }
  });

  test('getStageTTL, generateStateKey, compressJobData', () => {
    assert.equal(cs.getStageTTL('ASK_ACTION'), 600);
    assert.equal(cs.getStageTTL(undefined), 3600);
    assert.equal(cs.generateStateKey('CA123abc456def'), 'call_state:CA123abc456def');
    throwsCode(() => cs.generateStateKey('CA 1'), 'INVALID_CALL_SID');
    throwsCode(() => cs.generateStateKey(42), 'INVALID_CALL_SID', 'callSid');
    const job = { id: 'r', jobNumber: '4', status: 'S', createdDate: new Date(0), history: [1, 2] };
    assert.equal(cs.compressJobData(job), '{"id":"r","jobNumber":"4","status":"S"}');
    throwsCode(() => cs.compressJobData({ jobNumber: '4', status: 'S' }), 'INVALID_FIELD');
  });

  test('migrateCallState: strings or Dates in, Dates out', () => {
    const data = { callSid: 'CA12', stage: 'ASK_ACTION', attemptCount: 0, lastUpdated: '2024-03-15T14:30:22.000Z', action: 'cancel job' };
    const got = cs.migrateCallState(data, 'v1');
    assert.ok(got.lastUpdated instanceof Date);
    assert.equal(got.language, 'es');
    assert.equal(got.actionType, 'CANCEL_JOB');
    assert.equal('action' in got, false);
    const withDate = cs.migrateCallState({ ...data, lastUpdated: new Date('2024-03-15T14:30:22Z'), language: 'en' }, 'v2');
    assert.equal(withDate.lastUpdated.toISOString(), '2024-03-15T14:30:22.000Z');
    throwsCode(() => cs.migrateCallState(data, 'v4'), 'UNSUPPORTED_VERSION');
    throwsCode(() => cs.migrateCallState(data, 1), 'UNSUPPORTED_VERSION');
  });

  test('decodeRecord and extendedTtl', () => {
    const codec = new CallStateCodec();
    const seedValue = seed.serializeCallState(seed.sampleState());
    const r = codec.decodeRecord(seedValue);
    assert.deepEqual(Object.keys(r).sort(), ['migratedFrom', 'revision', 'schemaVersion', 'state']);
    assert.deepEqual([r.revision, r.schemaVersion, r.migratedFrom], [0, 3, null]);
    assert.ok(r.state.lastUpdated instanceof Date);
    const v1 = JSON.stringify({ callSid: 'CA12', stage: 'ASK_ACTION', attemptCount: 0, lastUpdated: '2024-03-15T14:30:22.000Z' });
    const r1 = codec.decodeRecord(v1);
    assert.deepEqual([r1.schemaVersion, r1.migratedFrom, r1.state.language], [1, 1, 'es']);
    const stored = JSON.parse(codec.serializeCallState(state()));
    assert.equal(codec.decodeRecord(JSON.stringify({ ...stored, rev: 41 })).revision, 41);
    assert.equal(codec.extendedTtl(100, 50), 150);
    assert.equal(codec.extendedTtl(7000, 500), 7200);
    assert.equal(codec.extendedTtl(8000, 1), 8000, 'never shortens');
    assert.equal(codec.extendedTtl(-2, 10), null);
    assert.equal(codec.extendedTtl(-1, 10), null);
    assert.equal(codec.extendedTtl(0, 10), null);
    throwsCode(() => codec.extendedTtl(100, 0), 'INVALID_FIELD');
    throwsCode(() => codec.extendedTtl(100, 1.5), 'INVALID_FIELD');
    throwsCode(() => codec.extendedTtl(100, '5'), 'INVALID_FIELD');
  });
});

describe(`options (${label})`, () => {
  test('every option changes what it should', () => {
    const c = new CallStateCodec({
      keyPrefix: 'ivr:', hashTag: true, callSid: 'twilio',
      ttl: { default: 100, max: 500, stages: { ASK_ACTION: 42 } },
      actionTypeMap: { upd: 'UPDATE_STATUS' }, maxBytes: 4096,
    });
    const sid = `CA${'a'.repeat(32)}`;
    assert.equal(c.generateStateKey(sid), `ivr:{${sid}}`);
    throwsCode(() => c.generateStateKey('CA123abc456def'), 'INVALID_CALL_SID');
    assert.deepEqual([c.getStageTTL('ASK_ACTION'), c.getStageTTL('CONFIRM_JOB'), c.getStageTTL('X')], [42, 600, 100]);
    assert.equal(c.extendedTtl(450, 100), 500);
    const m = c.migrateCallState({ callSid: sid, stage: 'A', attemptCount: 0, lastUpdated: new Date(0), language: 'en', action: 'upd' }, 'v2');
    assert.equal(m.actionType, 'UPDATE_STATUS');
    throwsCode(() => c.serializeCallState(state({ callSid: sid, notes: 'x'.repeat(5000) })), 'TOO_LARGE');
    throwsCode(() => c.deserializeCallState('x'.repeat(5000)), 'TOO_LARGE');
  });

  test('compression: off by default, read by every codec, keepJobFields', () => {
    const big = state({ jobData: { id: 'r', jobNumber: '4', status: 'S', history: Array.from({ length: 50 }, (_, i) => `event ${i}`) } });
    const plainValue = cs.serializeCallState(big);
    assert.equal('compressed' in JSON.parse(plainValue), false);
    const c = new CallStateCodec({ compression: { thresholdBytes: 200 } });
    const packed = c.serializeCallState(big);
    assert.ok('compressed' in JSON.parse(packed) && packed.length < plainValue.length);
    assert.deepEqual(cs.deserializeCallState(packed), big, 'a default codec reads it');
    const keep = new CallStateCodec({ compression: { thresholdBytes: 200, keepJobFields: true } });
    assert.equal(keep.deserializeCallState(keep.serializeCallState(big)).jobData.history, undefined);
    const list = new CallStateCodec({ compression: { thresholdBytes: 200, keepJobFields: ['history'] } });
    assert.deepEqual(list.deserializeCallState(list.serializeCallState(big)), big);
    throwsCode(() => cs.deserializeCallState('{"schemaVersion":3,"rev":0,"compressed":"!!"}'), 'BAD_COMPRESSION');
  });

  test('invalid options: INVALID_FIELD with the full path, checked strictly', () => {
    throwsCode(() => new CallStateCodec({ keyprefix: 'x' }), 'INVALID_FIELD', 'options.keyprefix');
    throwsCode(() => new CallStateCodec({ ttl: { stages: { ASK_ACTION: 0 } } }), 'INVALID_FIELD', 'options.ttl.stages.ASK_ACTION');
    throwsCode(() => new CallStateCodec({ keyPrefix: 'a b' }), 'INVALID_FIELD', 'options.keyPrefix');
    throwsCode(() => new CallStateCodec({ ttl: () => 5 }), 'INVALID_FIELD', 'options.ttl');
    // NaN and ±Infinity (a misread environment variable) are refused, never read as "not given".
    throwsCode(() => new CallStateCodec({ ttl: { default: Number(undefined) } }), 'INVALID_FIELD', 'options.ttl.default');
    throwsCode(() => new CallStateCodec({ ttl: { max: parseInt('', 10) } }), 'INVALID_FIELD', 'options.ttl.max');
    throwsCode(() => new CallStateCodec({ maxBytes: Infinity }), 'INVALID_FIELD', 'options.maxBytes');
    throwsCode(() => new CallStateCodec({ keyPrefix: NaN }), 'INVALID_FIELD', 'options.keyPrefix');
    throwsCode(() => new CallStateCodec({ compression: { thresholdBytes: 100, keepJobFields: [NaN] } }), 'INVALID_FIELD', 'options.compression.keepJobFields.0');
    throwsCode(() => new CallStateCodec({ maxBytes: 10n }), 'INVALID_FIELD');
    throwsCode(() => new CallStateCodec(5), 'INVALID_FIELD');
    assert.ok(new CallStateCodec(undefined) instanceof CallStateCodec);
    assert.ok(new CallStateCodec(null) instanceof CallStateCodec);
    assert.ok(new CallStateCodec({}) instanceof CallStateCodec);
    assert.ok(new CallStateCodec({ keyPrefix: undefined }) instanceof CallStateCodec);
  });
});

describe(`JS inputs and the boundary (${label})`, () => {
  test('Dates: Invalid Date is INVALID_DATE (never 1970), dates of other realms work', () => {
    throwsCode(() => cs.serializeCallState(state({ lastUpdated: new Date(NaN) })), 'INVALID_DATE', 'lastUpdated');
    const job = { id: 'r', jobNumber: '4', status: 'S', updatedDate: new Date('x') };
    throwsCode(() => cs.serializeCallState(state({ jobData: job })), 'INVALID_DATE', 'jobData.updatedDate');
    throwsCode(() => cs.serializeCallState(state({ lastUpdated: 'yesterday' })), 'INVALID_DATE', 'lastUpdated');
    throwsCode(() => cs.serializeCallState(state({ lastUpdated: new Date('+010000-01-01T00:00:00Z') })), 'INVALID_DATE', 'lastUpdated');
    const foreign = vm.runInNewContext('new Date("2024-03-15T14:30:22.000Z")');
    assert.equal(foreign instanceof Date, false);
    const back = cs.deserializeCallState(cs.serializeCallState(state({ lastUpdated: foreign })));
    assert.equal(back.lastUpdated.toISOString(), '2024-03-15T14:30:22.000Z');
    assert.equal(JSON.parse(cs.serializeCallState(state({ lastUpdated: '2024-03-15T14:30:22.000Z' }))).lastUpdated, '2024-03-15T14:30:22.000Z');
  });

  test('dates are written exactly as toISOString and read back to the millisecond', () => {
    const edges = [0, -1, 1, 86399999, 86400000, 951782400000, 951868799999, 4107542399999, 4107542400000,
      -62167219200000, -62135596800001, -59011459200000, -59011459200001, -2208988800001, 253402300799999];
    const random = Array.from({ length: 300 }, () => Math.floor(Math.random() * 253402300800000) - 62167219200000);
    for (const t of [...edges, ...random]) {
      const d = new Date(t);
      const stored = cs.serializeCallState(state({ lastUpdated: d, jobData: { id: 'r', jobNumber: '1', status: 'S', scheduledDate: d } }));
      const p = JSON.parse(stored);
      assert.equal(p.lastUpdated, d.toISOString(), String(t));
      assert.equal(p.jobData.scheduledDate, d.toISOString(), String(t));
      const back = cs.deserializeCallState(stored);
      assert.equal(back.lastUpdated.getTime(), t, String(t));
      assert.equal(back.jobData.scheduledDate.getTime(), t, String(t));
    }
  });

  test('field order and large job records: the same stored text and the same errors either way', () => {
    // The shim puts known fields in written order and leaves a large jobData uncopied when
    // JSON.stringify writes its dates itself; neither may change what is stored or refused.
    const big = { id: 'r', jobNumber: '4', status: 'S', createdDate: new Date('2024-03-01T09:00:00.000Z') };
    for (let i = 0; i < 40; i++) big[`f${i}`] = i % 3 ? `v${i}` : { n: i, a: [i, true, null] };
    const want = cs.serializeCallState(state({ jobData: big }));
    const decoded = cs.deserializeCallState(want);
    const { clientId, ...rest } = decoded;
    assert.equal(cs.serializeCallState(decoded), want);
    assert.equal(cs.serializeCallState({ ...rest, clientId }), want); // a field added last
    const reversed = Object.fromEntries(Object.entries(decoded).reverse());
    assert.equal(cs.serializeCallState(reversed), want);
    assert.equal(cs.serializeCallState({ ...decoded, jobData: { ...decoded.jobData } }), want);
    // Dates the builtin JSON.stringify would write otherwise than toISOString: each still goes
    // through the shim's conversion, in a large record as in a small one.
    for (const small of [true, false]) {
      const job = (over) => {
        const j = { ...(small ? { id: 'r', jobNumber: '4', status: 'S' } : big), ...over };
        return state({ jobData: j });
      };
      throwsCode(() => cs.serializeCallState(job({ updatedDate: new Date(NaN) })), 'INVALID_DATE', 'jobData.updatedDate');
      const foreign = vm.runInNewContext('new Date("2024-03-15T14:30:22.000Z")');
      assert.equal(JSON.parse(cs.serializeCallState(job({ scheduledDate: foreign }))).jobData.scheduledDate, '2024-03-15T14:30:22.000Z');
      const odd = new Date('2024-03-15T14:30:22.000Z');
      odd.toJSON = () => 'not a date';
      assert.equal(JSON.parse(cs.serializeCallState(job({ scheduledDate: odd }))).jobData.scheduledDate, '2024-03-15T14:30:22.000Z');
      class Later extends Date { toISOString() { return 'later'; } }
      assert.equal(JSON.parse(cs.serializeCallState(job({ scheduledDate: new Later(0) }))).jobData.scheduledDate, '1970-01-01T00:00:00.000Z');
    }
  });

  test('cycles and deep nesting are TOO_DEEP, BigInt is INVALID_FIELD', () => {
    const cyc = state(); cyc.extra = { back: cyc };
    throwsCode(() => cs.serializeCallState(cyc), 'TOO_DEEP');
    let deep = {}; for (let i = 0; i < 100; i++) deep = { deep };
    throwsCode(() => cs.serializeCallState(state({ deep })), 'TOO_DEEP');
    let deeper = {}; for (let i = 0; i < 20000; i++) deeper = { deeper };
    throwsCode(() => cs.serializeCallState(state({ deeper })), 'TOO_DEEP');
    throwsCode(() => cs.serializeCallState(state({ n: 1n })), 'INVALID_FIELD');
  });

  test('__proto__ keys stay own data, in and out, and nothing is polluted', () => {
    const stored = '{"callSid":"CA12","stage":"A","attemptCount":0,"lastUpdated":"2024-03-15T14:30:22.000Z","language":"es","__proto__":{"polluted":true},"x":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}}}}';
    const got = cs.deserializeCallState(stored);
    assert.equal(Object.getPrototypeOf(got), Object.prototype);
    assert.equal(Object.getPrototypeOf(got.x), Object.prototype);
    assert.ok(Object.hasOwn(got, '__proto__'));
    assert.deepEqual(Object.getOwnPropertyDescriptor(got, '__proto__').value, { polluted: true });
    assert.equal(got.polluted, undefined);
    assert.equal(({}).polluted, undefined);
    // Written back unchanged (the state came from JSON.parse, so the key is own data).
    const again = cs.deserializeCallState(cs.serializeCallState(got));
    assert.ok(Object.hasOwn(again, '__proto__'));
    assert.deepEqual(JSON.parse(JSON.stringify(again)), JSON.parse(JSON.stringify(got)));
    assert.equal(({}).polluted, undefined);
  });

  test('lone surrogates round-trip unchanged, escaped or raw in the stored text', () => {
    const s = state({ clientId: 'a\ud800b', actionValue: '\udfff', note: { k: 'x\udbff' }, ['\ud83d']: 'key' });
    const stored = cs.serializeCallState(s);
    assert.ok(stored.includes('"a\\ud800b"'), 'written as JSON.stringify writes it');
    assert.deepEqual(cs.deserializeCallState(stored), s);
    // The same text with raw lone surrogates (a JS string, as JSON.parse accepts it).
    const raw = JSON.stringify({ ...JSON.parse(stored), clientId: 'zz' }).replace('"zz"', '"\ud800\ud800"');
    assert.equal(cs.deserializeCallState(raw).clientId, '\ud800\ud800');
    // Well-formed pairs are not touched.
    assert.equal(cs.deserializeCallState(cs.serializeCallState(state({ clientId: '😀' }))).clientId, '😀');
  });

  test('thrown values are always Error objects, never bare strings', () => {
    const codec = new CallStateCodec();
    const calls = [
      () => codec.deserializeCallState('{'), () => codec.serializeCallState({}), () => codec.decodeRecord('1'),
      () => codec.generateStateKey(''), () => codec.migrateCallState(null, 'v1'), () => codec.compressJobData(7),
      () => codec.extendedTtl(NaN, NaN), () => new CallStateCodec({ nope: 1 }),
    ];
    for (const call of calls) {
      assert.throws(call, (e) => e instanceof CallStateError && typeof e.code === 'string');
    }
  });

  test('errors carry code, path, name, message, cause', () => {
    const e = new CallStateError('REDIS', 'redis: down', undefined, new Error('ECONNREFUSED'));
    assert.equal(e.name, 'CallStateError');
    assert.equal(e.cause.message, 'ECONNREFUSED');
    assert.equal(String(e), 'CallStateError: redis: down');
    throwsCode(() => cs.deserializeCallState('{"callSid":"CA12","stage":"A","attemptCount":-1,"lastUpdated":"2024-03-15T14:30:22.000Z","language":"es"}'), 'INVALID_FIELD', 'attemptCount');
    throwsCode(() => cs.deserializeCallState('[1]'), 'INVALID_FIELD', '');
    throwsCode(() => cs.deserializeCallState('{"a":'), 'INVALID_JSON');
  });
});

describe(`loader (${label})`, () => {
  const backendOf = (env) => execFileSync(process.execPath, ['-e',
    `process.stdout.write(require(${JSON.stringify(dirs.native)})[Symbol.for('callstate.backend')])`],
  { env: { ...process.env, ...env } }).toString();

  test('CALLSTATE_FORCE_WASM is on only for exactly "1"', () => {
    assert.equal(backendOf({ CALLSTATE_FORCE_WASM: '1' }), 'wasm');
    for (const v of ['0', 'false', 'true', ' 1', '']) assert.equal(backendOf({ CALLSTATE_FORCE_WASM: v }), 'native', `=${JSON.stringify(v)}`);
  });

  test('when nothing loads, one Error lists every attempt in its cause chain', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'callstate-loader-'));
    try {
      const pkg = join(tmp, 'node_modules', 'callstate');
      cpSync(join(dirs.native, 'index.js'), join(pkg, 'index.js'));
      cpSync(join(dirs.native, 'shim.cjs'), join(pkg, 'shim.cjs'));
      const out = execFileSync(process.execPath, ['-e', `
        try { require(${JSON.stringify(pkg)}); } catch (e) {
          const chain = []; for (let c = e.cause; c; c = c.cause) chain.push(c.message.split(':')[0]);
          process.stdout.write(JSON.stringify({ message: e.message, chain }));
        }`], { cwd: tmp, env: { ...process.env, CALLSTATE_FORCE_WASM: '' } }).toString();
      const { message, chain } = JSON.parse(out);
      assert.match(message, /no core could be loaded/);
      // No local .node here, so only the platform packages and the WASM builds. On Linux: glibc,
      // then musl (tried on musl, named as skipped on glibc), for this process's arch.
      const { platform, arch } = process;
      const native = platform === 'linux' ? [`linux-${arch}-gnu`, `linux-${arch}-musl`]
        : platform === 'win32' ? [`win32-${arch}-msvc`] : [`${platform}-${arch}`];
      assert.deepEqual(chain, [...native.map((n) => `callstate-${n}`), 'callstate-wasm/raw', '../wasm (repository)']);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

if (name === 'wasm') {
  test('the web (ESM) build works when given its module (as workerd.mjs does)', async () => {
    const { readFileSync } = await import('node:fs');
    const glue = await import(pathToFileURL(join(dirs.wasm, 'pkg', 'web', 'callstate_wasm.js')).href);
    const { createApi } = await import(pathToFileURL(join(dirs.wasm, 'shim.mjs')).href);
    glue.initSync({ module: readFileSync(join(dirs.wasm, 'pkg', 'web', 'callstate_wasm_bg.wasm')) });
    const api = createApi(glue.RawCodec, 'wasm');
    assert.deepEqual(Object.keys(api).sort(), EXPORTS);
    const s = seed.sampleState();
    assert.equal(api.serializeCallState(s), cs.serializeCallState(s));
    assert.deepEqual(api.deserializeCallState(cs.serializeCallState(s)), s);
  });
}

describe(`the copies of the core's tables (${label})`, () => {
  // bindings/js/build.mjs writes these blocks from the core's `tables` plan; this checks the
  // shipped files against the core that is running, so a stale copy cannot ship.
  const { generatedBlock, generatedBlocks } = require('../generated.mjs');
  const { readFileSync } = require('node:fs');
  const tables = JSON.parse(cs[Symbol.for('callstate.internals')].plan(new CallStateCodec(), 'tables', []));

  test('shim.mjs and index.d.ts of the package hold exactly the generated blocks', () => {
    const want = generatedBlocks(tables);
    for (const [file, shipped] of [['shim.mjs', 'shim.mjs'], ['index.d.ts', 'index.d.ts'], ['index.d.ts', 'index.d.mts']]) {
      assert.equal(generatedBlock(readFileSync(join(dirs[name], shipped), 'utf8')), want[file], shipped);
    }
  });

  test('the tables say what the codec does', () => {
    assert.equal(cs.DEFAULT_TTL, tables.defaultTtl);
    assert.equal(cs.ACTIVE_CALL_TTL, tables.activeCallTtl);
    assert.deepEqual(tables.state.filter((f) => f.required).map((f) => f.name).sort(),
      ['attemptCount', 'callSid', 'language', 'lastUpdated', 'stage']);
    // Every date field of either table comes back as a Date.
    const job = { id: '1', jobNumber: 'J', status: 'open' };
    for (const f of tables.job.filter((f) => f.kind === 'date')) job[f.name] = new Date('2024-01-02T03:04:05.000Z');
    const back = cs.deserializeCallState(cs.serializeCallState(state({ jobData: job })));
    for (const f of tables.job.filter((f) => f.kind === 'date')) assert.ok(back.jobData[f.name] instanceof Date, f.name);
    assert.ok(back.lastUpdated instanceof Date);
    // Every code can reach JS as a CallStateError with that code.
    assert.throws(() => cs[Symbol.for('callstate.internals')].plan(new CallStateCodec(), 'conflict', ['3']),
      (e) => e instanceof CallStateError && e.code === 'CONFLICT' && /3 times/.test(e.message));
  });
});
