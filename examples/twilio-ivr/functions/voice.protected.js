// Incoming call: a fresh call state (Spanish by default) and the first question.
const Redis = require('ioredis');
const { createCallStateStore } = require('callstate');
const { twiml } = require('twilio');
let store; // one Redis client per container, reused by warm invocations
exports.handler = async (context, event, callback) => {
  store ??= createCallStateStore(new Redis(context.REDIS_URL), { timeoutMs: 2000 });
  await store.saveCallState(event.CallSid, { // one atomic write: value, stage TTL (300 s), new rev
    callSid: event.CallSid, stage: 'COLLECT_CLIENT_ID', attemptCount: 0, language: 'es', lastUpdated: new Date(),
  });
  const response = new twiml.VoiceResponse();
  response.gather({ input: 'dtmf speech', action: '/gather', language: 'es-MX', finishOnKey: '#', hints: 'English' })
    .say({ language: 'es-MX' }, 'Bienvenido. Marque su número de cliente y después la tecla numeral. For English, say English.');
  response.redirect({ method: 'POST' }, '/gather'); // silence: the IVR counts an attempt and asks again
  callback(null, response);
};
