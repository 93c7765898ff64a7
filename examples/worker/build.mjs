// Bundles src/worker.mjs into dist/ the way `wrangler deploy` does: esbuild, ESM, the export
// conditions workerd uses (`workerd`, `worker`, `browser`), and every imported `.wasm` kept as
// its own module beside the bundle, which workerd loads as a compiled WebAssembly.Module
// (wrangler's CompiledWasm rule). Prints the sizes. `node build.mjs [entry]` or `import { build }`;
// entries are the files of src/ (`worker`, `store-worker`), each built into dist/<entry>/.
import { build as esbuild } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));

/** Builds dist/<entry>/worker.mjs (+ its .wasm) from src/<entry>.mjs or `contents`; returns `{ dir, script, files: [{ name, bytes, gzip }] }`. */
export async function build({ entry = 'worker', contents, quiet = false } = {}) {
  const dir = join(here, 'dist', entry);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const wasmModules = {
    name: 'compiled-wasm',
    setup(b) {
      b.onResolve({ filter: /\.wasm$/ }, (args) => {
        const from = resolve(args.resolveDir, args.path);
        copyFileSync(from, join(dir, basename(from)));
        return { path: `./${basename(from)}`, external: true };
      });
    },
  };
  await esbuild({
    // `contents`: a module given as text (tests' probes), resolved from this folder.
    ...(contents === undefined
      ? { entryPoints: [join(here, `src/${entry}.mjs`)] }
      : { stdin: { contents, resolveDir: here, sourcefile: `${entry}.mjs` } }),
    outfile: join(dir, 'worker.mjs'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    target: 'es2022',
    minify: true,
    logLevel: 'warning',
    plugins: [wasmModules],
  });
  const files = readdirSync(dir).sort().map((name) => {
    const bytes = readFileSync(join(dir, name));
    return { name, bytes: statSync(join(dir, name)).size, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  if (!quiet) {
    for (const f of files) console.log(`worker: dist/${entry}/${f.name} ${f.bytes} bytes (${f.gzip} gzipped)`);
  }
  return { dir, script: join(dir, 'worker.mjs'), files };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await build({ entry: process.argv[2] ?? 'worker' });
