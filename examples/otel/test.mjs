// otelMetrics on a real store run: a redis-server of its own (scripts/redis.sh), callstate and
// ioredis as installed here (examples/install.sh), the OpenTelemetry SDK reading the instruments.
// Run by scripts/test-cli.sh; also checks the package's `callstate` bin as npm installed it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import { createCallStateStore } from 'callstate';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { otelMetrics } from './metrics.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const redisSh = join(here, '../../scripts/redis.sh');
const dir = mkdtempSync(join(tmpdir(), 'callstate-otel-'));
const port = execFileSync('bash', [redisSh, 'start', dir]).toString().trim();

/** Collects on demand (the SDK's own reader base; no exporter, no timer). */
class TestReader extends MetricReader {
  async onForceFlush() {}
  async onShutdown() {}
}
const reader = new TestReader();
const provider = new MeterProvider({ readers: [reader] });
const m = otelMetrics(provider.getMeter('callstate-test'));

const redis = new Redis({ port: Number(port), host: '127.0.0.1' });
try {
  const store = createCallStateStore(redis, { onMetric: m.onMetric, onError: m.onError });
  const sid = 'CAotel1';
  const at = new Date('2024-03-15T14:30:22.000Z');
  await store.saveCallState(sid, { callSid: sid, stage: 'COLLECT_CLIENT_ID', attemptCount: 0, language: 'es', lastUpdated: at });
  await store.getCallState(sid);
  await store.updateCallState(sid, (s) => ({ ...s, stage: 'CONFIRM_JOB', lastUpdated: new Date(at.getTime() + 1000) }));
  await redis.set('call_state:CAotel2', JSON.stringify({ callSid: 'CAotel2', stage: 'ASK_ACTION', attemptCount: 0, lastUpdated: at.toISOString() }));
  await store.getCallState('CAotel2'); // a v1 value: migratedFrom 1
  await assert.rejects(
    store.saveCallState(sid, { callSid: sid, stage: 'ASK_ACTION', attemptCount: 0, language: 'es', lastUpdated: at })
      .catch((e) => { m.recordError(e, 'save'); throw e; }),
    { code: 'STALE_WRITE' });
  await store.deleteCallState(sid);
  await store.close();

  // A Redis that is down: fail-open resolves null and reports REDIS through onError.
  const down = new Redis({ port: 1, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  down.on('error', () => {});
  const failing = createCallStateStore(down, { onMetric: m.onMetric, onError: m.onError, timeoutMs: 500 });
  assert.equal(await failing.getCallState('CAotel3'), null);
  down.disconnect();

  const { resourceMetrics, errors } = await reader.collect();
  assert.deepEqual(errors, []);
  const byName = Object.fromEntries(resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).map((x) => [x.descriptor.name, x]));
  const points = (name) => byName[name]?.dataPoints ?? [];
  const total = (name, where = () => true) =>
    points(name).filter((p) => where(p.attributes)).reduce((n, p) => n + (typeof p.value === 'number' ? p.value : p.value.count), 0);

  assert.equal(byName['callstate.operation.duration'].descriptor.unit, 's');
  for (const op of ['save', 'get', 'update', 'delete']) {
    assert.ok(total('callstate.operation.duration', (a) => a['callstate.operation'] === op && a['callstate.outcome'] === 'success') >= 1, op);
  }
  assert.equal(total('callstate.operations', (a) => a['callstate.operation'] === 'save' && a['callstate.outcome'] === 'failure'), 1);
  assert.equal(total('callstate.operations', (a) => a['callstate.operation'] === 'get' && a['callstate.outcome'] === 'failure'), 1);
  assert.equal(total('callstate.errors', (a) => a['error.type'] === 'STALE_WRITE'), 1);
  assert.ok(total('callstate.errors', (a) => a['error.type'] === 'REDIS') >= 1);
  assert.equal(total('callstate.migrations', (a) => a['callstate.migrated_from'] === 1), 1);
  assert.ok(total('callstate.value.size') >= 2);
  const summary = Object.keys(byName).sort().map((n) => `${n}: ${total(n)}`).join(', ');
  console.log(`otel example: ok (${summary})`);

  // The package's bin as npm installed it.
  const help = execFileSync(join(here, 'node_modules/.bin/callstate'), ['--help']).toString();
  assert.match(help, /^usage: callstate <command>/);
  const scan = execFileSync(join(here, 'node_modules/.bin/callstate'), ['scan', '--json', '--quiet'], {
    env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${port}` }, cwd: here,
  }).toString();
  assert.equal(JSON.parse(scan).total, 1);
  console.log('otel example: the installed `callstate` bin runs');
} finally {
  await redis.quit().catch(() => {});
  await provider.shutdown().catch(() => {});
  execFileSync('bash', [redisSh, 'stop', dir]);
  rmSync(dir, { recursive: true, force: true });
}
