// The seed's plain JS (../shared/seed/000_a9b0322c5db47712.txt), vendored once as written with the
// TypeScript types removed, in bindings/js/test/fixtures/seed.cjs. This is baseline (a): every
// codec ratio is a time divided by the time of these functions, measured in the same process.

import { createRequire } from 'node:module';

// One vendored copy of the seed for the whole project: the test fixture.
const seed = createRequire(import.meta.url)('../../bindings/js/test/fixtures/seed.cjs');
export const { generateStateKey, serializeCallState, deserializeCallState, DEFAULT_TTL, getStageTTL, sampleState } = seed;

/** The seed's "State Operations" on an ioredis client (`redis.setex`, `redis.get`). */
export function seedStore(redis) {
  return {
    async saveCallState(callSid, state) {
      const key = generateStateKey(callSid);
      const serialized = serializeCallState(state);
      const ttl = getStageTTL(state.stage);
      await redis.setex(key, ttl, serialized);
    },
    async getCallState(callSid) {
      const key = generateStateKey(callSid);
      const data = await redis.get(key);
      if (!data) {
        return null;
      }
      return deserializeCallState(data);
    },
  };
}
