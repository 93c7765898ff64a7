// The store's `schema` option (issue 14: the user's own state shape), against a real redis-server
// started by scripts/test-store.sh (REDIS_PORT), once per backend (CALLSTATE_BACKEND=native|wasm).
// Each schema library the tests name (zod 4, valibot 1, and a hand-written Standard Schema with an
// async `validate`) must refuse a bad custom field on write — INVALID_FIELD with the field's path,
// and nothing written, checked in Redis itself — and on read: a value put into Redis raw is
// refused by getCallState, and by updateCallState before `fn` runs.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { z } from 'zod';
import * as v from 'valibot';
import { cs, name as backend } from './backend.mjs';

const { createCallStateStore, CallStateError, serializeCallState } = cs;
import Redis from 'ioredis';

const PORT = Number(process.env.REDIS_PORT);
if (!PORT) throw new Error('REDIS_PORT is not set: run through scripts/test-store.sh');
const cli = (...args) => execFileSync('redis-cli', ['-p', String(PORT), ...args]).toString().replace(/\n$/, '');
/** SET with a TTL, the value as given (no shell, no quoting). */
const setRaw = (key, value) => cli('SET', key, value, 'EX', '600');

let n = 0;
const sid = () => `CAschema${backend}${Date.now().toString(36)}x${n++}`;
const keyOf = (id) => `call_state:${id}`;
const good = (callSid, over = {}) => ({
  callSid, stage: 'ASK_ACTION', attemptCount: 0, lastUpdated: new Date('2024-03-15T14:30:22.000Z'),
  language: 'es', callerNumber: '+15551234567', menuPath: ['1', '2'], ...over,
});

/** The custom fields, in each library; loose, so the core's fields and any others pass through. */
const schemas = {
  zod: z.looseObject({
    callerNumber: z.string().regex(/^\+\d{6,15}$/),
    menuPath: z.array(z.string()),
    lastUpdated: z.date(), // the store hands the schema Dates, never strings
  }),
  valibot: v.looseObject({
    callerNumber: v.pipe(v.string(), v.regex(/^\+\d{6,15}$/)),
    menuPath: v.array(v.string()),
    lastUpdated: v.date(),
  }),
  // A Standard Schema by hand, with an async validate and `{ key }` path segments.
  'async by hand': {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: async (value) => {
        await new Promise((r) => setTimeout(r, 5));
        if (typeof value.callerNumber !== 'string' || !/^\+\d{6,15}$/.test(value.callerNumber)) {
          return { issues: [{ message: 'bad number', path: [{ key: 'callerNumber' }] }] };
        }
        const i = Array.isArray(value.menuPath) ? value.menuPath.findIndex((p) => typeof p !== 'string') : 0;
        if (i >= 0) return { issues: [{ message: 'bad menu', path: Array.isArray(value.menuPath) ? [{ key: 'menuPath' }, { key: i }] : ['menuPath'] }] };
        if (!(value.lastUpdated instanceof Date)) return { issues: [{ message: 'not a Date', path: ['lastUpdated'] }] };
        return { value };
      },
    },
  },
};

const isInvalid = (path) => (e) => {
  assert.ok(e instanceof CallStateError, `a CallStateError, not ${e}`);
  assert.equal(e.code, 'INVALID_FIELD');
  assert.equal(e.path, path);
  return true;
};

describe(`store schema (${backend})`, () => {
  let redis;
  before(async () => { redis = new Redis({ port: PORT, host: '127.0.0.1' }); });
  after(async () => { await redis.quit(); });

  test('options.schema must be a Standard Schema v1', () => {
    for (const bad of [{}, { validate: () => ({}) }, { '~standard': { version: 2, validate: () => ({}) } }, 'zod', 42]) {
      assert.throws(() => createCallStateStore(redis, { schema: bad }), isInvalid('options.schema'));
    }
    // null/undefined: no schema; a function with `~standard` (arktype's types are functions) is accepted.
    createCallStateStore(redis, { schema: undefined });
    const fnSchema = Object.assign(() => {}, { '~standard': { version: 1, vendor: 'fn', validate: (value) => ({ value }) } });
    createCallStateStore(redis, { schema: fnSchema });
  });

  for (const [lib, schema] of Object.entries(schemas)) {
    describe(lib, () => {
      let store;
      before(() => { store = createCallStateStore(redis, { onRedisError: 'throw', schema }); });
      after(() => store.close());

      test('a good state is saved, read and updated', async () => {
        const id = sid();
        await store.saveCallState(id, good(id));
        assert.equal(JSON.parse(cli('GET', keyOf(id))).callerNumber, '+15551234567');
        const got = await store.getCallState(id);
        assert.deepEqual(got.menuPath, ['1', '2']);
        assert.ok(got.lastUpdated instanceof Date);
        const next = await store.updateCallState(id, (s) => ({ ...s, menuPath: [...s.menuPath, '3'], attemptCount: 1 }));
        assert.deepEqual(next.menuPath, ['1', '2', '3']);
        assert.deepEqual(JSON.parse(cli('GET', keyOf(id))).menuPath, ['1', '2', '3']);
      });

      test('a bad custom field is refused on save: INVALID_FIELD with its path, nothing written', async () => {
        const id = sid();
        await assert.rejects(store.saveCallState(id, good(id, { menuPath: ['1', 2] })), isInvalid('menuPath.1'));
        assert.equal(cli('EXISTS', keyOf(id)), '0', 'nothing written');
        await store.saveCallState(id, good(id));
        const before = cli('GET', keyOf(id));
        await assert.rejects(store.saveCallState(id, good(id, { callerNumber: 'not a number', lastUpdated: new Date() })),
          isInvalid('callerNumber'));
        assert.equal(cli('GET', keyOf(id)), before, 'the stored value is unchanged');
      });

      test('the core checks its own fields first', async () => {
        const id = sid();
        await assert.rejects(store.saveCallState(id, good(id, { language: 'fr', menuPath: 'x' })), (e) => e.code === 'INVALID_FIELD' && e.path === 'language');
        assert.equal(cli('EXISTS', keyOf(id)), '0');
      });

      test('a bad state returned by fn is refused, nothing written', async () => {
        const id = sid();
        await store.saveCallState(id, good(id));
        const before = cli('GET', keyOf(id));
        await assert.rejects(store.updateCallState(id, (s) => ({ ...s, callerNumber: 5551234 })), isInvalid('callerNumber'));
        assert.equal(cli('GET', keyOf(id)), before, 'the stored value is unchanged');
        // Onto nothing stored, too.
        const fresh = sid();
        await assert.rejects(store.updateCallState(fresh, () => good(fresh, { menuPath: [null] })), isInvalid('menuPath.0'));
        assert.equal(cli('EXISTS', keyOf(fresh)), '0', 'nothing written');
        // null (delete) and undefined (keep) are not states: nothing to check.
        assert.equal((await store.updateCallState(id, () => undefined)).callerNumber, '+15551234567');
        assert.equal(await store.updateCallState(id, () => null), null);
        assert.equal(cli('EXISTS', keyOf(id)), '0');
      });

      test('a bad custom field in Redis is refused on read, and fn never runs', async () => {
        const id = sid();
        // A value another writer stored (valid for the core: its own fields are fine).
        const value = serializeCallState(good(id, { callerNumber: '555' }));
        setRaw(keyOf(id), value);
        await assert.rejects(store.getCallState(id), isInvalid('callerNumber'));
        let ran = 0;
        await assert.rejects(store.updateCallState(id, (s) => { ran++; return s; }), isInvalid('callerNumber'));
        assert.equal(ran, 0, 'fn never saw the state');
        assert.equal(cli('GET', keyOf(id)), value, 'nothing written');
        // Fixed in Redis, it reads again.
        setRaw(keyOf(id), serializeCallState(good(id)));
        assert.equal((await store.getCallState(id)).callerNumber, '+15551234567');
      });

      test('a refused older value is not upgraded in place by the read', async () => {
        const id = sid();
        // v2 (no schemaVersion, has `action`): a read writes the v3 form back — not when refused.
        const v2 = JSON.stringify({ callSid: id, stage: 'ASK_ACTION', attemptCount: 0, lastUpdated: '2024-03-15T14:30:22.000Z',
          language: 'es', action: 'status', callerNumber: 'x', menuPath: [] });
        setRaw(keyOf(id), v2);
        await assert.rejects(store.getCallState(id), isInvalid('callerNumber'));
        assert.equal(cli('GET', keyOf(id)), v2, 'still the v2 value');
      });

      test('fail-open does not swallow a schema failure', async () => {
        const open = createCallStateStore(redis, { schema }); // onRedisError: 'fail-open'
        const id = sid();
        await assert.rejects(open.saveCallState(id, good(id, { menuPath: [1] })), isInvalid('menuPath.0'));
        assert.equal(cli('EXISTS', keyOf(id)), '0');
        setRaw(keyOf(id), serializeCallState(good(id, { callerNumber: '' })));
        await assert.rejects(open.getCallState(id), isInvalid('callerNumber'));
        await open.close();
      });
    });
  }

  test('validate only: the schema\'s output (transforms, stripped keys) is never stored or returned', async () => {
    // z.object strips keys it does not name, and this transform would change the number.
    const schema = z.object({ callerNumber: z.string().transform((s) => s.replace('+', '00')) });
    const store = createCallStateStore(redis, { onRedisError: 'throw', schema });
    const id = sid();
    await store.saveCallState(id, good(id, { extra: { kept: true } }));
    const stored = JSON.parse(cli('GET', keyOf(id)));
    assert.equal(stored.callerNumber, '+15551234567');
    assert.deepEqual(stored.extra, { kept: true });
    const got = await store.getCallState(id);
    assert.equal(got.callerNumber, '+15551234567');
    assert.deepEqual(got.menuPath, ['1', '2']);
    const next = await store.updateCallState(id, (s) => ({ ...s, attemptCount: 2 }));
    assert.equal(next.callerNumber, '+15551234567');
    assert.deepEqual(next.extra, { kept: true });
    await store.close();
  });

  test('zod with an async refinement', async () => {
    const taken = new Set(['+15550000000']);
    const schema = z.looseObject({
      callerNumber: z.string().refine(async (s) => { await new Promise((r) => setTimeout(r, 2)); return !taken.has(s); }, 'blocked number'),
    });
    const store = createCallStateStore(redis, { onRedisError: 'throw', schema });
    const id = sid();
    await store.saveCallState(id, good(id));
    await assert.rejects(store.saveCallState(id, good(id, { callerNumber: '+15550000000', lastUpdated: new Date() })),
      (e) => isInvalid('callerNumber')(e) && /blocked number/.test(e.message));
    assert.equal(JSON.parse(cli('GET', keyOf(id))).callerNumber, '+15551234567');
    await store.close();
  });

  test('a slow schema counts against timeoutMs', async () => {
    const schema = { '~standard': { version: 1, vendor: 'slow', validate: () => new Promise((r) => setTimeout(() => r({ value: 1 }), 300)) } };
    const store = createCallStateStore(redis, { onRedisError: 'throw', schema, timeoutMs: 100 });
    const id = sid();
    await assert.rejects(store.saveCallState(id, good(id)), (e) => e.code === 'REDIS' && /timed out/.test(e.message));
    await new Promise((r) => setTimeout(r, 350)); // the validation has settled: still nothing sent
    assert.equal(cli('EXISTS', keyOf(id)), '0', 'nothing written after the deadline');
    await store.close();
  });

  test('message: one line, the first issue, bounded', async () => {
    const schema = { '~standard': { version: 1, vendor: 'x', validate: () => ({
      issues: [{ message: `line one\nline two ${'y'.repeat(500)}`, path: ['a', { key: 'b' }, 3] }, { message: 'second' }],
    }) } };
    const store = createCallStateStore(redis, { onRedisError: 'throw', schema });
    const id = sid();
    const e = await store.saveCallState(id, good(id)).catch((err) => err);
    assert.equal(e.path, 'a.b.3');
    assert.ok(!e.message.includes('\n'));
    assert.ok(e.message.length < 300, `${e.message.length} chars`);
    assert.match(e.message, /^invalid field `a\.b\.3`: line one line two y+… \(and 1 more\)$/);
    await store.close();
  });
});
