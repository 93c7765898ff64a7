// Scaling bench (issue 6): encode+decode time of states of ~0.5, 2, 8, 32 and 128 KB in every
// codec variant, plus both packages with compression on (values over 1 KiB stored as a raw-
// DEFLATE envelope when smaller). Reports ns per state, the log-log slope of time over size
// (1.0 = linear), and for compression the bytes saved against the CPU it costs, as the link
// speed below which compressing pays for itself on the wire (break-even MB/s).
//
// Usage: node bench/scaling.mjs [--smoke] [--rounds N] [--out FILE]
import { scalingVariants } from './lib/variants.mjs';
import { LADDER, stateOfSize, seedBytes } from './lib/states.mjs';
import { benchState, measureOptions } from './lib/measure.mjs';
import { args, emit, logLogFit, round } from './lib/util.mjs';

const opts = args();
const smoke = Boolean(opts.smoke);
const rounds = Number(opts.rounds ?? (smoke ? 1 : 3));
const mopts = measureOptions(smoke, 25);
const ladder = smoke ? LADDER.slice(0, 2) : LADDER;

const variants = scalingVariants();
const points = [];
for (const [label, target] of ladder) {
  const state = stateOfSize(target);
  const detail = await benchState(variants, state, rounds, mopts);
  points.push({ label, seedBytes: seedBytes(state), jobDataFields: Object.keys(state.jobData).length, detail });
  if (!smoke) {
    const line = Object.entries(detail).map(([k, d]) => `${k} ${(d.totalNs / 1000).toFixed(1)}us`).join('  ');
    process.stderr.write(`scaling ${label}: ${line}\n`);
  }
}

const slopes = {};
for (const v of variants) {
  const xs = points.map((p) => p.seedBytes);
  const ys = points.map((p) => p.detail[v.key].totalNs);
  const all = logLogFit(xs, ys);
  // The top of the ladder (≥ 8 KB), where fixed per-call costs no longer hide the growth.
  const top = points.length >= 3 ? logLogFit(xs.slice(-3), ys.slice(-3)) : all;
  slopes[v.key] = { all: round(all.slope), top: round(top.slope) };
}

const compression = points.map((p) => {
  const row = { label: p.label, seedBytes: p.seedBytes };
  for (const which of ['native', 'wasm']) {
    const plain = p.detail[which];
    const comp = p.detail[`${which}Compressed`];
    const saved = plain.bytes - comp.bytes;
    const extraNs = comp.totalNs - plain.totalNs;
    row[which] = {
      plainBytes: plain.bytes,
      compressedBytes: comp.bytes,
      sizeRatio: round(comp.bytes / plain.bytes),
      extraCpuUs: round(extraNs / 1000, 1),
      // Bytes cross the link twice (SET, then GET): compression pays below this speed.
      breakEvenMBps: saved > 0 && extraNs > 0 ? round((2 * saved) / (extraNs / 1e9) / 1e6, 1) : null,
    };
  }
  return row;
});

emit(opts, {
  rounds,
  sizes: points.map((p) => ({ label: p.label, seedBytes: p.seedBytes, jobDataFields: p.jobDataFields })),
  timesNs: Object.fromEntries(variants.map((v) => [v.key, points.map((p) => p.detail[v.key].totalNs)])),
  ratios: Object.fromEntries(variants.map((v) => [v.key, points.map((p) => p.detail[v.key].ratio)])),
  labels: Object.fromEntries(variants.map((v) => [v.key, v.label])),
  slopes,
  compression,
});
