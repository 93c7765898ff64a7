// A Cloudflare Worker that owns call state at the edge with callstate-wasm: it takes a Twilio
// webhook (form-encoded CallSid, Digits, SpeechResult) plus the call's stored value, if any, in
// the extra form field `CallState` (a worker has no Redis socket: read the value over HTTP, e.g.
// Upstash, and pass it in), decodes it (migrating old versions), advances the IVR one step and
// answers the Redis write to run:
//   { key, ttl, state, record, commands: [["SET", key, value, "EX", ttl]] }
//
// workerd's rules, and how this file meets them:
// - WASM is compiled when the module loads, never in a handler (workerd refuses to compile
//   WebAssembly from bytes at run time): `callstate-wasm`'s `workerd` export imports the .wasm
//   as a compiled WebAssembly.Module and instantiates it at import time, so the codec below is
//   built once, at module load, and shared by every request of this isolate.
// - Date.now() is frozen during a request (it advances only with I/O): `lastUpdated` is the
//   request's start time, which is what the stored state should say anyway.
// - No SharedArrayBuffer, no threads: the WASM build is single-threaded.
import { CallStateCodec, CallStateError, DEFAULT_TTL } from 'callstate-wasm';

// Twilio's strict SID rule (CA + 32 hex digits) at the edge, where requests come from outside.
const codec = new CallStateCodec({ callSid: 'twilio' });

const NEXT = { COLLECT_CLIENT_ID: ['COLLECT_JOB_NUMBER', 'clientId'], COLLECT_JOB_NUMBER: ['CONFIRM_JOB', 'jobNumber'] };

export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (request.method === 'GET' && url.pathname === '/') {
      const stages = Object.keys(NEXT).concat('CONFIRM_JOB', 'ASK_ACTION', 'EXECUTE_ACTION', 'OTHER');
      return Response.json({ ok: true, DEFAULT_TTL, ttl: Object.fromEntries(stages.map((s) => [s, codec.getStageTTL(s)])) });
    }
    if (request.method !== 'POST' || url.pathname !== '/webhook') return new Response('not found', { status: 404 });
    const form = await request.formData();
    const callSid = String(form.get('CallSid') ?? '');
    const digits = String(form.get('Digits') ?? '');
    const speech = String(form.get('SpeechResult') ?? '');
    try {
      const stored = form.get('CallState');
      const record = stored ? codec.decodeRecord(stored) : null;
      const state = step(record?.state ?? null, callSid, digits, speech);
      const key = codec.generateStateKey(callSid);
      const value = codec.serializeCallState(state);
      const ttl = codec.getStageTTL(state.stage);
      return Response.json({
        key, ttl, state,
        record: record && { revision: record.revision, schemaVersion: record.schemaVersion, migratedFrom: record.migratedFrom },
        commands: [['SET', key, value, 'EX', String(ttl)]],
      });
    } catch (e) {
      if (e instanceof CallStateError) {
        return Response.json({ error: { code: e.code, path: e.path ?? null, message: e.message } }, { status: 400 });
      }
      throw e;
    }
  },
};

/** One IVR step: a new call starts in Spanish; "English" switches; digits fill the stage's field. */
function step(s, callSid, digits, speech) {
  const now = new Date(); // the request's (frozen) time
  if (!s) return { callSid, stage: 'COLLECT_CLIENT_ID', attemptCount: 0, language: 'es', lastUpdated: now };
  if (/\benglish\b/i.test(speech)) return { ...s, language: 'en', lastUpdated: now };
  const next = NEXT[s.stage];
  if (next && /^\d+$/.test(digits)) return { ...s, stage: next[0], [next[1]]: digits, attemptCount: 0, lastUpdated: now };
  return { ...s, attemptCount: s.attemptCount + 1, lastUpdated: now };
}
