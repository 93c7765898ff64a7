// BENCHMARKS.md and the three SVG charts (ratios, scaling, WASM size by crate), from a latest.json (bench/run.mjs calls this after every
// run; `node bench/report.mjs` redraws from bench/results/latest.json without re-measuring).
// The charts are plain SVG written here: no chart dependency, readable in any browser and on
// GitHub. bench/findings.md (the profile notes, written by hand) and bench/soak.md (the last
// `make soak`) are copied in under their headings.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

const VARIANTS = [
  ['seed', "seed's plain JS (a)"],
  ['zod', 'zod 4 (b)'],
  ['handJs', 'hand-validated JS (b2)'],
  ['floor', 'bare JSON, the floor (c)'],
  ['native', 'callstate, napi (d)'],
  ['wasm', 'callstate-wasm (e)'],
];
const COLORS = { seed: '#6b7280', zod: '#3b82f6', handJs: '#8b5cf6', floor: '#9ca3af', native: '#ea580c', wasm: '#16a34a', nativeCompressed: '#f59e0b', wasmCompressed: '#84cc16' };
const KB = 1024;
const SHORT = { seed: "seed's JS", zod: 'zod 4', handJs: 'hand-validated JS', floor: 'bare JSON', native: 'napi', wasm: 'WASM', nativeCompressed: 'napi, compressed', wasmCompressed: 'WASM, compressed' };

/** Issue 15's targets (and issue 6's correctness ones): [label, measured value, limit, 'max' | 'min', unit]. */
export function targets(l) {
  const c = l.codec ?? {};
  const st = l.start ?? {};
  const beyond = st.requireBeyondFloorMs ?? (typeof st.requireMs === 'number' && typeof st.requireFloorMs === 'number' ? st.requireMs - st.requireFloorMs : undefined);
  return [
    ['WASM module ≤ 70 KB gzipped', l.size?.wasmGzBytes != null ? l.size.wasmGzBytes / KB : undefined, 70, 'max', ' KB'],
    ["`callstate-wasm` load (`require`) ≤ 8 ms", st.wasmInstantiateMs, 8, 'max', ' ms'],
    ['workerd start-up with callstate-wasm ≤ +12 ms over a worker without it', st.workerdDeltaMs ?? undefined, 12, 'max', ' ms'],
    ['store save+get p50 ≤ 1.15× raw ioredis `SET`/`GET` (seed code)', l.store?.saveGetOverhead, 1.15, 'max', '×'],
    ['`updateCallState` ≥ 0.55 of raw `SET` throughput (50 calls)', l.store?.updateThroughputRatio, 0.55, 'min', '×'],
    ['codec sample, encode+decode: napi ≤ 1.25× seed', c.sample?.native, 1.25, 'max', '×'],
    ['codec sample, encode+decode: WASM ≤ 1.4× seed', c.sample?.wasm, 1.4, 'max', '×'],
    ['codec large (~6.5 KB): napi ≤ 0.6× seed', c.large?.native, 0.6, 'max', '×'],
    ['codec large (~6.5 KB): WASM ≤ 0.7× seed', c.large?.wasm, 0.7, 'max', '×'],
    ['— the same, large as users build it (mixed jobData, seed order): napi ≤ 0.6×', c.largeMixed?.native, 0.6, 'max', '×'],
    ['— the same, large as users build it: WASM ≤ 0.7×', c.largeMixed?.wasm, 0.7, 'max', '×'],
    ['— the same, large as decoded (codec order, from JSON.parse): napi ≤ 0.6×', c.largeDecoded?.native, 0.6, 'max', '×'],
    ['— the same, large as decoded: WASM ≤ 0.7×', c.largeDecoded?.wasm, 0.7, 'max', '×'],
    ["`require('callstate')` beyond Node's own first `require` ≤ 1 ms", beyond, 1, 'max', ' ms'],
    ['load: lost updates = 0 (issue 6)', l.load?.lost, 0, 'max', ''],
    ['load: stale overwrites = 0 (issue 6)', l.load?.staleOverwrites, 0, 'max', ''],
    ['load: errors = 0 (issue 6)', l.load?.errors, 0, 'max', ''],
    ['memory flat, napi: RSS growth 10⁴ → 10⁶ round trips, less V8 heap reservation, ≤ 5 MB (issue 6)', leak(l.memory?.backends?.native), 5, 'max', ' MB'],
    ['memory flat, WASM: the same, ≤ 5 MB (and WASM linear memory unchanged) (issue 6)', leak(l.memory?.backends?.wasm), 5, 'max', ' MB'],
  ];
}

/** RSS growth not explained by V8 growing its heap reservation (heapTotal): what a leak would show. */
function leak(b) {
  if (!b || typeof b.rssGrowthMB !== 'number') return undefined;
  const wasmGrew = b.wasmMemoryMB ? b.wasmMemoryMB.afterN - b.wasmMemoryMB.after1e4 : 0;
  return Math.max(0, b.rssGrowthMB - Math.max(0, b.heapTotalGrowthMB ?? 0)) + Math.max(0, wasmGrew);
}
const fmt = (v, d = 2) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '—');
const us = (ns) => (typeof ns === 'number' ? (ns / 1000).toFixed(ns < 10000 ? 2 : 1) : '—');
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

// --- charts -----------------------------------------------------------------------------------

/** The codec bench's states, in chart and table order: [key, label, target napi, target WASM]. */
const SHAPES = [
  ['sample', 'sample', 1.25, 1.4],
  ['large', 'large', 0.6, 0.7],
  ['largeMixed', 'large as built', 0.6, 0.7],
  ['largeDecoded', 'large as decoded', 0.6, 0.7],
];

/** Horizontal grouped bars: each variant's ratio to the seed, one bar per state. */
export function ratiosSvg(l) {
  const shapes = SHAPES.filter(([k]) => k === 'sample' || k === 'large' || l.codec?.[k]);
  const rows = VARIANTS.map(([k, label]) => ({
    k, label, v: shapes.map(([s]) => (k === 'seed' ? 1 : l.codec?.[s]?.[k])),
  }));
  const max = Math.max(2.5, ...rows.flatMap((r) => r.v).filter(Number.isFinite)) * 1.22;
  const W = 760; const left = 190; const right = 40; const top = 56; const barH = 14; const rowH = shapes.length * (barH + 3) + 12;
  const H = top + rows.length * rowH + 48;
  const x = (v) => left + ((W - left - right) * v) / max;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="13">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">encode+decode time ÷ the seed's plain JS (lower is faster)</text>`);
  const bytes = shapes.map(([s, name]) => `${name} ${l.detail?.codec?.states?.[s]?.seedBytes ?? '?'} B`).join(' · ');
  out.push(`<text x="${W / 2}" y="40" text-anchor="middle" fill="#4b5563" font-size="11">${esc(`${bytes} · node ${l.machine?.node ?? ''} · median of ${l.detail?.codec?.rounds ?? '?'} rounds`)}</text>`);
  for (let t = 0; t <= max; t += 0.5) {
    out.push(`<line x1="${x(t).toFixed(1)}" y1="${top - 6}" x2="${x(t).toFixed(1)}" y2="${top + rows.length * rowH}" stroke="${t === 1 ? '#111827' : '#e5e7eb'}" stroke-width="${t === 1 ? 1.5 : 1}"${t === 1 ? ' stroke-dasharray="4 3"' : ''}/>`);
    out.push(`<text x="${x(t).toFixed(1)}" y="${top + rows.length * rowH + 16}" text-anchor="middle" fill="#6b7280">${t.toFixed(1)}×</text>`);
  }
  const opacity = [1, 0.7, 0.5, 0.32];
  rows.forEach((r, i) => {
    const y0 = top + i * rowH + 4;
    out.push(`<text x="${left - 10}" y="${y0 + (shapes.length * (barH + 3)) / 2 + 4}" text-anchor="end">${esc(r.label)}</text>`);
    shapes.forEach(([, name, tn, tw], j) => {
      const v = r.v[j];
      const y = y0 + j * (barH + 3);
      if (!Number.isFinite(v)) return;
      out.push(`<rect x="${left}" y="${y}" width="${Math.max(1, x(v) - left).toFixed(1)}" height="${barH}" fill="${COLORS[r.k]}" fill-opacity="${opacity[j]}"><title>${esc(`${r.label}, ${name}: ${v.toFixed(2)}×`)}</title></rect>`);
      out.push(`<text x="${(x(v) + 4).toFixed(1)}" y="${y + barH - 3}" font-size="11" fill="#111827">${esc(`${v.toFixed(2)}× ${name}`)}</text>`);
      const tg = r.k === 'native' ? tn : r.k === 'wasm' ? tw : null;
      if (tg) out.push(`<line x1="${x(tg).toFixed(1)}" y1="${y - 1}" x2="${x(tg).toFixed(1)}" y2="${y + barH + 1}" stroke="#dc2626" stroke-width="2.5"><title>${esc(`target ${tg}×`)}</title></line>`);
    });
  });
  out.push(`<text x="20" y="${H - 10}" fill="#6b7280" font-size="11">${esc(`darkest first: ${shapes.map(([, n]) => n).join(', ')} · red tick: issue 15 target · dashed: the seed (1.0×)`)}</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Horizontal bars: the WASM module's bytes by crate (bench/wasm-size.json, from twiggy). */
export function wasmSizeSvg(ws, l) {
  const W = 760; const left = 200; const right = 150; const top = 60; const rowH = 24; const barH = 16;
  const minor = ws.byCrate.filter((r) => r.bytes < ws.totalBytes * 0.01);
  const rows = [...ws.byCrate.filter((r) => r.bytes >= ws.totalBytes * 0.01)];
  if (minor.length) rows.push({ crate: `${minor.length} others (< 1 % each)`, bytes: minor.reduce((a, r) => a + r.bytes, 0) });
  const H = top + rows.length * rowH + 40;
  const max = Math.max(...rows.map((r) => r.bytes));
  const x = (b) => left + ((W - left - right) * b) / max;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="13">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">${esc(`the WASM module by crate: ${(ws.totalBytes / KB).toFixed(0)} KB raw`)}</text>`);
  const shipped = l?.size?.wasmBytes;
  const same = shipped != null && Math.abs(shipped - ws.totalBytes) < 256;
  out.push(`<text x="${W / 2}" y="40" text-anchor="middle" fill="#4b5563">${esc(`twiggy shallow bytes before gzip, ${ws.generatedAt.slice(0, 10)}${shipped == null ? '' : same ? ' (this run’s module)' : ` (this run’s module: ${(shipped / KB).toFixed(0)} KB)`}`)}</text>`);
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${left - 10}" y="${y + barH - 3}" text-anchor="end">${esc(r.crate)}</text>`);
    out.push(`<rect x="${left}" y="${y}" width="${Math.max(1, x(r.bytes) - left).toFixed(1)}" height="${barH}" fill="${r.crate === 'callstate' ? '#ea580c' : r.crate === 'data' ? '#9ca3af' : '#3b82f6'}"><title>${esc(`${r.crate}: ${r.bytes} B`)}</title></rect>`);
    out.push(`<text x="${(x(r.bytes) + 6).toFixed(1)}" y="${y + barH - 3}" font-size="12" fill="#111827">${esc(`${(r.bytes / KB).toFixed(1)} KB · ${((100 * r.bytes) / ws.totalBytes).toFixed(1)} %`)}</text>`);
  });
  out.push(`<text x="20" y="${H - 12}" fill="#6b7280" font-size="11">${esc('each item under the first non-std crate its symbol names · export shims: wasm-bindgen’s, with the callers inlined into them')}</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Log-log lines: encode+decode µs over state size, one line per variant, with fitted slopes. */
export function scalingSvg(l) {
  const sc = l.scaling;
  const W = 860; const H = 460; const left = 70; const right = 250; const top = 46; const bottom = 56;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${(W - right + left) / 2}" y="24" text-anchor="middle" font-size="15" font-weight="600">encode+decode time over state size (log-log)</text>`);
  if (!sc?.sizes?.length) {
    out.push(`<text x="${W / 2}" y="${H / 2}" text-anchor="middle">no scaling data</text>`);
    out.push('</svg>');
    return `${out.join('\n')}\n`;
  }
  const xs = sc.sizes.map((s) => s.seedBytes);
  const keys = Object.keys(sc.timesNs);
  const ys = keys.flatMap((k) => sc.timesNs[k]).filter((v) => v > 0).map((v) => v / 1000);
  const lx0 = Math.floor(Math.log10(Math.min(...xs)) * 2) / 2; const lx1 = Math.ceil(Math.log10(Math.max(...xs)) * 2) / 2;
  const ly0 = Math.floor(Math.log10(Math.min(...ys))); const ly1 = Math.ceil(Math.log10(Math.max(...ys)));
  const px = (b) => left + ((W - left - right) * (Math.log10(b) - lx0)) / (lx1 - lx0);
  const py = (u) => H - bottom - ((H - top - bottom) * (Math.log10(u) - ly0)) / (ly1 - ly0);
  for (let e = ly0; e <= ly1; e++) {
    const y = py(10 ** e).toFixed(1);
    out.push(`<line x1="${left}" y1="${y}" x2="${W - right}" y2="${y}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${left - 6}" y="${(+y + 4).toFixed(1)}" text-anchor="end" fill="#6b7280">${10 ** e >= 1000 ? `${10 ** (e - 3)} ms` : `${10 ** e} µs`}</text>`);
  }
  for (const s of sc.sizes) {
    const x = px(s.seedBytes).toFixed(1);
    out.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${H - bottom}" stroke="#f3f4f6"/>`);
    out.push(`<text x="${x}" y="${H - bottom + 16}" text-anchor="middle" fill="#6b7280">${esc(s.label)}</text>`);
  }
  out.push(`<text x="${(W - right + left) / 2}" y="${H - 14}" text-anchor="middle" fill="#4b5563">state size (the seed's JSON)</text>`);
  keys.forEach((k, i) => {
    const pts = sc.timesNs[k].map((t, j) => [px(xs[j]), py(t / 1000)]);
    const dash = k.endsWith('Compressed') ? ' stroke-dasharray="5 3"' : '';
    out.push(`<polyline fill="none" stroke="${COLORS[k] ?? '#000'}" stroke-width="2"${dash} points="${pts.map(([a, b]) => `${a.toFixed(1)},${b.toFixed(1)}`).join(' ')}"/>`);
    for (const [a, b] of pts) out.push(`<circle cx="${a.toFixed(1)}" cy="${b.toFixed(1)}" r="3" fill="${COLORS[k] ?? '#000'}"/>`);
    const ly = top + 10 + i * 20;
    out.push(`<line x1="${W - right + 14}" y1="${ly}" x2="${W - right + 36}" y2="${ly}" stroke="${COLORS[k] ?? '#000'}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${W - right + 42}" y="${ly + 4}">${esc(`${SHORT[k] ?? k} · slope ${fmt(sc.slopes?.[k]?.all)}`)}</text>`);
  });
  out.push(`<text x="${W - right + 14}" y="${top + 10 + keys.length * 20 + 8}" fill="#6b7280" font-size="11">slope 1.0 = linear growth</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

// --- BENCHMARKS.md ----------------------------------------------------------------------------

export function markdown(l, { chartDir }) {
  const L = [];
  const m = l.machine ?? {};
  const cd = l.detail?.codec;
  L.push('# Benchmarks');
  L.push('');
  L.push(`Generated by \`make bench\` (\`bench/run.mjs\`) on ${l.generatedAt} in ${l.seconds} s; do not edit by hand —`);
  if (l.partial) L.push(`(a partial run of ${l.partial.ran.join(', ')}; the other parts are from the full run of ${l.partial.othersFrom}) —`);
  L.push('the profile notes come from `bench/findings.md`. Every codec figure is a ratio to the seed\'s own plain JS');
  L.push('(`../shared/seed`, vendored once in `bindings/js/test/fixtures/seed.cjs`), measured in the same Node process, in rotated rounds; the');
  L.push('ratio is taken within each round and the median over rounds is reported (the machine is shared).');
  L.push('');
  L.push(`**Machine:** ${m.cpu} × ${m.cores} cores · Node ${m.node} · redis-server ${m.redis} · ${m.rustc ?? ''} · ${m.os} · load average at start ${(m.loadAvgAtStart ?? []).join(' / ')}`);
  L.push('');
  L.push(`![encode+decode ratios](${chartDir}/chart-ratios.svg)`);
  L.push('');
  L.push('## Codec: encode+decode ÷ the seed (lower is faster)');
  L.push('');
  L.push(`Sample: the seed's \`sampleState\` (${cd?.states?.sample?.seedBytes ?? '?'} B as the seed writes it). Large: the same with 200 extra jobData fields (${cd?.states?.large?.seedBytes ?? '?'} B). µs are medians per call (encode + decode), ${cd?.rounds ?? '?'} rounds; each variant is measured between two runs of the seed and its ratio taken to their mean.`);
  L.push('');
  L.push('| variant | sample ratio | sample µs (enc + dec) | large ratio | large µs (enc + dec) |');
  L.push('|---|---:|---:|---:|---:|');
  for (const [k, label] of VARIANTS) {
    const s = cd?.detail?.sample?.[k];
    const g = cd?.detail?.large?.[k];
    L.push(`| ${label} | **${fmt(s?.ratio)}×** | ${us(s?.totalNs)} (${us(s?.encodeNs)} + ${us(s?.decodeNs)}) | **${fmt(g?.ratio)}×** | ${us(g?.totalNs)} (${us(g?.encodeNs)} + ${us(g?.decodeNs)}) |`);
  }
  L.push('');
  const more = SHAPES.slice(2).filter(([k]) => cd?.detail?.[k]);
  if (more.length) {
    L.push('Issue 15\'s two large shapes: **as built** — the seed\'s `sampleState` field order (`callSid` first, `lastUpdated` near the end) and 200 jobData values of every JSON type (strings, integers, decimals, booleans, nested objects, arrays); **as decoded** — what `deserializeCallState` returns (codec order, objects from `JSON.parse`), 200 jobData strings: the state a get-modify-save encodes.');
    L.push('');
    L.push(`| variant | ${more.map(([k, name]) => `${name} ratio (${cd.states?.[k]?.seedBytes ?? '?'} B) | ${name} µs (enc + dec)`).join(' | ')} |`);
    L.push(`|---|${more.map(() => '---:|---:').join('|')}|`);
    for (const [k, label] of VARIANTS) {
      L.push(`| ${label} | ${more.map(([s]) => { const d = cd.detail[s]?.[k]; return `**${fmt(d?.ratio)}×** | ${us(d?.totalNs)} (${us(d?.encodeNs)} + ${us(d?.decodeNs)})`; }).join(' | ')} |`);
    }
    L.push('');
  }
  L.push('## Targets (issue 15; reported, never asserted)');
  L.push('');
  L.push('| target | measured | |');
  L.push('|---|---:|---|');
  for (const [label, v, limit, kind, unit] of targets(l)) {
    const ok = typeof v === 'number' && (kind === 'max' ? v <= limit : v >= limit);
    const shown = typeof v === 'number' ? (Number.isInteger(v) && unit === '' ? String(v) : `${v.toFixed(2)}${unit}`) : '—';
    L.push(`| ${label} | ${shown} | ${typeof v !== 'number' ? 'not measured' : ok ? '**met**' : '**missed**'} |`);
  }
  L.push('');
  const sc = l.scaling;
  if (sc?.sizes) {
    L.push('## Scaling: encode+decode µs by state size');
    L.push('');
    L.push(`![scaling](${chartDir}/chart-scaling.svg)`);
    L.push('');
    L.push(`| variant | ${sc.sizes.map((s) => `${s.label} (${s.seedBytes} B)`).join(' | ')} | log-log slope (all / ≥ 8 KB) |`);
    L.push(`|---|${sc.sizes.map(() => '---:').join('|')}|---:|`);
    for (const k of Object.keys(sc.timesNs)) {
      L.push(`| ${sc.labels?.[k] ?? k} | ${sc.timesNs[k].map((t) => us(t)).join(' | ')} | ${fmt(sc.slopes?.[k]?.all)} / ${fmt(sc.slopes?.[k]?.top)} |`);
    }
    L.push('');
    L.push('Compression (`compression: { thresholdBytes: 1024 }`): bytes stored and the CPU it adds per encode+decode; it pays on the wire when the link to Redis is slower than the break-even speed (bytes saved on SET and GET ÷ extra CPU time), and always in Redis memory.');
    L.push('');
    L.push('| size | plain bytes | compressed bytes | size ratio | extra CPU, napi | break-even link, napi | extra CPU, WASM |');
    L.push('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of sc.compression ?? []) {
      const same = r.native.compressedBytes >= r.native.plainBytes;
      L.push(`| ${r.label} | ${r.native.plainBytes} | ${same ? '(not compressed: under the threshold)' : r.native.compressedBytes} | ${fmt(r.native.sizeRatio)} | ${same ? '—' : `${fmt(r.native.extraCpuUs, 1)} µs`} | ${r.native.breakEvenMBps == null || same ? '—' : `${fmt(r.native.breakEvenMBps, 0)} MB/s`} | ${same ? '—' : `${fmt(r.wasm.extraCpuUs, 1)} µs`} |`);
    }
    L.push('');
  }
  const st = l.detail?.store;
  if (st?.backends) {
    L.push('## Store vs raw ioredis (loopback redis-server)');
    L.push('');
    const warm = Object.values(st.backends).find((x) => x.latency?.store?.warmupPairsDropped != null)?.latency.store;
    L.push(`Raw = the seed's own code on the same ioredis client (\`SETEX\` of its JSON, \`GET\` + its parse); bare = \`SET\`/\`GET\` of a ready string. One save+get pair at a time for latency (${warm ? `${warm.n} pairs each, after ${warm.warmupPairsDropped} warm-up pairs that are run the same way and not counted` : 'warm-up pairs included'}); 50 in flight for throughput (a warm-up round first, not counted).`);
    L.push('');
    L.push('| backend | store p50 / p99 µs | raw p50 / p99 µs | bare p50 µs | save+get overhead (p50) | pairs/s store / raw | updateCallState/s vs raw SET/s (50 calls) |');
    L.push('|---|---:|---:|---:|---:|---:|---:|');
    for (const [b, x] of Object.entries(st.backends)) {
      L.push(`| ${b} | ${fmt(x.latency.store.p50Us, 0)} / ${fmt(x.latency.store.p99Us, 0)} | ${fmt(x.latency.seed.p50Us, 0)} / ${fmt(x.latency.seed.p99Us, 0)} | ${fmt(x.latency.bare.p50Us, 0)} | **${fmt(x.saveGetOverhead)}×** | ${x.throughputPairsPerSec.store} / ${x.throughputPairsPerSec.seed} | ${x.update.updatesPerSec} vs ${x.update.rawSetsPerSec} = **${fmt(x.update.ratio)}** |`);
    }
    L.push('');
    const comp = st.backends.native?.compression;
    if (comp?.length) {
      L.push('Large states through the store (napi), save+get p50, plain vs compressed codec:');
      L.push('');
      L.push('| size | plain µs | compressed µs | stored bytes plain → compressed |');
      L.push('|---|---:|---:|---:|');
      for (const r of comp) L.push(`| ${r.label} | ${fmt(r.plainP50Us, 0)} | ${fmt(r.compressedP50Us, 0)} | ${r.plainStoredBytes} → ${r.compressedStoredBytes} |`);
      L.push('');
    }
  }
  const ld = l.detail?.load;
  if (ld?.backends) {
    L.push('## Load: racing updates, counted');
    L.push('');
    L.push('Each call: 14 `updateCallState` (each appends a unique token), 3 fresh `saveCallState` (new epoch), 3 late stale saves, 4 in flight at once; all calls concurrent. See `bench/load.mjs` for how a lost update is detected.');
    L.push('');
    L.push('| backend | calls × ops | seconds | ops/s | lost | stale overwrites | errors | store retries | saves refused as stale (expected) |');
    L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const [b, x] of Object.entries(ld.backends)) {
      L.push(`| ${b} | ${x.calls} × ${x.opsPerCall} | ${x.seconds} | ${x.opsPerSec} | **${x.lost}** | **${x.staleOverwrites}** | **${x.errors}** | ${x.storeRetries} | ${x.savesRefusedStale + x.staleRefused} |`);
    }
    if (ld.selfTest) {
      L.push('');
      L.push(`Self-test: the same run against a ${ld.selfTest.backend.replace(/^naive \((.*)\)$/, 'naive store ($1)')} on ${ld.selfTest.calls} calls counts **${ld.selfTest.lost} lost** and **${ld.selfTest.staleOverwrites} stale overwrites** — the counting ${ld.selfTest.detects ? 'does' : '**does not**'} detect them.`);
    }
    const samples = Object.values(ld.backends).flatMap((x) => x.errorSamples ?? []);
    if (samples.length) {
      L.push('');
      L.push('First errors: ' + samples.slice(0, 3).map((s) => `\`${s.replace(/`/g, "'")}\``).join('; '));
    }
    L.push('');
  }
  if (l.size || l.start) {
    L.push('## Size and start-up');
    L.push('');
    const p = l.size?.packages ?? {};
    L.push('| what | value |');
    L.push('|---|---:|');
    L.push(`| WASM module, gzipped (-9) / raw | ${fmt(l.size?.wasmGzBytes / KB, 1)} KB / ${fmt(l.size?.wasmBytes / KB, 1)} KB |`);
    L.push(`| \`.node\` (napi, stripped) | ${fmt(l.size?.nodeBytes / KB, 0)} KB |`);
    L.push(`| \`npm pack\` callstate / callstate-wasm | ${fmt(p.callstate?.tarballBytes / KB, 1)} KB / ${fmt(p['callstate-wasm']?.tarballBytes / KB, 1)} KB |`);
    const mn = l.start?.minMs ?? {};
    L.push(`| cold \`require('callstate')\` (napi), median (min) of ${l.start?.runs} fresh processes | ${fmt(l.start?.requireMs)} ms (${fmt(mn.requireMs)}) |`);
    if (l.start?.requireFloorMs != null) {
      L.push(`| the first \`require\` of a JSON file, for scale (Node's loader warming up) | ${fmt(l.start.requireFloorMs)} ms (${fmt(mn.requireFloorMs)}) |`);
    }
    if (l.start?.requireBeyondFloorMs != null) {
      L.push(`| \`require('callstate')\` beyond that floor (difference of the medians; issue 15's measure) | ${fmt(l.start.requireBeyondFloorMs)} ms |`);
    }
    if (l.start?.requireAfterFloorMs != null) {
      L.push(`| \`require('callstate')\` timed alone, right after a first \`require\` of a JSON file in the same process (what that floor does not warm up — compiling JS modules, loading an addon — stays in it) | ${fmt(l.start.requireAfterFloorMs)} ms (${fmt(mn.requireAfterFloorMs)}) |`);
    }
    const hf = l.start?.hyperfine;
    if (hf?.requireMs != null) {
      L.push(`| hyperfine, ${hf.runs} runs each: \`node -e "require('callstate')"\` vs \`node -e "require('./empty.json')"\` (mean ± σ) | ${fmt(hf.requireMs)} ± ${fmt(hf.requireSdMs)} vs ${fmt(hf.floorMs)} ± ${fmt(hf.floorSdMs)} ms: **+${fmt(hf.beyondFloorMs)} ms** |`);
    }
    L.push(`| cold \`require('callstate-wasm')\` (glue + compile + instantiate + shim) | ${fmt(l.start?.wasmInstantiateMs)} ms (${fmt(mn.wasmInstantiateMs)}) |`);
    L.push(`| cold \`require('callstate')\` with \`CALLSTATE_FORCE_WASM=1\` | ${fmt(l.start?.forceWasmRequireMs)} ms (${fmt(mn.forceWasmRequireMs)}) |`);
    L.push(`| \`new WebAssembly.Module(bytes)\` alone | ${fmt(l.start?.wasmCompileMs)} ms (${fmt(mn.wasmCompileMs)}) |`);
    const wd = l.start?.workerd;
    if (wd?.deltaMs != null) {
      L.push(`| workerd start-up, empty worker → with callstate-wasm, median of ${wd.pairs} pairs in one Miniflare run | ${fmt(wd.emptyMs)} → ${fmt(wd.withWasmMs)} ms (+${fmt(wd.deltaMs)}; of the minima +${fmt(wd.deltaMinMs)}) |`);
    }
    L.push(`| \`node -e ''\` wall time, for scale | ${fmt(l.start?.nodeStartMs, 0)} ms (${fmt(mn.nodeStartMs, 0)}) |`);
    L.push('');
    const ws = wasmSizeData();
    if (ws) {
      L.push(`![the WASM module by crate](${chartDir}/chart-wasm-size.svg)`);
      L.push('');
      L.push(`The module by crate (\`bench/wasm-size.json\`: \`twiggy top\` of the build with names kept, ${ws.generatedAt.slice(0, 10)}, ${ws.twiggy}; rewritten by \`make wasm-profile\`, and by \`make bench\` where twiggy is installed${Math.abs((l.size?.wasmBytes ?? ws.totalBytes) - ws.totalBytes) < 256 ? '' : `; **from another build than this run's ${l.size.wasmBytes} B module**`}):`);
      L.push('');
      L.push('| crate | bytes | share |');
      L.push('|---|---:|---:|');
      for (const r of ws.byCrate) L.push(`| ${r.crate} | ${r.bytes} | ${((100 * r.bytes) / ws.totalBytes).toFixed(1)} % |`);
      L.push(`| total (name section left out) | ${ws.totalBytes} | |`);
      L.push('');
    }
  }
  if (l.memory?.backends) {
    L.push(`## Memory: RSS after 10⁴ vs ${l.memory.roundTrips.toExponential(0).replace('e+', 'e')} encode/decode round trips (fresh process each, GC before reading)`);
    L.push('');
    L.push('| backend | RSS after 10⁴ | RSS after N | RSS growth | V8 heap reserved (heapTotal) growth | heap used growth | WASM linear memory | seconds |');
    L.push('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const [b, x] of Object.entries(l.memory.backends)) {
      const wm = x.wasmMemoryMB ? `${x.wasmMemoryMB.after1e4} → ${x.wasmMemoryMB.afterN} MB` : '—';
      L.push(`| ${b} | ${x.rssAfter1e4MB} MB | ${x.rssAfterNMB} MB | **${x.rssGrowthMB} MB** | ${x.heapTotalGrowthMB ?? '—'} MB | ${x.heapUsedGrowthMB} MB | ${wm} | ${x.seconds} |`);
    }
    L.push('');
    L.push('A step in RSS that equals a step in `heapTotal` is V8 enlarging its young generation under a sustained allocation rate (once; it stays flat after, checked to 2·10⁶), not a leak: heap used and WASM linear memory stay flat.');
    L.push('');
  }
  if (l.cargo?.benches) {
    L.push(`## Core alone: \`cargo bench --bench core\` (criterion, ${l.cargo.measurementSeconds} s per bench, median)`);
    L.push('');
    L.push('| bench | median | 95% CI |');
    L.push('|---|---:|---:|');
    for (const [k, v] of Object.entries(l.cargo.benches)) L.push(`| ${k} | ${us(v.medianNs)} µs | ${us(v.lowNs)}–${us(v.highNs)} µs |`);
    L.push('');
  }
  // Hand-written sections kept across runs: the profile notes, and the fault soak (`make soak`).
  for (const name of ['findings.md', 'soak.md']) {
    const file = join(here, name);
    if (existsSync(file)) {
      L.push(readFileSync(file, 'utf8').trim());
      L.push('');
    }
  }
  L.push('## Reproduce');
  L.push('');
  L.push('```sh');
  L.push('make bench                                   # everything above, ~6–8 min; rewrites this file and bench/*.svg');
  L.push('node bench/run.mjs --only codec,startup      # some parts (after make build): bench/results/partial-codec-startup.json; this file untouched');
  L.push('node bench/profile.mjs --variant native --state large [--perf]   # where the time goes');
  L.push('node bench/profile.mjs --stages               # µs per encode stage (shim text, crossing, core) for each codec state');
  L.push('make wasm-profile                             # twiggy top-20, dominators, bench/wasm-size.json (the size chart)');
  L.push('make test-bench                               # smoke: every bench at tiny size, output checked, no timing');
  L.push('```');
  if (Object.keys(l.errors ?? {}).length) {
    L.push('');
    L.push(`**Parts that failed in this run:** ${Object.entries(l.errors).map(([k, e]) => `${k} (${e})`).join(', ')}`);
  }
  return `${L.join('\n')}\n`;
}

/** bench/wasm-size.json (bench/wasm-size.mjs), or null. */
function wasmSizeData() {
  const file = join(here, 'wasm-size.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
}

export function writeReport(latest, { md, svgDir }) {
  writeFileSync(join(svgDir, 'chart-ratios.svg'), ratiosSvg(latest));
  const ws = wasmSizeData();
  if (ws) writeFileSync(join(svgDir, 'chart-wasm-size.svg'), wasmSizeSvg(ws, latest));
  writeFileSync(join(svgDir, 'chart-scaling.svg'), scalingSvg(latest));
  const chartDir = relative(dirname(md), svgDir) || '.';
  writeFileSync(md, markdown(latest, { chartDir }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const latest = JSON.parse(readFileSync(join(here, 'results', 'latest.json'), 'utf8'));
  writeReport(latest, { md: join(here, '..', 'BENCHMARKS.md'), svgDir: here });
}
