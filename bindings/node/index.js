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
 * The platform packages for this process, in order, each with a `skip` reason when it does not
 * fit. On Linux the C library decides before anything is loaded: musl maps `libc.so.6` to itself,
 * so a glibc build can load into a musl process (scripts/test-platforms.sh saw it on arm64), and
 * trying glibc first is not a safe way to ask.
 */
function platformCandidates() {
  const { platform, arch } = process;
  if (platform === 'linux') {
    const musl = isMusl();
    return [
      { name: `linux-${arch}-gnu`, skip: musl && 'not tried: this process runs on musl' },
      { name: `linux-${arch}-musl`, skip: !musl && 'not tried: this process runs on glibc' },
    ];
  }
  if (platform === 'darwin') return [{ name: `darwin-${arch}` }];
  if (platform === 'win32') return [{ name: `win32-${arch}-msvc` }];
  return [{ name: `${platform}-${arch}` }];
}

/**
 * Is this process on musl? First one stat: musl's loader, `/lib/ld-musl-<arch>.so.1`, is on every
 * musl system and on few glibc ones, so most glibc processes are answered for microseconds. Where
 * it is present, napi-rs's checks in napi-rs's order: `/usr/bin/ldd` (musl's own script on
 * Alpine, glibc's elsewhere; the first read costs ~0.5 ms), then, where there is no ldd
 * (distroless images), the process report, whose header names the glibc version a glibc-built
 * Node runs on (a musl-built Node, the only other kind on Linux, has none; 2-4 ms, a whole
 * diagnostic report).
 */
function isMusl() {
  const { existsSync, readFileSync } = require('node:fs');
  const ld = { x64: 'x86_64', arm64: 'aarch64' }[process.arch];
  if (ld && !existsSync(`/lib/ld-musl-${ld}.so.1`)) return false;
  try {
    return readFileSync('/usr/bin/ldd', 'latin1').includes('musl');
  } catch {
    // no ldd: ask the report
  }
  try {
    const { report } = process;
    if (report && typeof report.getReport === 'function') {
      const excluded = report.excludeNetwork;
      report.excludeNetwork = true; // no DNS lookups for the report's network section
      const r = report.getReport();
      report.excludeNetwork = excluded;
      const header = r && (typeof r === 'string' ? JSON.parse(r) : r).header;
      if (header) return !header.glibcVersionRuntime;
    }
  } catch {
    // A runtime without a usable report: glibc, the common case.
  }
  return false;
}

function loadNative() {
  if (process.env.CALLSTATE_FORCE_WASM === '1') {
    loadErrors.push({ label: 'native', error: new Error('skipped: CALLSTATE_FORCE_WASM=1') });
    return null;
  }
  const { existsSync } = require('node:fs');
  for (const { name, skip } of platformCandidates()) {
    if (skip) {
      loadErrors.push({ label: `callstate-${name}`, error: new Error(skip) });
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
