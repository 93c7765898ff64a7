// The seed's IVR as a state machine over callstate's store:
//   COLLECT_CLIENT_ID → COLLECT_JOB_NUMBER → CONFIRM_JOB → ASK_ACTION → EXECUTE_ACTION
// Spanish by default; "English" (spoken) or `*` switches language at any prompt. Each caller
// input is one `updateCallState` (compare-and-set on the stored `rev`), so a status callback
// racing a <Gather> action for the same call never loses either update.
// `.private.js`: loaded by gather.protected.js and status.protected.js, never served.
const Redis = require('ioredis');
const { createCallStateStore } = require('callstate');
const { randomUUID } = require('node:crypto');
const { twiml } = require('twilio');
const jobs = require(Runtime.getFunctions().jobs.path);

const MAX_ATTEMPTS = 3;
const LOCALE = { es: 'es-MX', en: 'en-US' };
const STATUS = {
  es: { IN_PROGRESS: 'en curso', SCHEDULED: 'programado', ON_HOLD: 'en espera', COMPLETED: 'completado', RESCHEDULED: 'reprogramado' },
  en: { IN_PROGRESS: 'in progress', SCHEDULED: 'scheduled', ON_HOLD: 'on hold', COMPLETED: 'completed', RESCHEDULED: 'rescheduled' },
};
const SAY = {
  es: {
    askClient: 'Marque su número de cliente y después la tecla numeral. For English, say English.',
    askJob: 'Gracias. Ahora marque el número de trabajo y después la tecla numeral.',
    confirm: (j) => `El trabajo ${j.jobNumber} está ${STATUS.es[j.status] ?? j.status}. Para continuar con este trabajo, oprima 1. Para otro trabajo, oprima 2.`,
    askAction: 'Oprima 1 para marcarlo como completado, 2 para reprogramarlo, o 3 para ponerlo en espera.',
    done: (j) => `Listo. El trabajo ${j.jobNumber} quedó ${STATUS.es[j.status] ?? j.status}. Gracias por llamar. Adiós.`,
    failed: 'No pudimos completar la acción. Un agente le llamará. Adiós.',
    unknownClient: 'No encontramos ese número de cliente.',
    unknownJob: 'No encontramos ese trabajo.',
    invalid: 'Esa opción no es válida.',
    noInput: 'No recibimos su respuesta.',
    tooMany: 'Demasiados intentos. Un agente le llamará. Adiós.',
    restart: 'Empecemos de nuevo.',
    ended: 'Su solicitud ya fue registrada. Adiós.',
    callEnded: 'Esta llamada ya terminó. Adiós.',
  },
  en: {
    askClient: 'Enter your client number, then the pound key. Para español, diga español.',
    askJob: 'Thank you. Now enter the job number, then the pound key.',
    confirm: (j) => `Job ${j.jobNumber} is ${STATUS.en[j.status] ?? j.status}. To continue with this job, press 1. For another job, press 2.`,
    askAction: 'Press 1 to mark it completed, 2 to reschedule it, or 3 to put it on hold.',
    done: (j) => `Done. Job ${j.jobNumber} is now ${STATUS.en[j.status] ?? j.status}. Thank you for calling. Goodbye.`,
    failed: 'We could not complete the action. An agent will call you. Goodbye.',
    unknownClient: 'We could not find that client number.',
    unknownJob: 'We could not find that job.',
    invalid: 'That is not an option.',
    noInput: 'We did not get your answer.',
    tooMany: 'Too many attempts. An agent will call you. Goodbye.',
    restart: "Let's start again.",
    ended: 'Your request is already recorded. Goodbye.',
    callEnded: 'This call has already ended. Goodbye.',
  },
};
const ACTIONS = {
  1: { actionType: 'UPDATE_STATUS', actionValue: 'COMPLETED' },
  2: { actionType: 'RESCHEDULE', actionValue: 'NEXT_AVAILABLE' },
  3: { actionType: 'UPDATE_STATUS', actionValue: 'ON_HOLD' },
};

let store;
/** The store, made once per container (warm invocations reuse the Redis connection). */
function storeFor(context) {
  // Fail-open (the default): if Redis is down the caller starts over instead of hearing an
  // error; every store call settles within timeoutMs, well inside Twilio's 10 s limit.
  store ??= createCallStateStore(new Redis(context.REDIS_URL, { maxRetriesPerRequest: 1 }), {
    timeoutMs: 2000,
    // A retry means another webhook of the same call wrote first: worth a line in the logs.
    onMetric: (m) => m.retries > 0 && console.log(`callstate: ${m.operation} retried ${m.retries}x (${m.stage})`),
  });
  return store;
}

/**
 * A `lastUpdated` for a write over `s`: now, but never before the stored one. Webhooks of one
 * call may run in different containers whose clocks differ a little, and the store refuses a
 * write that moves `lastUpdated` backwards (STALE_WRITE).
 */
function later(s) {
  return new Date(Math.max(Date.now(), s ? s.lastUpdated.getTime() : 0));
}

/** The status callbacks after which a call is over (`canceled`: hung up before answer). */
const FINAL_STATUSES = new Set(['completed', 'failed', 'busy', 'no-answer', 'canceled']);

/** Seconds a call's state stays readable after its final status callback (`endCall`). */
function keepSeconds(context) {
  const n = Number(context.CALL_END_KEEP_SECONDS);
  return Number.isInteger(n) && n > 0 ? n : 300;
}

/**
 * The idempotency key of this webhook: the same on Twilio's retries of one request, different
 * for every other request. Twilio sends `I-Twilio-Idempotency-Token`, but the Functions runtime
 * (`@twilio/runtime-handler`) drops every `i-twilio-*` header from `event.request.headers`, so a
 * Function usually cannot see it; it is used when present, else `fallback`, made from what a
 * retry repeats: the request's URL and parameters (see `answer` and status.protected.js).
 */
function requestKey(event, fallback) {
  const h = event.request?.headers?.['i-twilio-idempotency-token'];
  const token = Array.isArray(h) ? h[0] : h;
  return token || fallback || undefined;
}

/** The store refused a write because `endCall` ran for this call (its final status callback). */
function isCallEnded(err) {
  return err?.code === 'STALE_WRITE' && /call has ended/.test(err.message);
}

/**
 * The <Gather> action: applies the caller's input to the call's state and answers TwiML.
 *
 * Every <Gather> (and its silence <Redirect>) this IVR answers carries a fresh `turn` in its URL;
 * Twilio repeats the URL when it retries the request, so `turn` is the request's idempotency key
 * (unless the runtime shows Twilio's token). The write stores what it answered (`lastReply`), so a
 * retry of a request already applied writes nothing (the store recognises the key) and answers
 * the same TwiML as the first attempt.
 */
async function answer(context, event) {
  const calls = storeFor(context);
  const key = requestKey(event, event.turn && `gather:${event.turn}`);
  const attempt = randomUUID(); // tells this request's write from a first attempt's
  const turn = randomUUID().slice(0, 8); // the next <Gather>'s
  let step;
  let state;
  let seen = false; // the state read already held this request's reply
  try {
    state = await calls.updateCallState(event.CallSid, async (s) => {
      seen = Boolean(key && s?.lastReply?.key === key);
      if (seen) return undefined; // applied already: write nothing
      step = await transition(s, event); // may run again on a conflict: no side effects in here
      return step.state && { ...step.state, lastReply: { key, attempt, turn, say: step.say, gather: step.gather } };
    }, key ? { idempotencyKey: key } : {});
  } catch (err) {
    if (!isCallEnded(err)) throw err;
    // The call's final status callback came first (endCall): the state stays as it was.
    console.log(`callstate: <Gather> action after the call ended: refused (${err.code}), answered goodbye`);
    return toTwiml(step?.state?.language ?? 'es', { say: [SAY[step?.state?.language ?? 'es'].callEnded], gather: false }, turn);
  }
  const reply = state?.lastReply;
  if (key && reply?.key === key && reply.attempt !== attempt) {
    // Twilio retried a request that was applied already: the first attempt's answer, nothing written.
    const by = seen ? 'its reply was already stored' : 'the store refused the key as applied';
    console.log(`callstate: retry of ${key} (same request; ${by}): nothing written, the first answer repeated`);
    const say = reply.say.length ? reply.say : [SAY[state.language].ended];
    return toTwiml(state.language, { say, gather: reply.gather }, reply.turn);
  }
  // Redis unreachable (fail-open resolved null without running the update): start over.
  step ??= await transition(null, event);
  if (step.execute && reply?.attempt === attempt) {
    // This request moved the call into EXECUTE_ACTION (the compare-and-set guarantees only one
    // did), so the action runs once. Then record the result, again racing-safe.
    const result = await jobs.applyAction(state.jobData, state.actionType, state.actionValue);
    const say = [result.ok ? SAY[state.language].done({ ...state.jobData, status: result.status }) : SAY[state.language].failed];
    try {
      await calls.updateCallState(event.CallSid, (s) => (s && s.stage === 'EXECUTE_ACTION'
        ? {
          ...s, actionResult: result.ok ? 'DONE' : 'FAILED', jobData: { ...s.jobData, status: result.status },
          lastReply: { ...s.lastReply, say }, lastUpdated: later(s),
        }
        : undefined), key ? { idempotencyKey: `${key}:result` } : {});
    } catch (err) {
      if (!isCallEnded(err)) throw err;
      console.log('callstate: the call ended before the action\'s result was recorded');
    }
    step.say = say;
  }
  return toTwiml(step.state?.language ?? state?.language ?? 'es', step, turn);
}

/**
 * The next state for caller input on state `s` (null: none stored), and what to say.
 * Returns `{ state, say: string[], gather: boolean, execute?: true }`.
 */
async function transition(s, event) {
  const digits = (event.Digits ?? '').trim();
  const speech = (event.SpeechResult ?? '').trim();
  if (!s) {
    const fresh = { callSid: event.CallSid, stage: 'COLLECT_CLIENT_ID', attemptCount: 0, language: 'es', lastUpdated: new Date() };
    return { state: fresh, say: [SAY.es.restart, SAY.es.askClient], gather: true };
  }
  const t = SAY[s.language];
  const next = (over) => ({ ...s, attemptCount: 0, ...over, lastUpdated: later(s) });

  // Language on request, at any prompt: same stage, same attempt count, asked again.
  const wanted = /\b(english|ingl[eé]s)\b/i.test(speech) ? 'en'
    : /\b(espa[nñ]ol|spanish)\b/i.test(speech) ? 'es'
    : digits === '*' ? (s.language === 'es' ? 'en' : 'es') : null;
  if (wanted && ASKING.includes(s.stage)) {
    const switched = { ...s, language: wanted, lastUpdated: later(s) };
    return { state: switched, say: [prompt(switched)], gather: true };
  }

  // Spoken digits count as digits ("four five six" arrives as "456" from Twilio's recognizer).
  const value = digits || speech.replace(/\D/g, '');
  const retry = (why) => {
    if (s.attemptCount + 1 >= MAX_ATTEMPTS) {
      return { state: { ...s, stage: 'TRANSFER_TO_AGENT', attemptCount: s.attemptCount + 1, lastUpdated: later(s) }, say: [why, t.tooMany], gather: false };
    }
    const again = { ...s, attemptCount: s.attemptCount + 1, lastUpdated: later(s) };
    return { state: again, say: [why, prompt(again)], gather: true };
  };
  if (!value && ASKING.includes(s.stage)) return retry(t.noInput);

  switch (s.stage) {
    case 'COLLECT_CLIENT_ID': {
      const client = await jobs.findClient(value);
      if (!client) return retry(t.unknownClient);
      return ask(next({ stage: 'COLLECT_JOB_NUMBER', clientId: value }));
    }
    case 'COLLECT_JOB_NUMBER': {
      const job = await jobs.findJob(s.clientId, value);
      if (!job) return retry(t.unknownJob);
      return ask(next({ stage: 'CONFIRM_JOB', jobNumber: value, jobData: job }));
    }
    case 'CONFIRM_JOB':
      if (value === '1') return ask(next({ stage: 'ASK_ACTION' }));
      if (value === '2') return ask(next({ stage: 'COLLECT_JOB_NUMBER', jobNumber: null, jobData: null }));
      return retry(t.invalid);
    case 'ASK_ACTION':
      if (!Object.hasOwn(ACTIONS, value)) return retry(t.invalid);
      return { state: next({ stage: 'EXECUTE_ACTION', ...ACTIONS[value] }), say: [], gather: false, execute: true };
    default:
      // EXECUTE_ACTION or a final stage: nothing left to ask; leave the state as it is.
      return { state: undefined, say: [t.ended], gather: false };
  }
}

/** The stages that ask the caller something. */
const ASKING = ['COLLECT_CLIENT_ID', 'COLLECT_JOB_NUMBER', 'CONFIRM_JOB', 'ASK_ACTION'];

function ask(state) {
  return { state, say: [prompt(state)], gather: true };
}

/** The question of a stage, in the call's language. */
function prompt(s) {
  const t = SAY[s.language];
  switch (s.stage) {
    case 'COLLECT_CLIENT_ID': return t.askClient;
    case 'COLLECT_JOB_NUMBER': return t.askJob;
    case 'CONFIRM_JOB': return t.confirm(s.jobData);
    case 'ASK_ACTION': return t.askAction;
    default: return t.ended;
  }
}

/** TwiML: the lines inside a <Gather> (then a redirect back here on silence), or said, then hang
 *  up. Both URLs carry `turn`: one of the two is requested, and a retry repeats it. */
function toTwiml(lang, step, turn) {
  const action = `/gather?turn=${turn}`;
  const response = new twiml.VoiceResponse();
  const voice = { language: LOCALE[lang] };
  if (step.gather) {
    const gather = response.gather({
      input: 'dtmf speech', action, method: 'POST', language: LOCALE[lang],
      finishOnKey: '#', timeout: 6, speechTimeout: 'auto', hints: lang === 'es' ? 'English' : 'español',
    });
    for (const line of step.say) gather.say(voice, line);
    response.redirect({ method: 'POST' }, action); // silence: counted as an attempt
  } else {
    for (const line of step.say) response.say(voice, line);
    response.hangup();
  }
  return response;
}

module.exports = { storeFor, answer, later, transition, requestKey, isCallEnded, keepSeconds, FINAL_STATUSES };
