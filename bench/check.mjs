// Well-formedness of a bench run's output (the smoke test, `make test-bench`, and every full
// run). Checks names, types and that every part ran — never a time or a ratio. The one
// non-shape check: the load test's self-test must catch the naive store's lost updates (else
// the counting has gone blind). A full run also requires load 0 / 0 / 0 (correctness, not speed).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const num = (v) => typeof v === 'number' && Number.isFinite(v);
const pos = (v) => num(v) && v > 0;
const count = (v) => Number.isInteger(v) && v >= 0;

/** Problems found in `latest` (an empty list when all is well). */
export function checkResults(latest, { parts, outDir, smoke, docs, svgDir, md }) {
  const p = [];
  const need = (ok, what) => { if (!ok) p.push(what); };
  for (const [k, e] of Object.entries(latest.errors ?? {})) p.push(`part ${k} failed: ${e}`);
  need(latest.machine && ['cpu', 'node', 'redis'].every((k) => typeof latest.machine[k] === 'string'), 'machine {cpu, node, redis}');
  if (parts.includes('codec')) {
    for (const s of ['sample', 'large', 'largeMixed', 'largeDecoded']) {
      for (const v of ['native', 'wasm', 'zod', 'handJs', 'floor']) need(pos(latest.codec?.[s]?.[v]), `codec.${s}.${v}`);
    }
  }
  if (parts.includes('scaling')) {
    const sc = latest.scaling;
    need(sc && Array.isArray(sc.sizes) && sc.sizes.length >= 2, 'scaling.sizes');
    for (const v of ['seed', 'native', 'wasm', 'nativeCompressed']) {
      need(sc?.timesNs?.[v]?.length === sc?.sizes?.length && sc.timesNs[v].every(pos), `scaling.timesNs.${v}`);
      need(num(sc?.slopes?.[v]?.all), `scaling.slopes.${v}`);
    }
  }
  if (parts.includes('startup')) {
    need(Number.isInteger(latest.size?.wasmGzBytes) && latest.size.wasmGzBytes > 0, 'size.wasmGzBytes');
    need(Number.isInteger(latest.size?.nodeBytes) && latest.size.nodeBytes > 0, 'size.nodeBytes');
    need(pos(latest.start?.requireMs), 'start.requireMs');
    need(pos(latest.start?.wasmInstantiateMs), 'start.wasmInstantiateMs');
    need(num(latest.start?.requireBeyondFloorMs), 'start.requireBeyondFloorMs');
    need(pos(latest.start?.requireAfterFloorMs), 'start.requireAfterFloorMs');
  }
  if (parts.includes('memory')) {
    for (const b of ['native', 'wasm']) need(num(latest.memory?.backends?.[b]?.rssGrowthMB), `memory.backends.${b}.rssGrowthMB`);
  }
  if (parts.includes('cargo')) {
    for (const b of ['encode/sample', 'decode/sample']) need(pos(latest.cargo?.benches?.[b]?.medianNs), `cargo.benches.${b}`);
  }
  if (parts.includes('store')) {
    need(pos(latest.store?.saveGetOverhead), 'store.saveGetOverhead');
    need(pos(latest.store?.updateThroughputRatio), 'store.updateThroughputRatio');
    for (const path of ['create', 'save', 'saveFull', 'cas', 'dup', 'conflict', 'delete']) {
      need(pos(latest.store?.scriptUsecPerCall?.[path]), `store.scriptUsecPerCall.${path}`);
    }
  }
  if (parts.includes('load')) {
    for (const k of ['lost', 'staleOverwrites', 'errors']) need(count(latest.load?.[k]), `load.${k}`);
    need(latest.detail?.load?.selfTest?.detects === true, 'load self-test: the naive store\'s lost updates were not detected');
    if (!smoke) {
      const l = latest.load ?? {};
      need(l.lost === 0 && l.staleOverwrites === 0 && l.errors === 0,
        `load must be 0 lost / 0 stale overwrites / 0 errors, got ${l.lost} / ${l.staleOverwrites} / ${l.errors}`);
      need(l.completed === true, 'load: not every operation ran within the time limit');
    }
  }
  if (docs) {
    const mdFile = md ?? join(outDir, 'BENCHMARKS.md');
    need(existsSync(mdFile) && /\| *variant *\|/.test(readFileSync(mdFile, 'utf8')), `${mdFile}: the ratio table`);
    for (const name of ['chart-ratios.svg', 'chart-scaling.svg', 'chart-wasm-size.svg']) {
      const f = join(svgDir ?? outDir, name);
      need(existsSync(f) && wellFormedSvg(readFileSync(f, 'utf8')), `${f}: well-formed SVG`);
    }
  }
  return p;
}

/** A small XML check: one <svg> root, every tag closed in order, no stray `<` or `&`. */
export function wellFormedSvg(text) {
  if (!/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/.test(text.replace(/^<\?xml[^>]*\?>\s*/, ''))) return false;
  const stack = [];
  const re = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  let m;
  const body = text.replace(/^<\?xml[^>]*\?>\s*/, '');
  while ((m = re.exec(body))) {
    const between = body.slice(last, m.index);
    if (between.includes('<') || /&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(between)) return false;
    last = re.lastIndex;
    if (m[1]) { if (stack.pop() !== m[2]) return false; } else if (!m[4]) stack.push(m[2]);
  }
  return stack.length === 0 && body.slice(last).trim() === '';
}
