// The Twilio Functions IVR under Twilio's local runtime (twilio-run, forking a process per
// request like a cold container) with a real redis-server: the demo's call step by step
// (TwiML and stored state asserted after each webhook, the racing status callback included),
// then more races, retries running out, and a call whose state expired.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { startServices, newCallSid, post, callParams, stored, runtimeNotes, EXAMPLE } from '../local/harness.mjs';
import { callSteps, playCall } from '../local/call.mjs';

const require = createRequire(join(EXAMPLE, 'package.json'));
const { createCallStateStore } = require('callstate');
const Redis = require('ioredis');

let services;
let workDir;

before(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'callstate-ivr-test-'));
  services = await startServices(workDir);
});

after(async () => {
  await services?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test('the demo call: every step answers the expected TwiML and leaves the expected state', async (t) => {
  const callSid = newCallSid();
  const steps = callSteps(callSid);
  let n = 0;
  await playCall(services.url, services.redis, callSid, steps, async (step, r) => {
    n += 1;
    await t.test(`${n}. ${step.what}`, () => {
      assert.deepEqual(r.problems, [], `${r.responses.map((x) => x.body).join('\n')}\nstored: ${r.value}`);
    });
  });
  assert.equal(n, steps.length);
});

/** Puts 10 calls at ASK_ACTION through the store, then sends each caller's "1" and the
 *  "completed" status callback at the same moment; neither update may be lost. */
async function raceTen({ url, redisPort, redis: reader, logPath }, label) {
  const redis = new Redis({ host: '127.0.0.1', port: redisPort });
  const store = createCallStateStore(redis);
  try {
    const sids = Array.from({ length: 10 }, newCallSid);
    await Promise.all(sids.map((callSid) => store.saveCallState(callSid, {
      callSid, stage: 'ASK_ACTION', attemptCount: 0, language: 'es', clientId: '1234', jobNumber: '456',
      jobData: { id: 'rec123abc', jobNumber: '456', status: 'IN_PROGRESS' }, lastUpdated: new Date(),
    })));
    const logAt = runtimeNotes(logPath).size;
    const replies = await Promise.all(sids.flatMap((callSid) => [
      post(url, '/gather', callParams(callSid, { Digits: '1' })),
      post(url, '/status', callParams(callSid, { CallStatus: 'completed', CallDuration: '31' })),
    ]));
    for (const r of replies) assert.equal(r.status, 200, r.body);
    const retried = runtimeNotes(logPath, logAt).notes.filter((l) => /retried/.test(l)).length;
    console.log(`twilio-run (${label}): ${retried} of 20 racing updates retried a compare-and-set`);
    for (const callSid of sids) {
      const { state, ttl } = await stored(reader, callSid);
      assert.equal(state.stage, 'EXECUTE_ACTION', callSid);
      assert.equal(state.actionResult, 'DONE', callSid);
      assert.equal(state.jobData.status, 'COMPLETED', callSid);
      assert.equal(state.callStatus, 'completed', `${callSid}: the status callback's update was lost`);
      assert.equal(state.callDuration, 31);
      assert.ok(ttl > 1790 && ttl <= 1800, `TTL ${ttl}`);
    }
    const done = replies.filter((r) => r.path === '/gather').map((r) => r.body);
    assert.ok(done.every((b) => /Listo\. El trabajo 456 quedó completado/.test(b) && /<Hangup\/>/.test(b)), done[0]);
  } finally {
    await store.close();
    redis.disconnect();
  }
}

test('racing <Gather> action and status callback, a process per request: nothing lost (10 calls at once)', async () => {
  await raceTen(services, 'a process per request');
});

test('the same race in one warm process (--no-fork-process): one shared Redis connection', async () => {
  const warm = await startServices(join(workDir, 'warm'), { forkProcess: false });
  try {
    await raceTen(warm, 'one warm process');
  } finally {
    await warm.stop();
  }
});

test('silence and wrong input count attempts; the third ends the call (TRANSFER_TO_AGENT)', async () => {
  const callSid = newCallSid();
  const p = (extra) => callParams(callSid, extra);
  assert.equal((await post(services.url, '/voice', p({ CallStatus: 'ringing' }))).status, 200);
  let r = await post(services.url, '/gather', p({})); // <Redirect> after a silent <Gather>
  assert.match(r.body, /No recibimos su respuesta/);
  assert.equal((await stored(services.redis, callSid)).state.attemptCount, 1);
  r = await post(services.url, '/gather', p({ Digits: '9999' }));
  assert.match(r.body, /No encontramos ese número de cliente/);
  assert.match(r.body, /<Gather/);
  r = await post(services.url, '/gather', p({ Digits: '0000' }));
  assert.match(r.body, /Demasiados intentos/);
  assert.match(r.body, /<Hangup\/>/);
  assert.doesNotMatch(r.body, /<Gather/);
  const { state, ttl } = await stored(services.redis, callSid);
  assert.equal(state.stage, 'TRANSFER_TO_AGENT');
  assert.equal(state.attemptCount, 3);
  assert.ok(ttl > 3590 && ttl <= 3600, `unknown stages get DEFAULT_TTL, got ${ttl}`);
});

test('a call whose state expired starts over instead of failing', async () => {
  const callSid = newCallSid();
  const r = await post(services.url, '/gather', callParams(callSid, { Digits: '456' }));
  assert.equal(r.status, 200);
  assert.match(r.body, /Empecemos de nuevo/);
  const { state, ttl } = await stored(services.redis, callSid);
  assert.equal(state.stage, 'COLLECT_CLIENT_ID');
  assert.ok(ttl > 290 && ttl <= 300);
});

test('a status callback for a call with no state leaves it absent', async () => {
  const callSid = newCallSid();
  const r = await post(services.url, '/status', callParams(callSid, { CallStatus: 'completed' }));
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body), { callSid, stage: null, callStatus: null });
  assert.equal((await stored(services.redis, callSid)).value, null);
});
