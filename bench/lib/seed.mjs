// The seed's plain JS (../shared/seed/000_a9b0322c5db47712.txt, "Serialization Methods",
// "Key Generation Strategy", "TTL Management", "State Operations"), vendored as written with the
// TypeScript types removed. This is baseline (a): every codec ratio is a time divided by the time
// of these functions, measured in the same process.

export const generateStateKey = (callSid) => {
  return `call_state:${callSid}`;
};

export const serializeCallState = (state) => {
  const serialized = {
    ...state,
    lastUpdated: state.lastUpdated.toISOString(),
    jobData: state.jobData ? {
      ...state.jobData,
      createdDate: state.jobData.createdDate.toISOString(),
      updatedDate: state.jobData.updatedDate.toISOString(),
      scheduledDate: state.jobData.scheduledDate?.toISOString()
    } : undefined
  };
  return JSON.stringify(serialized);
};

export const deserializeCallState = (data) => {
  const parsed = JSON.parse(data);
  return {
    ...parsed,
    lastUpdated: new Date(parsed.lastUpdated),
    jobData: parsed.jobData ? {
      ...parsed.jobData,
      createdDate: new Date(parsed.jobData.createdDate),
      updatedDate: new Date(parsed.jobData.updatedDate),
      scheduledDate: parsed.jobData.scheduledDate ?
        new Date(parsed.jobData.scheduledDate) : undefined
    } : undefined
  };
};

export const DEFAULT_TTL = 3600;

export const getStageTTL = (stage) => {
  switch (stage) {
    case 'COLLECT_CLIENT_ID':
    case 'COLLECT_JOB_NUMBER':
      return 300;
    case 'CONFIRM_JOB':
    case 'ASK_ACTION':
      return 600;
    case 'EXECUTE_ACTION':
      return 1800;
    default:
      return DEFAULT_TTL;
  }
};

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
