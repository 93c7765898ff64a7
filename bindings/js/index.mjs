// ESM entry for Node, shared by both packages: the CommonJS entry's exports, by name, so that
// `import { serializeCallState } from 'callstate'` and `require('callstate')` are one module
// instance (one `CallStateError` class, one default codec).
import api from './index.js';

export const {
  CallStateError,
  DEFAULT_TTL,
  ACTIVE_CALL_TTL,
  generateStateKey,
  serializeCallState,
  deserializeCallState,
  safeSerialize,
  safeDeserialize,
  getStageTTL,
  migrateCallState,
  compressJobData,
  CallStateCodec,
  createCallStateStore,
  consoleMetrics,
} = api;
