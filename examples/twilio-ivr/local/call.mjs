// One full call through the IVR, as the webhooks Twilio would send, with what each step must
// leave behind. The demo prints it as a transcript; the test asserts it. Same steps for both.
import { post, callParams, stored, gatherAction, KEEP_SECONDS } from './harness.mjs';

/**
 * The call: `what` (the caller's side), the request(s) — two at once for the race — and the
 * expected TwiML and stored state afterwards. A `/gather` request goes to the action URL of the
 * last <Gather> answered, as Twilio's would; `retry: n` sends step n's <Gather> action again
 * exactly (same URL, parameters and I-Twilio-Idempotency-Token), as Twilio does when a webhook
 * timed out. `unchanged`: the stored value is byte for byte the one before; `sameTwiml`: the
 * TwiML is the one step `retry` answered; `json`: fields of the status callback's answer.
 */
export function callSteps(callSid) {
  const p = (extra) => callParams(callSid, extra);
  return [
    {
      what: 'Incoming call (Twilio → /voice)',
      requests: [['/voice', p({ CallStatus: 'ringing' })]],
      expect: { twiml: [/<Gather[^>]*action="\/gather"/, /Bienvenido/], stage: 'COLLECT_CLIENT_ID', attemptCount: 0, language: 'es', ttl: 300 },
    },
    {
      what: 'Caller says "English, please"',
      requests: [['/gather', p({ SpeechResult: 'English, please.', Confidence: '0.91' })]],
      expect: { twiml: [/language="en-US"/, /Enter your client number/], stage: 'COLLECT_CLIENT_ID', attemptCount: 0, language: 'en', ttl: 300 },
    },
    {
      what: 'Caller keys 1234#',
      requests: [['/gather', p({ Digits: '1234', FinishedOnKey: '#' })]],
      expect: { twiml: [/enter the job number/], stage: 'COLLECT_JOB_NUMBER', attemptCount: 0, clientId: '1234', ttl: 300 },
    },
    {
      what: 'Caller keys 456#',
      requests: [['/gather', p({ Digits: '456', FinishedOnKey: '#' })]],
      expect: { twiml: [/Job 456 is in progress/], stage: 'CONFIRM_JOB', attemptCount: 0, jobNumber: '456', jobStatus: 'IN_PROGRESS', ttl: 600 },
    },
    {
      what: 'Caller presses 7 (not an option: retried)',
      requests: [['/gather', p({ Digits: '7' })]],
      expect: { twiml: [/That is not an option/, /To continue with this job, press 1/], stage: 'CONFIRM_JOB', attemptCount: 1, ttl: 600 },
    },
    {
      what: 'Caller presses 1 (continue with job 456)',
      requests: [['/gather', p({ Digits: '1' })]],
      expect: { twiml: [/Press 1 to mark it completed/], stage: 'ASK_ACTION', attemptCount: 0, ttl: 600 },
    },
    {
      what: 'Caller presses 1 (mark completed) while the "in-progress" status callback arrives: the <Gather> action and the status callback race',
      requests: [
        ['/gather', p({ Digits: '1' })],
        ['/status', p({ CallStatus: 'in-progress', SequenceNumber: '1' })],
      ],
      expect: {
        twiml: [/Job 456 is now completed/, /<Hangup\/>/], stage: 'EXECUTE_ACTION', attemptCount: 0,
        actionType: 'UPDATE_STATUS', actionValue: 'COMPLETED', actionResult: 'DONE', jobStatus: 'COMPLETED',
        callStatus: 'in-progress', language: 'en', clientId: '1234', jobNumber: '456', ttl: 1800,
        json: { callStatus: 'in-progress', ended: false }, // its stage: whichever racer wrote first
      },
    },
    {
      what: 'Twilio retries that <Gather> action (its answer was late): same URL, same I-Twilio-Idempotency-Token',
      retry: 6,
      expect: {
        twiml: [/Job 456 is now completed/, /<Hangup\/>/], sameTwiml: true, unchanged: true,
        stage: 'EXECUTE_ACTION', actionResult: 'DONE', jobStatus: 'COMPLETED', ttl: 1800,
      },
    },
    {
      what: 'Caller hangs up: the final "completed" status callback ends the call (endCall)',
      requests: [['/status', p({ CallStatus: 'completed', CallDuration: '47', SequenceNumber: '2' })]],
      expect: {
        stage: 'EXECUTE_ACTION', actionResult: 'DONE', callStatus: 'completed', callDuration: 47, ttl: KEEP_SECONDS,
        json: { stage: 'EXECUTE_ACTION', callStatus: 'completed', ended: true, keepSeconds: KEEP_SECONDS },
      },
    },
  ];
}

/** Plays `steps` against the service at `url`; calls `onStep(step, result)` after each. */
export async function playCall(url, redis, callSid, steps, onStep = () => {}) {
  const results = [];
  let action = null; // the last <Gather>'s action URL
  let before = await stored(redis, callSid);
  for (const step of steps) {
    const sends = step.retry !== undefined
      ? results[step.retry].responses.filter((r) => r.type.includes('xml')).map((r) => post(url, r.path, r.params, r.token))
      : step.requests.map(([path, params]) => post(url, path === '/gather' && action ? action : path, params));
    const responses = await Promise.all(sends);
    const after = await stored(redis, callSid);
    const first = step.retry !== undefined ? results[step.retry].responses : null;
    const result = { responses, ...after, problems: check(step.expect, responses, after, { before, first }) };
    results.push(result);
    for (const r of responses) if (r.type.includes('xml')) action = gatherAction(r.body) ?? action;
    before = after;
    await onStep(step, result);
  }
  return results;
}

/** What differs from the expectation, as sentences (empty when all holds). */
export function check(expect, responses, { state, ttl, value }, { before, first } = {}) {
  const problems = [];
  for (const r of responses) {
    if (r.status !== 200) problems.push(`${r.path} answered HTTP ${r.status}: ${r.body.slice(0, 300)}`);
  }
  const twiml = responses.find((r) => r.type.includes('xml'))?.body ?? '';
  for (const re of expect.twiml ?? []) if (!re.test(twiml)) problems.push(`TwiML does not match ${re}`);
  if (expect.sameTwiml && twiml !== first?.find((r) => r.type.includes('xml'))?.body) problems.push('TwiML differs from the first attempt\'s');
  if (expect.json) {
    const body = responses.find((r) => r.type.includes('json'))?.body;
    const got = body ? JSON.parse(body) : {};
    for (const [k, v] of Object.entries(expect.json)) {
      if (got[k] !== v) problems.push(`status callback answered ${k}=${JSON.stringify(got[k])}, want ${JSON.stringify(v)}`);
    }
  }
  if (expect.unchanged && value !== before?.value) problems.push('the stored value changed');
  if (!state) return [...problems, 'no state stored'];
  const got = { ...state, jobStatus: state.jobData?.status };
  for (const [k, v] of Object.entries(expect)) {
    if (['twiml', 'ttl', 'sameTwiml', 'unchanged', 'json'].includes(k)) continue;
    if (got[k] !== v) problems.push(`${k} is ${JSON.stringify(got[k])}, want ${JSON.stringify(v)}`);
  }
  // The stage's TTL was just set: within a few seconds of it.
  if (expect.ttl !== undefined && !(ttl <= expect.ttl && ttl > expect.ttl - 10)) problems.push(`TTL is ${ttl}, want ≈${expect.ttl}`);
  return problems;
}
