// The store at the edge: a Cloudflare Worker keeps each call's state in Redis through
// callstate-wasm's store over an HTTP Redis (the Upstash REST protocol: POST a command as a JSON
// array, get `{ result }` or `{ error }`), since a worker has no Redis socket. Each Twilio webhook
// is one `updateCallState`: a compare-and-set, so two webhooks of one call never lose an update.
// Bindings: REDIS_REST_URL, REDIS_REST_TOKEN.
import { createCallStateStore, CallStateCodec } from 'callstate-wasm';

const codec = new CallStateCodec({ callSid: 'twilio' }); // built at module load, with the WASM
let store = null;

/** The store, made on the first request (bindings arrive with it) and kept for the isolate. */
function storeFor(env) {
  store ??= createCallStateStore({
    async send(args) {
      const r = await fetch(env.REDIS_REST_URL, {
        method: 'POST',
        headers: { authorization: `Bearer ${env.REDIS_REST_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(args),
      });
      const body = await r.json();
      if (body.error) throw new Error(body.error);
      return body.result;
    },
  }, { codec, timeoutMs: 2000, onRedisError: 'throw' });
  return store;
}

export default {
  async fetch(request, env) {
    if (request.method !== 'POST' || new URL(request.url).pathname !== '/webhook') return new Response('not found', { status: 404 });
    const form = await request.formData();
    const callSid = String(form.get('CallSid') ?? '');
    const digits = String(form.get('Digits') ?? '');
    const status = form.get('CallStatus');
    try {
      const state = await storeFor(env).updateCallState(callSid, (s) => {
        const now = new Date(Math.max(Date.now(), s ? s.lastUpdated.getTime() : 0));
        if (!s) return { callSid, stage: 'COLLECT_CLIENT_ID', attemptCount: 0, language: 'es', lastUpdated: now, callStatus: status };
        if (s.stage === 'COLLECT_CLIENT_ID' && /^\d+$/.test(digits)) {
          return { ...s, stage: 'COLLECT_JOB_NUMBER', clientId: digits, lastUpdated: now };
        }
        return { ...s, callStatus: status ?? s.callStatus, lastUpdated: now };
      });
      return Response.json({ state, ttl: codec.getStageTTL(state.stage) });
    } catch (e) {
      return Response.json({ error: { code: e.code ?? null, message: e.message } }, { status: e.code === 'REDIS' ? 503 : 400 });
    }
  },
};
