// callstate's store hooks as OpenTelemetry instruments: the seed's `recordStateMetric` grown up.
// Pass a Meter from `@opentelemetry/api` (`metrics.getMeter('my-ivr')`); this file imports
// nothing, so neither callstate nor your bundle gains an OpenTelemetry dependency through it.
//
//   import { metrics } from '@opentelemetry/api';
//   import { otelMetrics } from './metrics.mjs';
//   const m = otelMetrics(metrics.getMeter('ivr'));
//   const store = createCallStateStore(redis, { onMetric: m.onMetric, onError: m.onError });
//   try { await store.updateCallState(sid, fn); } catch (e) { m.recordError(e, 'update'); throw e; }
//
// Instruments (attribute names follow OpenTelemetry's conventions; all of low cardinality):
//   callstate.operation.duration  histogram, s   callstate.operation, callstate.outcome
//   callstate.operations          counter        callstate.operation, callstate.outcome, callstate.stage
//   callstate.errors              counter        error.type (the CallStateError code), callstate.operation
//   callstate.value.size          histogram, By  callstate.operation, callstate.compressed (save, get)
//   callstate.retries             counter        callstate.operation (compare-and-set retries)
//   callstate.migrations          counter        callstate.migrated_from (old values read and upgraded)

/** Bucket bounds in seconds: a Redis round trip is ~0.1-1 ms, a timeout is the store's 2 s. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5];

/**
 * @param {import('@opentelemetry/api').Meter} meter
 * @returns {{ onMetric: (m: import('callstate').Metric) => void,
 *             onError: (e: import('callstate').CallStateError) => void,
 *             recordError: (e: unknown, operation?: string) => void }}
 */
export function otelMetrics(meter) {
  const duration = meter.createHistogram('callstate.operation.duration', {
    unit: 's', description: 'Duration of callstate store operations',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const operations = meter.createCounter('callstate.operations', { description: 'callstate store operations, by outcome' });
  const errors = meter.createCounter('callstate.errors', { description: 'callstate errors, by CallStateError code' });
  const size = meter.createHistogram('callstate.value.size', { unit: 'By', description: 'Size of the state JSON written or read' });
  const retries = meter.createCounter('callstate.retries', { description: 'compare-and-set retries (a concurrent webhook wrote first)' });
  const migrations = meter.createCounter('callstate.migrations', { description: 'old-version values read and upgraded to v3' });

  return {
    /** StoreOptions.onMetric: called by the store after every operation settles. */
    onMetric(m) {
      const attrs = { 'callstate.operation': m.operation, 'callstate.outcome': m.success ? 'success' : 'failure' };
      duration.record(m.durationMs / 1000, attrs);
      operations.add(1, m.stage ? { ...attrs, 'callstate.stage': m.stage } : attrs);
      if (m.code) errors.add(1, { 'error.type': m.code, 'callstate.operation': m.operation }); // if a future Metric carries it
      if (m.retries > 0) retries.add(m.retries, { 'callstate.operation': m.operation });
      if (m.migratedFrom != null) migrations.add(1, { 'callstate.migrated_from': m.migratedFrom });
      if ((m.operation === 'save' || m.operation === 'get') && m.success && m.bytes > 0) {
        size.record(m.bytes, { 'callstate.operation': m.operation, 'callstate.compressed': !!m.compressed });
      }
    },
    /** StoreOptions.onError: every REDIS error (fail-open included, where the call still succeeds). */
    onError(e) {
      errors.add(1, { 'error.type': e?.code ?? 'REDIS' });
    },
    /** For errors your code catches from the store: STALE_WRITE, CONFLICT, validation codes. */
    recordError(e, operation) {
      const attrs = { 'error.type': typeof e?.code === 'string' ? e.code : (e?.name ?? 'Error') };
      errors.add(1, operation ? { ...attrs, 'callstate.operation': operation } : attrs);
    },
  };
}
