// workerd start-up cost of callstate-wasm (issue 15): one Miniflare run (one Miniflare object,
// the real workerd binary) switched back and forth between an empty module worker and the same
// worker importing callstate-wasm's workerd entry (its .wasm as a CompiledWasm module, as wrangler
// bundles it), timing each `setOptions` until the runtime is ready again. workerd freezes clocks
// inside a worker, so the time is taken from outside. Alternating pairs, so a burst of load from
// other work hits both alike; `workerdDeltaMs` is the median of the per-pair differences.
// Needs examples/worker's npm packages (miniflare, esbuild: `bash examples/install.sh
// examples/worker`, which `make test-runtimes` runs); without them it reports why and no numbers.
//
// Usage: node bench/workerd.mjs [--smoke] [--pairs N] [--out FILE]
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGES, ROOT } from './lib/variants.mjs';
import { args, emit, median, round } from './lib/util.mjs';

const opts = args();
const pairs = Number(opts.pairs ?? (opts.smoke ? 2 : 12));
const examples = join(ROOT, 'examples', 'worker');

async function load(name) {
  const require = createRequire(join(examples, 'package.json'));
  return import(pathToFileURL(require.resolve(name)).href);
}

async function main() {
  if (!existsSync(join(examples, 'node_modules', 'miniflare'))) {
    return { workerd: { skipped: 'examples/worker has no node_modules (run make test-runtimes)' } };
  }
  const { Miniflare } = await load('miniflare');
  const { build } = await load('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'callstate-workerd-'));
  try {
    // The worker: callstate-wasm's workerd entry, used so nothing is tree-shaken away.
    const entry = join(dir, 'entry.mjs');
    writeFileSync(entry, `import { generateStateKey } from ${JSON.stringify(join(PACKAGES.wasm, 'workerd.mjs'))};
export default { fetch() { return new Response(generateStateKey('CA0123456789abcdef0123456789abcdef')); } };\n`);
    await build({
      entryPoints: [entry], bundle: true, format: 'esm', platform: 'neutral', outfile: join(dir, 'worker.mjs'),
      conditions: ['workerd', 'worker', 'browser'], logLevel: 'silent',
      plugins: [{
        name: 'compiled-wasm',
        setup(b) {
          b.onResolve({ filter: /\.wasm$/ }, (a) => {
            const from = resolve(a.resolveDir, a.path);
            copyFileSync(from, join(dir, basename(from)));
            return { path: `./${basename(from)}`, external: true };
          });
        },
      }],
    });
    const empty = { modules: true, script: 'export default { fetch() { return new Response("ok"); } }' };
    const ours = { modules: true, modulesRoot: dir, scriptPath: join(dir, 'worker.mjs'), modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }] };
    const base = { compatibilityDate: '2025-09-01' };
    const mf = new Miniflare({ ...base, ...empty });
    await mf.ready;
    const timed = async (o) => {
      const t0 = process.hrtime.bigint();
      await mf.setOptions({ ...base, ...o });
      await mf.ready;
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    const without = [];
    const withIt = [];
    try {
      // One warm-up pair (workerd's first start pays for the binary's page cache), not counted.
      await timed(ours);
      const text = await (await mf.dispatchFetch('http://localhost/')).text();
      if (!text.endsWith('CA0123456789abcdef0123456789abcdef')) throw new Error(`the worker answered ${text.slice(0, 80)}`);
      for (let i = 0; i < pairs; i++) {
        without.push(await timed(empty));
        withIt.push(await timed(ours));
      }
    } finally {
      await mf.dispose();
    }
    const diffs = withIt.map((w, i) => w - without[i]);
    return {
      workerd: {
        pairs,
        emptyMs: round(median(without), 2),
        withWasmMs: round(median(withIt), 2),
        deltaMs: round(median(diffs), 2),
        deltaMinMs: round(Math.min(...withIt) - Math.min(...without), 2),
        wasmBytes: statSync(join(dir, 'callstate_wasm_bg.wasm')).size,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

emit(opts, await main());
