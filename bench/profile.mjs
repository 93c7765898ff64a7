// Profiles one codec variant's encode+decode loop, for the "why" behind a missed target:
//   node bench/profile.mjs --variant native --state sample|large|largeMixed|largeDecoded [--n 200000] [--perf]
// Without --perf: runs the loop under `node --cpu-prof` and prints the self time per function
// (JS functions, the napi/WASM entry points, GC), top 25, from the .cpuprofile it wrote.
// With --perf: runs it under `perf record` with `--perf-basic-prof` (JIT symbols) and prints
// `perf report` by symbol, to see inside the native module (serde, malloc, N-API calls).
// --native-file F loads the napi module from F (an unstripped build: `CARGO_PROFILE_RELEASE_DEBUG=1
// CARGO_PROFILE_RELEASE_STRIP=none cargo build --release -p callstate-node --target-dir T`, then
// copy T/release/libcallstate_node.so to a .node file) behind the package's shim.
// --only encode|decode profiles one direction. --stages [--state S]: µs per encode stage, napi. Profiles go to bench/results/profiles/ (ignored).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { codecVariants, ROOT } from './lib/variants.mjs';
import { codecStates } from './lib/states.mjs';
import { args } from './lib/util.mjs';

const opts = args();
const here = fileURLToPath(new URL('.', import.meta.url));
const dir = join(here, 'results', 'profiles');

if (opts.stages) {
  // Where encode time goes, stage by stage, on the napi package (issue 15): the shim's text
  // building (toStateJson), the call into the core with that text (crossing + core fast path),
  // the crossing alone (a string into a method that does ~nothing with it), the core's full path
  // (the same text with one known field moved last, which the fast path refuses), and for
  // scale the seed's encode and a bare JSON.stringify. Median of 15 rounds, µs per call.
  const require = createRequire(import.meta.url);
  const api = require(join(ROOT, 'bindings', 'node'));
  const internals = api[Symbol.for('callstate.internals')];
  const nodeFile = readdirSync(join(ROOT, 'bindings', 'node')).find((f) => f.endsWith('.node'));
  const raw = new (require(join(ROOT, 'bindings', 'node', nodeFile)).RawCodec)(null);
  const seed = require(join(ROOT, 'bindings', 'js', 'test', 'fixtures', 'seed.cjs'));
  const time = (fn, n) => {
    for (let i = 0; i < n; i++) fn();
    const xs = [];
    for (let r = 0; r < 15; r++) {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) fn();
      xs.push(((performance.now() - t0) / n) * 1000);
    }
    return Math.round(xs.sort((a, b) => a - b)[7] * 100) / 100;
  };
  for (const [name, state] of codecStates()) {
    if (opts.state && opts.state !== name) continue;
    const n = name === 'sample' ? 5000 : 400;
    const json = internals.toStateJson(state);
    const obj = JSON.parse(json);
    const { callSid, ...rest } = obj;
    const slow = JSON.stringify({ ...rest, callSid }); // a known field last: the full path
    const row = {
      fastPath: raw.encode(json) == null,
      encode: time(() => api.serializeCallState(state), n),
      toStateJson: time(() => internals.toStateJson(state), n),
      coreCall: time(() => raw.encode(json), n),
      crossingOnly: time(() => raw.stageTtl(json), n),
      coreFullPath: time(() => raw.encode(slow), n),
      decode: time(() => api.deserializeCallState(api.serializeCallState(state)), n) - time(() => api.serializeCallState(state), n),
      seedEncode: time(() => seed.serializeCallState(state), n),
      jsonStringify: time(() => JSON.stringify(state), n),
    };
    console.log(`${name}: ${Object.entries(row).map(([k, v]) => `${k} ${typeof v === 'number' ? v.toFixed(2) : v}`).join(' · ')}`);
  }
} else if (opts.child) {
  let v = codecVariants().find((x) => x.key === opts.variant);
  if (opts['native-file']) {
    // An unstripped build of the napi crate (for symbols in perf), behind the package's own shim.
    const require = createRequire(import.meta.url);
    const { createApi } = require(join(ROOT, 'bindings', 'node', 'shim.cjs'));
    const api = createApi(require(opts['native-file']).RawCodec, 'native');
    v = { key: 'native', encode: api.serializeCallState, decode: api.deserializeCallState };
  }
  const state = new Map(codecStates()).get(opts.state ?? 'sample');
  if (!state) throw new Error(`--state: one of ${codecStates().map(([k]) => k).join(', ')}`);
  const n = Number(opts.n);
  const only = opts.only; // 'encode' | 'decode' | undefined
  const text = v.encode(state);
  let sink = 0;
  for (let i = 0; i < n; i++) {
    if (only === 'encode') sink += v.encode(state).length;
    else if (only === 'decode') sink += v.decode(text).attemptCount;
    else sink += v.decode(v.encode(state)).attemptCount;
  }
  if (sink === 0) console.log('');
} else {
  mkdirSync(dir, { recursive: true });
  const variant = opts.variant ?? 'native';
  const state = opts.state ?? 'sample';
  const n = String(opts.n ?? 200000);
  const childArgs = [fileURLToPath(import.meta.url), '--child', '--variant', variant, '--state', state, '--n', n];
  if (opts.only) childArgs.push('--only', opts.only);
  if (opts['native-file']) childArgs.push('--native-file', opts['native-file']);
  if (opts.perf) {
    const data = join(dir, `${variant}-${state}.perf.data`);
    // cwd: the profiles folder, where node's --perf-basic-prof leaves its isolate-*.log files.
    const r = spawnSync('perf', ['record', '-F', '1999', '-g', '-o', data, '--', process.execPath, '--perf-basic-prof', ...childArgs], { stdio: 'inherit', cwd: dir });
    if (r.status !== 0) process.exit(r.status ?? 1);
    const report = (sort, limit) => {
      const rep = spawnSync('perf', ['report', '-i', data, '--no-children', '--percent-limit', limit, '--stdio', '-g', 'none', '--sort', sort], { encoding: 'utf8', maxBuffer: 64 << 20 });
      return rep.stdout.split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => l.replace(/\s+/g, ' ').trim());
    };
    console.log(`--- by shared object (${variant} ${state})`);
    console.log(report('dso', '0.5').join('\n'));
    console.log('--- by symbol');
    console.log(report('dso,symbol', '0.7').slice(0, 45).join('\n'));
  } else {
    const before = Date.now();
    const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, ...childArgs], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
    const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f))
      .filter((f) => statSync(f).mtimeMs >= before).sort().pop();
    const prof = JSON.parse(readFileSync(file, 'utf8'));
    const dt = new Map();
    for (let i = 0; i < prof.samples.length; i++) dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
    const self = new Map();
    let total = 0;
    for (const node of prof.nodes) {
      const t = dt.get(node.id) ?? 0;
      total += t;
      const cf = node.callFrame;
      const where = cf.url ? `${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber + 1}` : '';
      const key = `${cf.functionName || '(anonymous)'} ${where}`.trim();
      self.set(key, (self.get(key) ?? 0) + t);
    }
    console.log(`${variant} ${state} ${opts.only ?? 'encode+decode'} x${n}: ${(total / 1000).toFixed(0)} ms sampled, ${file}`);
    for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
      console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
    }
  }
}
