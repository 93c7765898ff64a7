// Codec bench (issue 6): encode+decode of the sample state (514 B) and the large state (jobData
// with 200 extra fields, ~6.5 KB) for the seed's JS, zod 4, hand-validated JS, bare JSON,
// `callstate` (napi) and `callstate-wasm`, all in this one Node process, with mitata; every
// figure is a ratio to the seed's time in the same round (see lib/measure.mjs).
//
// Usage: node bench/codec.mjs [--smoke] [--rounds N] [--out FILE]
import { codecVariants } from './lib/variants.mjs';
import { sampleState, largeState, seedBytes } from './lib/states.mjs';
import { benchState, measureOptions } from './lib/measure.mjs';
import { args, emit } from './lib/util.mjs';

const opts = args();
const smoke = Boolean(opts.smoke);
const rounds = Number(opts.rounds ?? (smoke ? 1 : 11));
const mopts = measureOptions(smoke, 40);

const variants = codecVariants();
const result = { rounds, states: {}, detail: {}, codec: {} };
for (const [name, state] of [['sample', sampleState()], ['large', largeState()]]) {
  const detail = await benchState(variants, state, rounds, mopts);
  result.states[name] = { seedBytes: seedBytes(state), jobDataFields: Object.keys(state.jobData).length };
  result.detail[name] = detail;
  result.codec[name] = Object.fromEntries(
    ['native', 'wasm', 'zod', 'handJs', 'floor'].map((k) => [k, detail[k].ratio]),
  );
  if (!smoke) {
    const line = Object.entries(detail).map(([k, d]) => `${k} ${d.ratio}x`).join('  ');
    process.stderr.write(`codec ${name}: ${line}\n`);
  }
}
emit(opts, result);
