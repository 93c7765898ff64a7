// `make bench`: every benchmark of issue 6 in one run, then bench/results/latest.json,
// BENCHMARKS.md and the two SVG charts. Each part runs in its own Node process (the codec parts
// must not share a JIT or a heap with the store or the load test); the store and load parts
// get a private redis-server on a free loopback port (scripts/redis.sh), stopped at the end.
//
//   node bench/run.mjs                 the full run (~6-8 min on 2 busy cores)
//   node bench/run.mjs --smoke         tiny sizes, seconds; writes into --out (default a temp
//                                      folder) and checks that every part ran and that its
//                                      output is well formed — no timing is ever asserted
//   --out DIR        where latest.json goes (full run default: bench/results)
//   --only a,b       run only these parts (codec, scaling, startup, memory, cargo, store, load);
//                    the result goes beside latest.json as partial-<a>-<b>.json (only the parts
//                    that ran), never over it, and BENCHMARKS.md and the charts stay as the last
//                    full run wrote them (issue 15)
//   --no-docs        do not rewrite BENCHMARKS.md and the charts
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './lib/variants.mjs';
import { args, writeJson } from './lib/util.mjs';
import { writeReport } from './report.mjs';
import { checkResults } from './check.mjs';

const opts = args();
const smoke = Boolean(opts.smoke);
const here = fileURLToPath(new URL('.', import.meta.url));
const outDir = opts.out ?? (smoke ? mkdtempSync(join(tmpdir(), 'callstate-bench-')) : join(here, 'results'));
const partsDir = join(outDir, 'parts');
mkdirSync(partsDir, { recursive: true });
const ALL = ['startup', 'codec', 'scaling', 'memory', 'cargo', 'store', 'load'];
const only = opts.only ? String(opts.only).split(',') : ALL.filter((p) => !(smoke && p === 'cargo'));
const started = Date.now();
const log = (msg) => process.stderr.write(`bench: ${msg}\n`);

function machine() {
  const cpu = cpus()[0]?.model ?? 'unknown';
  let redis = 'unknown';
  try {
    redis = execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).match(/v=(\S+)/)?.[1] ?? redis;
  } catch { /* reported as unknown */ }
  let rustc = null;
  try { rustc = execFileSync('rustc', ['--version'], { encoding: 'utf8' }).trim(); } catch { /* optional */ }
  let load = null;
  try { load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number); } catch { /* linux only */ }
  return { cpu, cores: cpus().length, node: process.version, redis, rustc, os: `${process.platform}-${process.arch}`, loadAvgAtStart: load };
}

/** Runs one part (`node bench/<name>.mjs … --out parts/<name>.json`); its result, or `{ error }`. */
function part(name, extra = []) {
  const file = join(partsDir, `${name}.json`);
  rmSync(file, { force: true });
  const t0 = Date.now();
  log(`${name}…`);
  const r = spawnSync(process.execPath, [join(here, `${name}.mjs`), ...(smoke ? ['--smoke'] : []), ...extra, '--out', file], {
    stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, CALLSTATE_FORCE_WASM: '' },
  });
  const seconds = Math.round((Date.now() - t0) / 100) / 10;
  if (r.status !== 0) {
    const why = r.status === null ? `signal ${r.signal}` : `exit ${r.status}`;
    log(`${name} FAILED (${why}) after ${seconds}s`);
    return { error: why, seconds };
  }
  log(`${name} done in ${seconds}s`);
  return { ...JSON.parse(readFileSync(file, 'utf8')), seconds };
}

/**
 * A fingerprint of the built packages (the .node, the .wasm modules, the shims). This work tree
 * may be rebuilt while the bench runs (scripts/build.sh copies the .node in place); a run whose
 * fingerprint changed mixes two builds, and says so.
 */
function buildFingerprint() {
  const files = [];
  const walk = (dir) => {
    let entries = [];
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory() && e.name !== 'node_modules' && e.name !== 'src') walk(p);
      else if (/\.(node|wasm)$|^shim\.cjs$/.test(e.name)) files.push(p);
    }
  };
  walk(join(ROOT, 'bindings', 'node'));
  walk(join(ROOT, 'bindings', 'wasm'));
  const h = createHash('sha256');
  for (const f of files.sort()) {
    h.update(f);
    try { h.update(readFileSync(f)); } catch { h.update('missing'); }
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * Copies both package folders (what `npm pack` would ship, plus package.json) into the output
 * folder, checks that they load, and points every part at the copy: scripts/build.sh replaces
 * the `.node` in place, and a running process whose mapped module is overwritten dies (SIGBUS,
 * SIGSEGV). Retried while a rebuild has the folder half-written.
 */
function snapshotPackages() {
  const dest = join(outDir, 'packages');
  const skip = /(^|\/)(src|tests|node_modules|target|Cargo\.toml|build\.rs)$/;
  for (let attempt = 1; ; attempt++) {
    rmSync(dest, { recursive: true, force: true });
    for (const name of ['node', 'wasm']) {
      cpSync(join(ROOT, 'bindings', name), join(dest, name), { recursive: true, filter: (src) => !skip.test(src) });
    }
    const probe = spawnSync(process.execPath, ['-e', `for (const d of ['node', 'wasm']) { const a = require(${JSON.stringify(dest)} + '/' + d); if (typeof a.serializeCallState !== 'function') throw new Error(d); }`], { encoding: 'utf8' });
    if (probe.status === 0) return dest;
    if (attempt === 10) throw new Error(`bench: the packages do not load (make build): ${probe.stderr}`);
    log('packages do not load yet (a build in progress?); retrying in 15 s');
    spawnSync('sleep', ['15']);
  }
}

const buildAtStart = buildFingerprint();
process.env.CALLSTATE_BENCH_PACKAGES = snapshotPackages();
const results = {};
for (const name of only.filter((p) => !['store', 'load'].includes(p))) {
  results[name] = part(name, name === 'cargo' ? ['--measurement', '1', '--warmup', '0.3'] : []);
}

if (only.includes('store') || only.includes('load')) {
  const redisDir = join(outDir, 'redis');
  const port = execFileSync('bash', [join(ROOT, 'scripts', 'redis.sh'), 'start', redisDir], { encoding: 'utf8' }).trim();
  const stop = () => spawnSync('bash', [join(ROOT, 'scripts', 'redis.sh'), 'stop', redisDir]);
  process.on('SIGINT', () => { stop(); process.exit(130); });
  try {
    log(`redis-server on 127.0.0.1:${port}`);
    for (const name of ['store', 'load'].filter((p) => only.includes(p))) results[name] = part(name, ['--port', port]);
  } finally {
    stop();
  }
}

// --- latest.json: the names issue 6 fixes, then the detail of every part
const r = results;
const latest = {
  generatedAt: new Date().toISOString(),
  smoke,
  seconds: Math.round((Date.now() - started) / 1000),
  machine: machine(),
  build: (() => {
    const atEnd = buildFingerprint();
    // The parts ran on a snapshot taken at the start, so a rebuild during the run is only noted.
    return { fingerprint: buildAtStart, treeRebuiltDuringRun: atEnd !== buildAtStart, measured: 'a snapshot of bindings/node and bindings/wasm taken at the start' };
  })(),
  codec: r.codec?.codec ?? null,
  store: r.store?.store ?? null,
  size: r.startup?.size ? { wasmGzBytes: r.startup.size.wasmGzBytes, wasmBytes: r.startup.size.wasmBytes, nodeBytes: r.startup.size.nodeBytes, packages: r.startup.size.packages } : null,
  start: r.startup?.start ?? null,
  load: r.load?.load ?? null,
  memory: r.memory ?? null,
  scaling: r.scaling ?? null,
  cargo: r.cargo ?? null,
  detail: { codec: r.codec ?? null, store: r.store ?? null, load: r.load ?? null },
  errors: Object.fromEntries(Object.entries(r).filter(([, v]) => v?.error).map(([k, v]) => [k, v.error])),
};
// A partial run (--only) writes beside latest.json and leaves it, and the report, alone: a
// report mixing parts of two runs (two builds, two machine loads) says less than either.
const partial = Boolean(opts.only) && !smoke;
if (partial) latest.partial = { ran: only };
if (latest.build.treeRebuiltDuringRun) log('note: the work tree was rebuilt during the run; the bench measured its snapshot from the start');
const resultFile = join(outDir, partial ? `partial-${only.join('-')}.json` : 'latest.json');
writeJson(resultFile, latest);
log(`wrote ${resultFile} in ${latest.seconds}s`);
if (partial) log('partial run: latest.json, BENCHMARKS.md and the charts are left as the last full run wrote them');

const writeDocs = !opts['no-docs'] && !partial;
// The size-by-crate data (bench/wasm-size.json, committed) follows the build where twiggy is
// installed (`make wasm-profile` installs it); elsewhere the chart keeps the last one, dated.
const twiggy = join(ROOT, '.tools', 'cargo', 'bin', 'twiggy');
const namesWasm = join(ROOT, 'target', 'callstate-build', 'callstate_wasm.names.wasm');
if (writeDocs && !smoke && existsSync(twiggy) && existsSync(namesWasm)) {
  const r = spawnSync(process.execPath, [join(here, 'wasm-size.mjs')], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) log('wasm-size: twiggy failed; the chart keeps bench/wasm-size.json as it was');
}
if (writeDocs) {
  const docs = smoke ? { md: join(outDir, 'BENCHMARKS.md'), svgDir: outDir } : { md: join(ROOT, 'BENCHMARKS.md'), svgDir: here };
  writeReport(latest, docs);
  log(`wrote ${docs.md} and the charts in ${docs.svgDir}`);
}

const docPaths = smoke ? { md: join(outDir, 'BENCHMARKS.md'), svgDir: outDir } : { md: join(ROOT, 'BENCHMARKS.md'), svgDir: here };
const problems = checkResults(latest, { parts: only, outDir, smoke, docs: writeDocs, ...docPaths });
for (const p of problems) log(`problem: ${p}`);
const failedParts = new Set(Object.keys(latest.errors));
for (const p of problems) { const m = p.match(/^(?:part )?([a-z]+)[ .]/); if (m && only.includes(m[1])) failedParts.add(m[1]); }
if (problems.length && failedParts.size === 0) failedParts.add('output');
// One line a CI log reader understands: each part is one check.
console.log(`bench${smoke ? ' smoke' : ''}: ${only.length - [...failedParts].filter((p) => only.includes(p)).length} passed, ${failedParts.size} failed`);
if (problems.length) process.exit(1);
if (smoke && !opts.out) rmSync(outDir, { recursive: true, force: true });
log(smoke ? `smoke ok: ${only.join(', ')}` : 'ok');
