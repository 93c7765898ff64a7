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

/**
 * The platform packages for this process, in order, each with a `skip` reason when it is known not
 * to fit. On Linux the glibc build comes first and the C library is only looked up when it did not
 * load: a glibc process (nearly every Node service) pays nothing for the lookup, which costs
 * milliseconds (`process.report.getReport()` builds a whole diagnostic report).
 */
function platformCandidates() {
  const { platform, arch } = process;
  if (platform === 'linux') {
    return [
      { name: `linux-${arch}-gnu` },
      { name: `linux-${arch}-musl`, skip: () => (isMusl() ? null : 'not tried: this process runs on glibc') },
    ];
  }
  if (platform === 'darwin') return [{ name: `darwin-${arch}` }];
  if (platform === 'win32') return [{ name: `win32-${arch}-msvc` }];
  return [{ name: `${platform}-${arch}` }];
}

/**
 * Is this process linked against musl? napi-rs's order: the process report first (its header
 * names the glibc version the process runs on; a musl process has none, and lists `ld-musl-*` or
 * `libc.musl-*` among its shared objects), then `/usr/bin/ldd`, which is musl's own script on
 * Alpine. The report comes first because it describes this process, not the machine: a musl
 * Node on a glibc host (or the reverse) is told right.
 */
function isMusl() {
  try {
    const { report } = process;
    if (report && typeof report.getReport === 'function') {
      const excluded = report.excludeNetwork;
      report.excludeNetwork = true; // no DNS lookups for the report's network section
      const r = report.getReport();
      report.excludeNetwork = excluded;
      if (r && r.header && r.header.glibcVersionRuntime) return false;
      if (r && Array.isArray(r.sharedObjects) && r.sharedObjects.some((f) => /libc\.musl-|ld-musl-/.test(f))) return true;
    }
  } catch {
    // A runtime without a usable report (older Bun, Deno) falls through to ldd.
  }
  try {
    return require('node:fs').readFileSync('/usr/bin/ldd', 'latin1').includes('musl');
  } catch {
    return false;
  }
}

function loadNative() {
  if (process.env.CALLSTATE_FORCE_WASM === '1') {
    loadErrors.push({ label: 'native', error: new Error('skipped: CALLSTATE_FORCE_WASM=1') });
    return null;
  }
  const { existsSync } = require('node:fs');
  for (const { name, skip } of platformCandidates()) {
    const reason = skip && skip();
    if (reason) {
      loadErrors.push({ label: `callstate-${name}`, error: new Error(reason) });
      continue;
    }
    // A local build beside this file (the repository, `make build-all`), then the platform package.
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
