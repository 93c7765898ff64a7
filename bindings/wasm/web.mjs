// `callstate-wasm` for browsers, Deno and bundlers (ESM): the wasm-pack `web` build, wrapped by
// the shared shim. The module is fetched from beside this file (`new URL(…, import.meta.url)`,
// which bundlers understand) before the exports are ready (top-level await).
import init, { RawCodec } from './pkg/web/callstate_wasm.js';
import { createApi } from './shim.mjs';

await init({ module_or_path: new URL('./pkg/web/callstate_wasm_bg.wasm', import.meta.url) });
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
