// The core alone (issue 6): `cargo bench --bench core` (benches/core.rs: encode, decode and
// plan_update of the sample and the large state, criterion), run short, read back from
// criterion's saved baseline `callstate-bench`. Times are the median point estimates in ns.
// No JS in the loop, so a regression in the core shows here before it shows in the ratios.
//
// Usage: node bench/cargo.mjs [--measurement S] [--warmup S] [--out FILE]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib/variants.mjs';
import { args, emit, round } from './lib/util.mjs';

const opts = args();
const BASELINE = 'callstate-bench';
const measurement = String(opts.measurement ?? 2);
const warmup = String(opts.warmup ?? 0.5);

const meta = JSON.parse(execFileSync('cargo', ['metadata', '--format-version', '1', '--no-deps'], { cwd: ROOT, encoding: 'utf8' }));
const critDir = join(meta.target_directory, 'criterion');

const t0 = performance.now();
const r = spawnSync('cargo', [
  'bench', '-q', '--bench', 'core', '--',
  '--warm-up-time', warmup, '--measurement-time', measurement, '--noplot', '--save-baseline', BASELINE,
], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
if (r.status !== 0) throw new Error(`cargo bench failed (${r.status})`);
const seconds = (performance.now() - t0) / 1000;

const benches = {};
for (const dir of readdirSync(critDir)) {
  const base = join(critDir, dir, BASELINE);
  if (!existsSync(join(base, 'estimates.json'))) continue;
  const id = JSON.parse(readFileSync(join(base, 'benchmark.json'), 'utf8')).full_id;
  const est = JSON.parse(readFileSync(join(base, 'estimates.json'), 'utf8'));
  benches[id] = {
    medianNs: round(est.median.point_estimate, 1),
    lowNs: round(est.median.confidence_interval.lower_bound, 1),
    highNs: round(est.median.confidence_interval.upper_bound, 1),
  };
}
if (Object.keys(benches).length === 0) throw new Error(`no criterion results under ${critDir}`);
emit(opts, { measurementSeconds: Number(measurement), wallSeconds: round(seconds, 1), benches });
