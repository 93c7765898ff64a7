// Memory (issue 6): RSS after 10^4 and after 10^6 encode/decode round trips of the sample state,
// per backend, each in its own fresh process (node --expose-gc), with a full GC before each
// reading. A flat RSS (the difference within noise, a few MB) means nothing leaks per call: no
// native allocation kept, no WASM linear memory growing, no handle left behind.
//
// Usage: node bench/memory.mjs [--smoke] [--n N] [--out FILE]
//        node --expose-gc bench/memory.mjs --child BACKEND --n N   (one backend; prints JSON)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { codecVariants } from './lib/variants.mjs';
import { sampleState } from './lib/states.mjs';
import { args, emit, round } from './lib/util.mjs';

const opts = args();
const MB = 1024 * 1024;

if (opts.child) {
  // Keep a handle on the WASM instance's linear memory (the glue does not export it): its size
  // tells a leak in WASM (linear memory only grows) from V8 or allocator noise.
  let wasmMemory = null;
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = function (module, imports) {
    const inst = new Instance(module, imports);
    if (opts.child === 'wasm' && inst.exports.memory instanceof WebAssembly.Memory) wasmMemory = inst.exports.memory;
    return inst;
  };
  const v = codecVariants().find((x) => x.key === opts.child);
  WebAssembly.Instance = Instance;
  if (!v) throw new Error(`unknown backend ${opts.child}`);
  const n = Number(opts.n);
  const first = Math.min(1e4, n);
  const state = sampleState();
  let sink = 0;
  const reading = () => {
    globalThis.gc();
    globalThis.gc();
    const m = process.memoryUsage();
    return {
      rssMB: round(m.rss / MB, 1), heapUsedMB: round(m.heapUsed / MB, 1), heapTotalMB: round(m.heapTotal / MB, 1), externalMB: round(m.external / MB, 1),
      wasmMemoryMB: wasmMemory ? round(wasmMemory.buffer.byteLength / MB, 2) : null,
    };
  };
  for (let i = 0; i < first; i++) sink += v.decode(v.encode(state)).attemptCount;
  const atFirst = reading();
  const checkpoints = [];
  const t0 = performance.now();
  let done = first;
  for (const stop of [1e5, 3e5, 6e5, 1e6, 2e6, 4e6, n].filter((x, i, a) => x > first && x <= n && a.indexOf(x) === i)) {
    for (; done < stop; done++) sink += v.decode(v.encode(state)).attemptCount;
    checkpoints.push({ at: stop, ...reading() });
  }
  const seconds = (performance.now() - t0) / 1000;
  const atEnd = checkpoints.at(-1) ?? atFirst;
  process.stdout.write(JSON.stringify({ n, first, atFirst, atEnd, checkpoints, seconds: round(seconds, 2), sink: sink > 0 }));
} else {
  const n = Number(opts.n ?? (opts.smoke ? 2e4 : 1e6));
  const out = { roundTrips: n, after: Math.min(1e4, n), backends: {} };
  for (const backend of ['seed', 'native', 'wasm']) {
    const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', backend, '--n', String(n)], {
      encoding: 'utf8', env: { ...process.env, CALLSTATE_FORCE_WASM: '' },
    });
    if (r.status !== 0) throw new Error(`memory ${backend}: ${r.stderr}`);
    const res = JSON.parse(r.stdout);
    out.backends[backend] = {
      rssAfter1e4MB: res.atFirst.rssMB,
      rssAfterNMB: res.atEnd.rssMB,
      rssGrowthMB: round(res.atEnd.rssMB - res.atFirst.rssMB, 1),
      heapUsedGrowthMB: round(res.atEnd.heapUsedMB - res.atFirst.heapUsedMB, 1),
      externalGrowthMB: round(res.atEnd.externalMB - res.atFirst.externalMB, 1),
      wasmMemoryMB: res.atEnd.wasmMemoryMB == null ? undefined : { after1e4: res.atFirst.wasmMemoryMB, afterN: res.atEnd.wasmMemoryMB },
      rssByCheckpointMB: Object.fromEntries([[res.first, res.atFirst.rssMB], ...res.checkpoints.map((c) => [c.at, c.rssMB])]),
      heapTotalGrowthMB: round(res.atEnd.heapTotalMB - res.atFirst.heapTotalMB, 1),
      seconds: res.seconds,
    };
    process.stderr.write(`memory ${backend}: ${JSON.stringify(out.backends[backend])}\n`);
  }
  emit(opts, out);
}
