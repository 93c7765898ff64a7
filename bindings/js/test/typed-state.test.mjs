// Typed state (issue 14): a scratch TypeScript project, compiled with `tsc --strict --noEmit`,
// that imports the built packages' types by name (`callstate`, `callstate-wasm`: symlinks to
// bindings/node and bindings/wasm, as they would be installed) and declares its own state
// (`interface MyState extends CallState { callerNumber; menuPath }`) with zod 4 and valibot
// schemas. Lines marked `@ts-expect-error` must fail to compile: tsc fails on a directive with no
// error, and a second run, with the directives blanked out, must report errors on exactly those
// lines (so each one fails for a real reason, and no other line does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './backend.mjs';

const repo = join(root, '..');
const tsc = join(repo, 'node_modules/.bin/tsc');

const program = `
import {
  createCallStateStore, CallStateCodec, type CallState, type CallStateStore, type StoreOptions,
  type StandardSchemaV1, type OwnFields,
} from 'callstate';
import * as edge from 'callstate-wasm';
import { z } from 'zod';
import * as v from 'valibot';

interface MyState extends CallState {
  callerNumber: string;
  menuPath: string[];
}
declare const redis: { call(...args: any[]): Promise<unknown> };

// Schemas of the custom fields only (loose: the core checks its own), and of the whole state.
const zodSchema = z.looseObject({ callerNumber: z.string().regex(/^\\+\\d{6,15}$/), menuPath: z.array(z.string()) });
const valibotSchema = v.looseObject({ callerNumber: v.pipe(v.string(), v.regex(/^\\+\\d{6,15}$/)), menuPath: v.array(v.string()) });
const whole = z.object({
  callSid: z.string(), stage: z.string(), attemptCount: z.number().int(), lastUpdated: z.date(),
  language: z.enum(['es', 'en']), callerNumber: z.string(), menuPath: z.array(z.string()),
});
const asStandard: StandardSchemaV1<unknown, { callerNumber: string }> = zodSchema;

const store = createCallStateStore<MyState>(redis, { schema: zodSchema });
const viaValibot: CallStateStore<MyState> = createCallStateStore<MyState>(redis, {
  schema: valibotSchema, codec: new CallStateCodec({ keyPrefix: 'ivr:' }), onRedisError: 'throw',
});
const viaWhole = createCallStateStore<MyState>(redis, { schema: whole });
const onWasm: edge.CallStateStore<MyState> = edge.createCallStateStore<MyState>(redis, { schema: valibotSchema });
const options: StoreOptions<MyState> = { schema: asStandard };
// Existing code compiles unchanged: the default state type is the seed's CallState.
const plain: CallStateStore = createCallStateStore(redis);
const plainState: CallState | null = await plain.getCallState('CA1');
const own: OwnFields<MyState> = { callerNumber: '+15551234567', menuPath: [] };

const base = { callSid: 'CA1', stage: 'ASK_ACTION', attemptCount: 0, lastUpdated: new Date(), language: 'es' } as const;
const got = await store.getCallState('CA1');
if (got) {
  const n: string = got.callerNumber;
  const p: string[] = got.menuPath;
  const d: Date = got.lastUpdated;
  void [n, p, d];
}
await store.saveCallState('CA1', { ...base, callerNumber: '+15551234567', menuPath: [] });
const next: MyState | null = await viaValibot.updateCallState('CA1', (cur) => cur && { ...cur, menuPath: [...cur.menuPath, '1'] });
await viaWhole.updateCallState('CA1', async (cur) => (cur ? undefined : null), { maxRetries: 2 });
const codec = new CallStateCodec<MyState>();
const decoded: MyState = codec.deserializeCallState(codec.serializeCallState({ ...base, callerNumber: '+1555', menuPath: ['9'] }));
const record: MyState = codec.decodeRecord('{}').state;
const maybe: MyState | null = codec.safeDeserialize('{}');
void [next, decoded, record, maybe, onWasm, options, plainState, own];

// @ts-expect-error: callerNumber is missing
await store.saveCallState('CA1', { ...base, menuPath: [] });
// @ts-expect-error: a typo in a field name (excess property)
await store.saveCallState('CA1', { ...base, callerNumber: '+1555', menuPath: [], callerNumbr: 'x' });
// @ts-expect-error: menuPath is a string[]
await store.updateCallState('CA1', (cur) => cur && { ...cur, menuPath: 'x' });
// @ts-expect-error: fn may be handed null
await store.updateCallState('CA1', (cur) => ({ ...cur, attemptCount: cur.attemptCount + 1 }));
// @ts-expect-error: the state read may be null
(await store.getCallState('CA1')).callerNumber;
// @ts-expect-error: callerNumber is a string
(await store.getCallState('CA1'))!.callerNumber.toFixed();
// @ts-expect-error: a zod schema that disagrees with MyState (callerNumber: number)
createCallStateStore<MyState>(redis, { schema: z.looseObject({ callerNumber: z.number() }) });
// @ts-expect-error: a valibot schema that disagrees with MyState (menuPath: string)
createCallStateStore<MyState>(redis, { schema: v.looseObject({ menuPath: v.string() }) });
// @ts-expect-error: a schema for fields MyState does not have (a typo in the schema)
createCallStateStore<MyState>(redis, { schema: z.looseObject({ callerNumbr: z.string() }) });
// @ts-expect-error: not a Standard Schema
createCallStateStore<MyState>(redis, { schema: { validate: (x: unknown) => x } });
// @ts-expect-error: a state type must extend CallState
createCallStateStore<{ callerNumber: string }>(redis);
// @ts-expect-error: the seed's CallState has no callerNumber
(await plain.getCallState('CA1'))!.callerNumber;
// @ts-expect-error: the codec's state type is MyState
codec.serializeCallState(base);
// @ts-expect-error: options are still checked
createCallStateStore<MyState>(redis, { schema: zodSchema, timeoutMS: 5 });
`;

const EXPECT = '// @ts-expect-error';

/** Runs tsc --strict on `source` in a scratch project; returns [exit status, output]. */
function compile(source) {
  const dir = mkdtempSync(join(tmpdir(), 'callstate-types-'));
  try {
    const modules = join(dir, 'node_modules');
    mkdirSync(modules);
    // As installed: the package folders by name (their index.d.ts/.d.mts, exports and all).
    symlinkSync(join(root, 'node'), join(modules, 'callstate'));
    symlinkSync(join(root, 'wasm'), join(modules, 'callstate-wasm'));
    for (const dep of ['zod', 'valibot']) symlinkSync(join(repo, 'node_modules', dep), join(modules, dep));
    writeFileSync(join(dir, 'package.json'), '{ "name": "typed-app", "private": true, "type": "module" }\n');
    writeFileSync(join(dir, 'app.mts'), source);
    // `types: []`: no @types package from outside the scratch project.
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', types: [] },
      files: ['app.mts'],
    }));
    try {
      const out = execFileSync(tsc, ['--strict', '--noEmit', '-p', dir], { cwd: dir, encoding: 'utf8' });
      return [0, out];
    } catch (e) {
      return [e.status, `${e.stdout ?? ''}${e.stderr ?? ''}`];
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a typed state with zod and valibot schemas compiles under tsc --strict, and every @ts-expect-error is needed', () => {
  const [status, out] = compile(program);
  assert.equal(status, 0, `tsc --strict failed:\n${out}`);
});

test('with the directives blanked, tsc reports errors on exactly the marked lines', () => {
  const lines = program.split('\n');
  const expected = new Set();
  const blanked = lines.map((line, i) => {
    if (!line.startsWith(EXPECT)) return line;
    expected.add(i + 2); // the next line, 1-based
    return '// (an error is expected on the next line)';
  });
  assert.ok(expected.size >= 10, `only ${expected.size} negative cases`);
  const [status, out] = compile(blanked.join('\n'));
  assert.notEqual(status, 0, 'tsc accepted lines that must not compile');
  const found = new Set([...out.matchAll(/^app\.mts\((\d+),\d+\): error TS\d+/gm)].map((m) => Number(m[1])));
  assert.deepEqual([...found].sort((a, b) => a - b), [...expected].sort((a, b) => a - b), out);
});
