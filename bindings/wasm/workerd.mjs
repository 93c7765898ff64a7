// `callstate-wasm` for Cloudflare Workers (workerd): the bundler there imports a `.wasm` file as
// a compiled `WebAssembly.Module` (no fetch at start-up), so the module is instantiated
// synchronously. Same wasm-pack `web` build and shared shim as web.mjs.
import wasm from './pkg/web/callstate_wasm_bg.wasm';
import { initSync, RawCodec } from './pkg/web/callstate_wasm.js';
import { createApi } from './shim.mjs';

initSync({ module: wasm });
const api = createApi(RawCodec, 'wasm');

export const {
  CallStateError,
  DEFAULT_TTL,
  ACTIVE_CALL_TTL,
  generateStateKey,
  serializeCallState,
  deserializeCallState,
  safeSerialize,
  safeDeserialize,
  getStageTTL,
  migrateCallState,
  compressJobData,
  CallStateCodec,
  createCallStateStore,
  consoleMetrics,
} = api;
