// Small helpers shared by the bench scripts: arguments, statistics, output.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** `--name value` and `--flag` arguments as an object (`--smoke` → `{ smoke: true }`). */
export function args(argv = process.argv.slice(2)) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const name = a.slice(2);
    if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out[name] = argv[++i];
    else out[name] = true;
  }
  return out;
}

export function median(xs) {
  return quantile(xs, 0.5);
}

/** The q-quantile of `xs` (linear interpolation between closest ranks). */
export function quantile(xs, q) {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Rounds to `d` significant-looking decimals for the JSON (keeps files readable). */
export function round(x, d = 3) {
  if (typeof x !== 'number' || !Number.isFinite(x)) return x;
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

/** Least-squares slope and intercept of log(y) over log(x). */
export function logLogFit(xs, ys) {
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const n = lx.length;
  const mx = lx.reduce((a, b) => a + b, 0) / n;
  const my = ly.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (lx[i] - mx) * (ly[i] - my);
    den += (lx[i] - mx) ** 2;
  }
  const slope = num / den;
  return { slope, intercept: my - slope * mx };
}

export function writeJson(path, value) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Writes the part's result to `--out` (or prints it) — every bench script ends with this. */
export function emit(opts, value) {
  if (opts.out) writeJson(opts.out, value);
  else process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
