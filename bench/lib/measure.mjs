// Encode+decode timing of several variants on one state, shared by the codec and scaling benches.
//
// The machine is shared (2 cores, other builds running), so every variant is measured in each of
// several rounds, in a rotated order, and each ratio is taken within its round (against the
// seed's time of the same round) before the median over rounds. A variant's time is the p50 of
// encode plus the p50 of decode (of its own output), as mitata reports them per call.
import { measure, do_not_optimize } from 'mitata';
import { checkRoundTrip } from './variants.mjs';
import { median, round } from './util.mjs';

/** mitata options: a full run, or a smoke run that only proves the code path works. */
export function measureOptions(smoke, cpuMs = 60) {
  return smoke
    ? { min_cpu_time: 1e6, min_samples: 2, max_samples: 3, batch_samples: 16, warmup_samples: 1 }
    : { min_cpu_time: cpuMs * 1e6, min_samples: 8, batch_samples: 512 };
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
  const perRound = [];
  for (let r = 0; r < rounds; r++) {
    const order = variants.map((_, i) => variants[(i + r) % variants.length]);
    const t = {};
    for (const v of order) {
      const text = inputs.get(v.key);
      const enc = await time(() => v.encode(state), mopts);
      const dec = await time(() => v.decode(text), mopts);
      t[v.key] = { enc, dec, total: enc + dec };
    }
    perRound.push(t);
  }
  const out = {};
  for (const v of variants) {
    const rows = perRound.map((t) => t[v.key]);
    out[v.key] = {
      label: v.label,
      ratio: round(median(perRound.map((t) => t[v.key].total / t.seed.total))),
      encodeNs: round(median(rows.map((x) => x.enc)), 1),
      decodeNs: round(median(rows.map((x) => x.dec)), 1),
      totalNs: round(median(rows.map((x) => x.total)), 1),
      ratioPerRound: perRound.map((t) => round(t[v.key].total / t.seed.total)),
      bytes: Buffer.byteLength(inputs.get(v.key)),
    };
  }
  return out;
}
