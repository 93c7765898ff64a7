// Size and start-up (issue 6): the WASM module's gzipped size, the `.node` size, both packages'
// `npm pack` sizes, and cold-start costs measured in fresh Node processes (median of 20 each):
//   requireMs            `require('callstate')` (bindings/node, the napi module)
//   requireFloorMs       the first `require` of a JSON file: what any package's cold require pays
//   requireBeyondFloorMs issue 15's measure: median requireMs − median requireFloorMs
//   requireAfterFloorMs  the same in one process: `require` of the JSON file, then the timed
//                        `require('callstate')` (callstate's own part, with no floor in it)
//   hyperfine            where hyperfine is installed: 30 runs each of `node -e "require('callstate')"`
//                        and `node -e "require('./empty.json')"` (wall time of the whole process;
//                        on a shared machine its spread is larger than the difference)
//   wasmInstantiateMs    `require('callstate-wasm')` (glue + compile + instantiate + shim)
//   forceWasmRequireMs   `require('callstate')` with CALLSTATE_FORCE_WASM=1 (the Node fallback)
//   wasmCompileMs        `new WebAssembly.Module(bytes)` alone (bytes already read)
//   nodeStartMs          wall time of `node -e ''` (for scale: what a cold Function pays anyway)
//   workerdDeltaMs       workerd start-up with callstate-wasm minus an empty worker's, in one
//                        Miniflare run (bench/workerd.mjs; null when examples/worker is not installed)
// Each time is taken inside the process (performance.now() around the require), so the node
// start-up itself is not part of it; the OS file cache is warm, as on a reused container.
//
// Usage: node bench/startup.mjs [--smoke] [--runs N] [--out FILE]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PACKAGES, ROOT } from './lib/variants.mjs';
import { args, emit, median, round } from './lib/util.mjs';

const opts = args();
const runs = Number(opts.runs ?? (opts.smoke ? 2 : 20));

function findFiles(dir, suffix) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules') out.push(...findFiles(p, suffix));
    else if (e.isFile() && e.name.endsWith(suffix)) out.push(p);
  }
  return out;
}

// --- sizes
const wasmFiles = findFiles(join(PACKAGES.wasm, 'pkg'), '.wasm');
if (wasmFiles.length === 0) throw new Error('no .wasm under bindings/wasm/pkg: run make build');
const wasmFile = wasmFiles.find((f) => f.includes('/web/')) ?? wasmFiles[0];
const wasmBytes = readFileSync(wasmFile);
const nodeFile = findFiles(PACKAGES.native, '.node')[0];
if (!nodeFile) throw new Error('no .node in bindings/node: run make build');

function packSize(dir) {
  try {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: dir, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8',
    });
    const [info] = JSON.parse(out);
    return { tarballBytes: info.size, unpackedBytes: info.unpackedSize, files: info.entryCount };
  } catch (e) {
    return { error: String(e.message).split('\n')[0] };
  }
}

const size = {
  wasmGzBytes: gzipSync(wasmBytes, { level: 9 }).length,
  wasmBytes: wasmBytes.length,
  wasmFile: wasmFile.slice(ROOT.length + 1),
  nodeBytes: statSync(nodeFile).size,
  nodeFile: nodeFile.slice(ROOT.length + 1),
  packages: { callstate: packSize(PACKAGES.native), 'callstate-wasm': packSize(PACKAGES.wasm) },
};

// --- cold start, in fresh processes
const probe = (body) => `const t0 = performance.now(); ${body}; process.stdout.write(String(performance.now() - t0));`;
const cases = {
  requireMs: { code: probe(`require(${JSON.stringify(PACKAGES.native)})`) },
  // The floor under every first require: Node's module loader warming up on a JSON file.
  requireFloorMs: { code: probe(`require(${JSON.stringify(join(PACKAGES.native, 'package.json'))})`) },
  requireAfterFloorMs: { code: `require(${JSON.stringify(join(PACKAGES.native, 'package.json'))}); ${probe(`require(${JSON.stringify(PACKAGES.native)})`)}` },
  wasmInstantiateMs: { code: probe(`require(${JSON.stringify(PACKAGES.wasm)})`) },
  forceWasmRequireMs: { code: probe(`require(${JSON.stringify(PACKAGES.native)})`), env: { CALLSTATE_FORCE_WASM: '1' } },
  wasmCompileMs: {
    code: `const b = require('fs').readFileSync(${JSON.stringify(wasmFile)}); ${probe('new WebAssembly.Module(b)')}`,
  },
};

function once(code, env) {
  const r = spawnSync(process.execPath, ['-e', code], {
    env: { ...process.env, CALLSTATE_FORCE_WASM: '', ...env }, encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`node -e failed: ${r.stderr}`);
  return Number(r.stdout);
}

const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
samples.nodeStartMs = [];
for (let i = 0; i < runs; i++) {
  // Interleaved, so a burst of load from other work hits every case alike.
  for (const [k, c] of Object.entries(cases)) samples[k].push(once(c.code, c.env));
  const t0 = performance.now();
  once('', {});
  samples.nodeStartMs.push(performance.now() - t0);
}
const start = Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, round(median(xs), 2)]));
start.runs = runs;
start.requireBeyondFloorMs = round(start.requireMs - start.requireFloorMs, 2);
start.minMs = Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, round(Math.min(...xs), 2)]));

// hyperfine, as issue 15 words the measure: whole `node -e` processes, from a folder where
// `require('callstate')` finds the package and `./empty.json` exists.
function hyperfine() {
  const which = spawnSync('hyperfine', ['--version'], { encoding: 'utf8' });
  if (which.status !== 0) return { error: 'hyperfine not installed (apt-get install hyperfine)' };
  const dir = mkdtempSync(join(tmpdir(), 'callstate-hf-'));
  try {
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(PACKAGES.native, join(dir, 'node_modules', 'callstate'));
    symlinkSync(PACKAGES.wasm, join(dir, 'node_modules', 'callstate-wasm'));
    writeFileSync(join(dir, 'empty.json'), '{}\n');
    const n = opts.smoke ? 2 : 30;
    const out = join(dir, 'hf.json');
    const node = process.execPath;
    const r = spawnSync('hyperfine', ['-N', '--warmup', '3', '--runs', String(n), '--export-json', out,
      `${node} -e "require('callstate')"`, `${node} -e "require('./empty.json')"`], { cwd: dir, encoding: 'utf8', env: { ...process.env, CALLSTATE_FORCE_WASM: '' } });
    if (r.status !== 0) return { error: String(r.stderr).trim().split('\n').pop() };
    const [a, b] = JSON.parse(readFileSync(out, 'utf8')).results;
    const ms = (x) => round(x * 1000, 2);
    return {
      runs: n,
      requireMs: ms(a.mean), requireSdMs: ms(a.stddev), requireMedianMs: ms(a.median),
      floorMs: ms(b.mean), floorSdMs: ms(b.stddev), floorMedianMs: ms(b.median),
      beyondFloorMs: ms(a.mean - b.mean),
      beyondFloorCpuMs: ms(a.user + a.system - b.user - b.system),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
start.hyperfine = hyperfine();

// workerd start-up with and without the module, in one Miniflare run (bench/workerd.mjs; its own
// process, as it loads miniflare from examples/worker).
const wd = spawnSync(process.execPath, [join(ROOT, 'bench', 'workerd.mjs'), ...(opts.smoke ? ['--smoke'] : [])], {
  env: { ...process.env, CALLSTATE_FORCE_WASM: '' }, encoding: 'utf8', timeout: 600_000,
});
const workerd = wd.status === 0 ? JSON.parse(wd.stdout).workerd : { error: String(wd.stderr || wd.error).trim().split('\n').pop() };
start.workerdDeltaMs = workerd.deltaMs ?? null;
start.workerd = workerd;

emit(opts, { size, start });
