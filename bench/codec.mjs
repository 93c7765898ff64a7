// Codec bench (issue 6, issue 15): encode+decode for the seed's JS, zod 4, hand-validated JS,
// bare JSON, `callstate` (napi) and `callstate-wasm`, all in this one Node process, with mitata;
// every figure is a ratio to the seed's time in the same round (see lib/measure.mjs). States:
//   sample        the seed's sampleState (514 B)
//   large         the same with 200 extra jobData fields (mostly strings; ~6.5 KB)
//   largeMixed    issue 15: as users build it, the seed's field order (callSid first) and 200
//                 jobData values of every JSON type (numbers, booleans, nested objects, arrays)
//   largeDecoded  issue 15: as deserializeCallState returns it (codec order, from JSON.parse),
//                 200 jobData strings — the state a get-modify-save encodes
//
// Usage: node bench/codec.mjs [--smoke] [--rounds N] [--out FILE]
import { codecVariants, loadPackage } from './lib/variants.mjs';
import { codecStates, seedBytes } from './lib/states.mjs';
import { benchState, measureOptions } from './lib/measure.mjs';
import { args, emit } from './lib/util.mjs';

const opts = args();
const smoke = Boolean(opts.smoke);
const rounds = Number(opts.rounds ?? (smoke ? 1 : 11));
const mopts = measureOptions(smoke, 40);

const variants = codecVariants();
const result = { rounds, states: {}, detail: {}, codec: {} };
for (const [name, state] of codecStates()) {
  if (name === 'largeDecoded') {
    // The shape claims to be what the package's decode returns: hold it to that.
    const back = loadPackage('native').deserializeCallState(loadPackage('native').serializeCallState(state));
    const keys = (o) => JSON.stringify([Object.keys(o), Object.keys(o.jobData)]);
    if (keys(back) !== keys(state)) throw new Error('largeDecoded: not in the order deserializeCallState returns');
  }
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
