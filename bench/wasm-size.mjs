// The WASM module's size by crate (issue 15), for BENCHMARKS.md's size breakdown chart:
// `twiggy top` of the build with names kept (target/callstate-build/callstate_wasm.names.wasm,
// written by scripts/build.sh: the shipped module's code plus a name section), every item's
// shallow bytes summed by crate, into bench/wasm-size.json (committed, so the chart redraws
// without twiggy; `make wasm-profile` installs twiggy and rewrites it, and so does `make bench`
// where twiggy is installed).
//
// An item goes to the first crate its symbol names other than core/alloc/std (a generic
// instantiated for a crate's types lands in that crate; std's own when no other is named);
// data segments, the wasm-bindgen export shims (with the callers inlined into them) and the
// rest (imports, tables, the type section) get their own rows. The name section is not
// shipped and is left out.
//
// Usage: node bench/wasm-size.mjs [--wasm FILE] [--out FILE] [--twiggy BIN]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from './lib/variants.mjs';
import { args, writeJson } from './lib/util.mjs';

const STD = new Set(['core', 'alloc', 'std', 'compiler_builtins']);

/** The row an item belongs to (see the header). */
export function crateOf(name) {
  if (name.startsWith('data segment') || name === 'data[0]') return 'data';
  if (/ multivalue shim$|^__wbg|^__wbindgen|^__externref/.test(name)) return 'export shims';
  const crates = [...name.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\[[0-9a-f]{16}\]::/g)].map((m) => m[1]);
  if (crates.length === 0) {
    // Unmangled or section-level items: `<f64 as core::fmt::Display>` style, or the sections.
    const plain = [...name.matchAll(/\b([a-z_][a-z0-9_]*)::/g)].map((m) => m[1]);
    const named = plain.find((c) => !STD.has(c)) ?? plain[0];
    return named ?? 'other (sections, imports, tables)';
  }
  return crates.find((c) => !STD.has(c)) ?? crates[0];
}

export function wasmSize({ wasm, twiggy }) {
  const rows = JSON.parse(execFileSync(twiggy, ['top', '-f', 'json', wasm], { encoding: 'utf8', maxBuffer: 64 << 20 }));
  const items = rows.filter((r) => !/^"function names" subsection$|^"\w+ names" subsection$|^"name" section|name section/.test(r.name));
  const byCrate = new Map();
  for (const it of items) {
    const c = crateOf(it.name);
    const row = byCrate.get(c) ?? { crate: c, bytes: 0, items: 0 };
    row.bytes += it.shallow_size;
    row.items += 1;
    byCrate.set(c, row);
  }
  const total = items.reduce((a, it) => a + it.shallow_size, 0);
  const bytes = readFileSync(wasm);
  return {
    generatedAt: new Date().toISOString(),
    twiggy: execFileSync(twiggy, ['--version'], { encoding: 'utf8' }).trim(),
    module: wasm.startsWith(ROOT) ? wasm.slice(ROOT.length + 1) : wasm,
    moduleSha256: createHash('sha256').update(bytes).digest('hex').slice(0, 16),
    namesSectionBytes: rows.filter((r) => /names" subsection/.test(r.name)).reduce((a, r) => a + r.shallow_size, 0),
    totalBytes: total,
    note: 'shallow bytes by crate, before gzip, name section left out; the shipped module is the same code without names',
    byCrate: [...byCrate.values()].sort((a, b) => b.bytes - a.bytes),
    top: items.slice().sort((a, b) => b.shallow_size - a.shallow_size).slice(0, 20).map((it) => ({ bytes: it.shallow_size, item: it.name.replace(/\[[0-9a-f]{16}\]/g, '') })),
    gzBytesWithNames: gzipSync(bytes, { level: 9 }).length,
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const opts = args();
  const out = opts.out ?? join(ROOT, 'bench', 'wasm-size.json');
  const result = wasmSize({
    wasm: opts.wasm ?? join(ROOT, 'target', 'callstate-build', 'callstate_wasm.names.wasm'),
    twiggy: opts.twiggy ?? join(ROOT, '.tools', 'cargo', 'bin', 'twiggy'),
  });
  writeJson(out, result);
  process.stderr.write(`wasm-size: ${result.totalBytes} B in ${result.byCrate.length} rows -> ${out}\n`);
}
