// Type-checked by `tsc --noEmit` (test/packaging.test.mjs): the packages' own .d.mts types,
// resolved by package name as a TypeScript user gets them.
import { serializeCallState, CallStateCodec, CallStateError, type CallState } from 'callstate';
import * as edge from 'callstate-wasm';

const state: CallState = { callSid: 'CA123abc456def', stage: 'COLLECT_CLIENT_ID', attemptCount: 0, language: 'es', lastUpdated: new Date() };
const value: string = serializeCallState(state);
const codec = new CallStateCodec({ keyPrefix: 'ivr:', ttl: { stages: { ASK_ACTION: 900 } } });
const record = codec.decodeRecord(value);
const version: 1 | 2 | 3 = record.schemaVersion;
const ttl: number = edge.getStageTTL(record.state.stage);
const err: Error = new CallStateError('INVALID_FIELD', 'x', 'stage');
// @ts-expect-error language is 'es' | 'en'
const bad: CallState = { ...state, language: 'fr' };
export { version, ttl, err, bad };
