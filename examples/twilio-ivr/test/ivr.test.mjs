// The Twilio Functions IVR under Twilio's local runtime (twilio-run, forking a process per
// request like a cold container) with a real redis-server: the demo's call step by step
// (TwiML and stored state asserted after each webhook, the racing status callback, Twilio's
// retry and the call's end included), then more races, replayed webhooks (one at a time and 20
// at once), a late <Gather> action after the call ended, retries running out, and a call whose
// state expired.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import {
  startServices, newCallSid, newToken, post, callParams, stored, runtimeNotes, gatherAction, EXAMPLE, KEEP_SECONDS,
} from '../local/harness.mjs';
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

/** Puts 10 calls at ASK_ACTION through the store, then sends each caller's "1" and an
 *  "in-progress" status callback (not final: it records, it does not end the call) at the same
 *  moment; neither update may be lost. Then each call's final "completed" callback ends it. */
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
      post(url, '/status', callParams(callSid, { CallStatus: 'in-progress', SequenceNumber: '1' })),
    ]));
    for (const r of replies) assert.equal(r.status, 200, r.body);
    const retried = runtimeNotes(logPath, logAt).notes.filter((l) => /retried/.test(l)).length;
    console.log(`twilio-run (${label}): ${retried} of 20 racing updates retried a compare-and-set`);
    for (const callSid of sids) {
      const { state, ttl } = await stored(reader, callSid);
      assert.equal(state.stage, 'EXECUTE_ACTION', callSid);
      assert.equal(state.actionResult, 'DONE', callSid);
      assert.equal(state.jobData.status, 'COMPLETED', callSid);
      assert.equal(state.callStatus, 'in-progress', `${callSid}: the status callback's update was lost`);
      assert.ok(ttl > 1790 && ttl <= 1800, `TTL ${ttl}`);
    }
    const done = replies.filter((r) => r.path === '/gather').map((r) => r.body);
    assert.ok(done.every((b) => /Listo\. El trabajo 456 quedó completado/.test(b) && /<Hangup\/>/.test(b)), done[0]);
    // The final callbacks: recorded, then the call ends (TTL shortened to the configured keep).
    const ends = await Promise.all(sids.map((callSid) => post(url, '/status', callParams(callSid, { CallStatus: 'completed', CallDuration: '31' }))));
    for (const r of ends) assert.equal(JSON.parse(r.body).ended, true, r.body);
    for (const callSid of sids) {
      const { state, ttl } = await stored(reader, callSid);
      assert.equal(state.callStatus, 'completed');
      assert.equal(state.callDuration, 31);
      assert.equal(state.actionResult, 'DONE');
      assert.ok(ttl > KEEP_SECONDS - 10 && ttl <= KEEP_SECONDS, `TTL after endCall ${ttl}, want ≈${KEEP_SECONDS}`);
    }
  } finally {
    await store.close();
    redis.disconnect();
  }
}

test('racing <Gather> action and status callback, a process per request: nothing lost (10 calls at once)', async () => {
  await raceTen(services, 'a process per request');
});

/** Runs `run` on services of their own in one warm process (twilio-run --no-fork-process). */
async function inWarmProcess(dir, run) {
  const warm = await startServices(join(workDir, dir), { forkProcess: false });
  try {
    await run(warm);
  } finally {
    await warm.stop();
  }
}

test('the same race in one warm process (--no-fork-process): one shared Redis connection', async () => {
  await inWarmProcess('warm', (warm) => raceTen(warm, 'one warm process'));
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
  assert.deepEqual(JSON.parse(r.body), { callSid, stage: null, callStatus: null, ended: false });
  assert.equal((await stored(services.redis, callSid)).value, null);
});

/** A call answered and switched to English: resolves the action URL of its <Gather> (with a turn). */
async function answeredCall(url, callSid) {
  await post(url, '/voice', callParams(callSid, { CallStatus: 'ringing' }));
  const r = await post(url, '/gather', callParams(callSid, { SpeechResult: 'English' }));
  const action = gatherAction(r.body);
  assert.match(action, /^\/gather\?turn=/);
  return action;
}

test('a replayed <Gather> action (same URL and token) writes nothing and answers the first TwiML', async () => {
  const callSid = newCallSid();
  const action = await answeredCall(services.url, callSid);
  const token = newToken();
  const first = await post(services.url, action, callParams(callSid, { Digits: '9999' }), token);
  assert.match(first.body, /could not find that client number/);
  const after = await stored(services.redis, callSid);
  assert.equal(after.state.attemptCount, 1);
  for (let i = 0; i < 2; i++) {
    const again = await post(services.url, action, callParams(callSid, { Digits: '9999' }), token);
    assert.equal(again.status, 200);
    assert.equal(again.body, first.body, 'a retry answers what the first attempt answered');
    const now = await stored(services.redis, callSid);
    assert.equal(now.value, after.value, 'a retry changes nothing stored');
  }
  // The call goes on from the first attempt's <Gather>: the next input is a new request.
  const next = await post(services.url, gatherAction(first.body), callParams(callSid, { Digits: '1234' }));
  assert.match(next.body, /enter the job number/);
  assert.equal((await stored(services.redis, callSid)).state.stage, 'COLLECT_JOB_NUMBER');
});

/** 20 concurrent replays of one <Gather> action (same URL and token): applied once, one TwiML. */
async function replayTwenty(services, label) {
  const callSid = newCallSid();
  const action = await answeredCall(services.url, callSid);
  const token = newToken();
  const logAt = runtimeNotes(services.logPath).size;
  // A wrong client number counts an attempt: applied 20 times it would have ended the call.
  const replies = await Promise.all(Array.from({ length: 20 }, () => post(services.url, action, callParams(callSid, { Digits: '9999' }), token)));
  for (const r of replies) assert.equal(r.status, 200, r.body);
  assert.equal(new Set(replies.map((r) => r.body)).size, 1, 'every attempt answers the same TwiML');
  assert.match(replies[0].body, /could not find that client number/);
  assert.match(replies[0].body, /<Gather/);
  const { state } = await stored(services.redis, callSid);
  assert.equal(state.stage, 'COLLECT_CLIENT_ID');
  assert.equal(state.attemptCount, 1, 'applied once');
  const notes = runtimeNotes(services.logPath, logAt).notes;
  const repeats = notes.filter((l) => /retry of .*nothing written/.test(l)).length;
  const byKey = notes.filter((l) => /the store refused the key/.test(l)).length;
  console.log(`twilio-run (${label}): 20 concurrent replays of one <Gather> action: 1 applied, ${repeats} answered from the stored state ` +
    `(${byKey} refused by the store's idempotency key, ${repeats - byKey} saw the reply already stored)`);
  assert.equal(repeats, 19);
}

test('20 concurrent replays of one <Gather> action apply once and all answer the same TwiML (a process per request)', async () => {
  await replayTwenty(services, 'a process per request');
});

test('the same 20 replays in one warm process (--no-fork-process): applied once', async () => {
  await inWarmProcess('warm-replay', (warm) => replayTwenty(warm, 'one warm process'));
});

test('a late <Gather> action after the final status callback is refused and answered goodbye; nothing changes', async () => {
  const redis = new Redis({ host: '127.0.0.1', port: services.redisPort });
  const store = createCallStateStore(redis);
  try {
    const callSid = newCallSid();
    await store.saveCallState(callSid, {
      callSid, stage: 'ASK_ACTION', attemptCount: 0, language: 'es', clientId: '1234', jobNumber: '456',
      jobData: { id: 'rec123abc', jobNumber: '456', status: 'IN_PROGRESS' }, lastUpdated: new Date(),
    });
    const end = await post(services.url, '/status', callParams(callSid, { CallStatus: 'completed', CallDuration: '12' }));
    assert.deepEqual(JSON.parse(end.body), { callSid, stage: 'ASK_ACTION', callStatus: 'completed', ended: true, keepSeconds: KEEP_SECONDS });
    const ended = await stored(services.redis, callSid);
    assert.ok(ended.ttl > KEEP_SECONDS - 10 && ended.ttl <= KEEP_SECONDS, `TTL after endCall ${ended.ttl}, want ≈${KEEP_SECONDS}`);

    const logAt = runtimeNotes(services.logPath).size;
    const late = await post(services.url, '/gather', callParams(callSid, { Digits: '1' }));
    assert.equal(late.status, 200, late.body);
    assert.match(late.body, /Esta llamada ya terminó/);
    assert.match(late.body, /<Hangup\/>/);
    assert.doesNotMatch(late.body, /<Gather|quedó/);
    assert.ok(runtimeNotes(services.logPath, logAt).notes.some((l) => /after the call ended: refused \(STALE_WRITE\)/.test(l)));
    // A late status callback that is not final is refused too.
    const lateStatus = await post(services.url, '/status', callParams(callSid, { CallStatus: 'in-progress' }));
    assert.deepEqual(JSON.parse(lateStatus.body), { callSid, refused: 'STALE_WRITE', ended: true });

    const after = await stored(services.redis, callSid);
    assert.equal(after.value, ended.value, 'the ended call\'s state is unchanged');
    assert.equal(after.state.stage, 'ASK_ACTION');
    assert.equal(after.state.callStatus, 'completed');
    assert.ok(after.ttl <= KEEP_SECONDS);
    // The store's side of it: no write, no extension after endCall.
    assert.equal(await store.extendCallStateTTL(callSid, 600), null);
    await assert.rejects(store.saveCallState(callSid, { ...after.state, lastUpdated: new Date() }), { code: 'STALE_WRITE' });
  } finally {
    await store.close();
    redis.disconnect();
  }
});
