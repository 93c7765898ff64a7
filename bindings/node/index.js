'use strict';
// The `callstate` loader: picks a core, then builds the public API over it with the shared shim.
// Order: the `.node` beside this file (a local build), the platform package
// (`callstate-<platform>`), then the WASM build (`callstate-wasm`, a dependency). Every failure is kept and, if
// nothing loads, thrown as one Error whose `cause` chain lists them all (the napi-rs pattern).
//
// CALLSTATE_FORCE_WASM is on only when it is exactly "1": napi-rs once treated any non-empty
// value as "on", so `=0` and `=false` forced the fallback (see its js-binding template).

const { createApi } = require('./shim.cjs');

const loadErrors = [];

function attempt(label, load) {
  try {
    return load();
  } catch (e) {
    loadErrors.push({ label, error: e });
    return null;
  }
}

/** napi-rs platform names to try for this process, most likely first (`linux-x64-gnu`). */
function platformNames() {
  const { platform, arch } = process;
  // glibc first, then musl: a wrong-libc build fails to load and the next is tried, which
  // costs less than detecting the libc (reading /usr/bin/ldd) on every cold start.
  if (platform === 'linux') return [`linux-${arch}-gnu`, `linux-${arch}-musl`];
  if (platform === 'darwin') return [`darwin-${arch}`];
  if (platform === 'win32') return [`win32-${arch}-msvc`];
  return [`${platform}-${arch}`];
}

function loadNative() {
  if (process.env.CALLSTATE_FORCE_WASM === '1') {
    loadErrors.push({ label: 'native', error: new Error('skipped: CALLSTATE_FORCE_WASM=1') });
    return null;
  }
  const { existsSync } = require('node:fs');
  for (const name of platformNames()) {
    // A local build beside this file (the repository, `npm run build`), then the platform package.
    const local = `./callstate.${name}.node`;
    const found =
      (existsSync(`${__dirname}/callstate.${name}.node`) && attempt(local, () => require(local))) ||
      attempt(`callstate-${name}`, () => require(`callstate-${name}`));
    if (found) return found;
  }
  return null;
}

function loadWasm() {
  return (
    attempt('callstate-wasm/raw', () => require('callstate-wasm/raw')) ||
    // Running from the repository (bindings/node beside bindings/wasm), not from an install.
    attempt('../wasm (repository)', () => require('../wasm/pkg/node/callstate_wasm.js'))
  );
}

function loadError() {
  let cause;
  for (let i = loadErrors.length - 1; i >= 0; i--) {
    const { label, error } = loadErrors[i];
    const e = new Error(`${label}: ${error && error.message}`, cause ? { cause } : undefined);
    if (error && error.code) e.code = error.code;
    cause = e;
  }
  return new Error(
    `callstate: no core could be loaded for ${process.platform}-${process.arch} (native or WASM)`,
    { cause },
  );
}

const native = loadNative();
const raw = native || loadWasm();
if (!raw) throw loadError();

module.exports = createApi(raw.RawCodec, native ? 'native' : 'wasm');
