// `callstate-wasm` for browsers, Deno and bundlers (ESM): the wasm-pack `web` build, wrapped by
// the shared shim. The module is fetched from beside this file (`new URL(…, import.meta.url)`,
// which bundlers understand) before the exports are ready (top-level await).
import init, { RawCodec } from './pkg/web/callstate_wasm.js';
import { createApi } from './shim.mjs';

await init({ module_or_path: await compile(new URL('./pkg/web/callstate_wasm_bg.wasm', import.meta.url)) });
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

/**
 * The compiled module: `WebAssembly.compileStreaming` on the fetch `Response`, so compiling
 * overlaps the download, where the runtime has `fetch` and `Response` (browsers, Deno, workers).
 * A server that does not send `Content-Type: application/wasm` makes streaming refuse the
 * response, so that case, and runtimes without streaming, compile the downloaded bytes.
 */
async function compile(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`callstate-wasm: cannot load ${url}: HTTP ${response.status}`);
  if (typeof WebAssembly.compileStreaming === 'function' && typeof Response === 'function' &&
      response.headers.get('Content-Type')?.split(';')[0].trim() === 'application/wasm') {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}
