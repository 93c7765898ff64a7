// Encode+decode timing of several variants on one state, shared by the codec and scaling benches.
//
// The machine is shared (2 cores, other builds running), so every variant is measured in each of
// several rounds, in a rotated order, each time between two measurements of the seed; its ratio
// is to the mean of those two seed times, and the median over rounds is reported. A variant's time is the p50 of
// encode plus the p50 of decode (of its own output), as mitata reports them per call.
import { measure, do_not_optimize } from 'mitata';
import { checkRoundTrip } from './variants.mjs';
import { median, round } from './util.mjs';

/** mitata options: a full run, or a smoke run that only proves the code path works. */
export function measureOptions(smoke, cpuMs = 60) {
  return smoke
    ? { min_cpu_time: 1e6, min_samples: 2, max_samples: 3, batch_samples: 16, warmup_samples: 1 }
    : { min_cpu_time: cpuMs * 1e6, min_samples: 8, batch_samples: 256 };
}

async function time(fn, mopts) {
  const s = await measure(() => do_not_optimize(fn()), mopts);
  return s.p50;
}

/**
 * `{ [variant.key]: { ratio, encodeNs, decodeNs, totalNs, ratioPerRound, bytes } }` for `state`;
 * ratios are to the variant keyed `seed`, which must be in `variants`.
 */
export async function benchState(variants, state, rounds, mopts) {
  const inputs = new Map();
  for (const v of variants) {
    checkRoundTrip(v, state);
    inputs.set(v.key, v.encode(state));
  }
  // Warm-up: every variant runs for a while before any is measured, so the first one measured in
  // round 1 does not pay for the JIT's first tiers.
  const warmMs = mopts.min_cpu_time > 1e7 ? 40 : 1;
  for (const v of variants) {
    const text = inputs.get(v.key);
    const end = performance.now() + warmMs;
    while (performance.now() < end) v.decode(v.encode(state)) && v.decode(text);
  }
  // Each variant is measured between two measurements of the seed, and its ratio is taken to
  // the mean of those two: on a shared machine a burst of load then hits both sides of a ratio.
  const seed = variants.find((v) => v.key === 'seed');
  const timeOf = async (v) => {
    const enc = await time(() => v.encode(state), mopts);
    const dec = await time(() => v.decode(inputs.get(v.key)), mopts);
    return { enc, dec, total: enc + dec };
  };
  const perRound = [];
  for (let r = 0; r < rounds; r++) {
    const others = variants.filter((v) => v !== seed);
    const order = others.map((_, i) => others[(i + r) % others.length]);
    const t = { seed: await timeOf(seed) };
    const seeds = [t.seed];
    for (const v of order) {
      const before = seeds.at(-1);
      t[v.key] = await timeOf(v);
      const after = await timeOf(seed);
      seeds.push(after);
      t[v.key].seedTotal = (before.total + after.total) / 2;
    }
    const mid = (k) => seeds.map((x) => x[k]).sort((a, b) => a - b)[seeds.length >> 1];
    t.seed = { enc: mid('enc'), dec: mid('dec'), total: mid('total'), seedTotal: mid('total') };
    perRound.push(t);
  }
  const out = {};
  for (const v of variants) {
    const rows = perRound.map((t) => t[v.key]);
    out[v.key] = {
      label: v.label,
      ratio: round(median(perRound.map((t) => t[v.key].total / t[v.key].seedTotal))),
      encodeNs: round(median(rows.map((x) => x.enc)), 1),
      decodeNs: round(median(rows.map((x) => x.dec)), 1),
      totalNs: round(median(rows.map((x) => x.total)), 1),
      ratioPerRound: perRound.map((t) => round(t[v.key].total / t[v.key].seedTotal)),
      bytes: Buffer.byteLength(inputs.get(v.key)),
    };
  }
  return out;
}
