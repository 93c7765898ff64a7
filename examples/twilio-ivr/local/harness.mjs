// Runs the Functions service locally, as Twilio would call it: a private redis-server
// (scripts/redis.sh) and Twilio's local runtime `twilio-run` on free loopback ports, and a
// client that POSTs Twilio-shaped form-encoded webhooks and reads back the stored state and TTL.
// Used by the demo (local/demo.mjs) and the test (test/ivr.test.mjs).
import { spawn, execFileSync } from 'node:child_process';
import { openSync, closeSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const EXAMPLE = join(here, '..');
const ROOT = join(EXAMPLE, '../..');
const require = createRequire(join(EXAMPLE, 'package.json'));
const Redis = require('ioredis');
const { generateStateKey, deserializeCallState } = require('callstate');

export const ACCOUNT_SID = 'AC00000000000000000000000000000000';
/** What the service is configured to keep a call's state for after its final status (endCall). */
export const KEEP_SECONDS = 120;

/** A fresh Twilio-shaped call SID (CA + 32 hex digits). */
export function newCallSid() {
  return `CA${Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('')}`;
}

/**
 * Starts redis-server and twilio-run under `workDir`; resolves `{ url, redis, redisPort, logPath, stop }`.
 * `stop()` ends both (idempotent). Logs go to workDir/twilio-run.log and workDir/redis/.
 */
export async function startServices(workDir, { forkProcess = true } = {}) {
  mkdirSync(workDir, { recursive: true });
  const redisDir = join(workDir, 'redis');
  const redisSh = join(ROOT, 'scripts/redis.sh');
  const redisPort = Number(execFileSync('bash', [redisSh, 'start', redisDir], { encoding: 'utf8' }).trim());
  let child = null;
  let redis = null;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    redis?.disconnect();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    execFileSync('bash', [redisSh, 'stop', redisDir]);
  };
  try {
    const port = await freePort();
    const logPath = join(workDir, 'twilio-run.log');
    const log = openSync(logPath, 'a');
    const args = [
      '--require', join(here, 'loopback.cjs'), require.resolve('twilio-run/bin/twilio-run.js'),
      'start', '--load-local-env', '--port', String(port), '--no-live',
      ...(forkProcess ? [] : ['--no-fork-process']),
    ];
    child = spawn(process.execPath, args, {
      cwd: EXAMPLE,
      env: {
        ...process.env, REDIS_URL: `redis://127.0.0.1:${redisPort}`, ACCOUNT_SID, FORCE_COLOR: '0',
        CALL_END_KEEP_SECONDS: String(KEEP_SECONDS),
      },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    // For a caller's clean-up of last resort (scripts/demo.sh's trap), should this process die.
    writeFileSync(join(workDir, 'twilio-run.pid'), `${child.pid}\n`);
    const url = `http://127.0.0.1:${port}`;
    await waitReady(url, child, logPath);
    redis = new Redis({ host: '127.0.0.1', port: redisPort, lazyConnect: false });
    return { url, redis, redisPort, logPath, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * POSTs one webhook as Twilio does, with a fresh `I-Twilio-Idempotency-Token` unless `token` is
 * given (a retry of a request sends that request's token again); resolves
 * `{ path, params, token, status, type, body }`.
 */
export async function post(url, path, params, token = newToken()) {
  const r = await fetch(url + path, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'TwilioProxy/1.1',
      'i-twilio-idempotency-token': token,
    },
    body: new URLSearchParams(params).toString(),
  });
  return { path, params, token, status: r.status, type: r.headers.get('content-type') ?? '', body: await r.text() };
}

/** A token shaped like Twilio's `I-Twilio-Idempotency-Token` (unique per request, kept on retries). */
export function newToken() {
  return `${Math.floor(Math.random() * 1e9).toString(16)}-${Date.now().toString(16)}`;
}

/** The `action` URL of a TwiML <Gather> (where Twilio sends the caller's input), or null. */
export function gatherAction(twiml) {
  return twiml.match(/<Gather[^>]*action="([^"]+)"/)?.[1]?.replace(/&amp;/g, '&') ?? null;
}

/** The fields Twilio sends with every voice webhook of this call. */
export function callParams(callSid, extra) {
  return {
    AccountSid: ACCOUNT_SID, ApiVersion: '2010-04-01', CallSid: callSid, Direction: 'inbound',
    From: '+34600111222', To: '+34910000000', CallStatus: 'in-progress', ...extra,
  };
}

/** What Redis holds for the call: `{ key, value, state, ttl }` (value/state null when absent). */
export async function stored(redis, callSid) {
  const key = generateStateKey(callSid);
  const [value, ttl] = await Promise.all([redis.get(key), redis.ttl(key)]);
  return { key, value, state: value === null ? null : deserializeCallState(value), ttl };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitReady(url, child, logPath) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      await fetch(`${url}/__ready`); // any HTTP answer (a 404) means it is serving
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let tail = '';
  try { tail = readFileSync(logPath, 'utf8').slice(-2000); } catch {}
  throw new Error(`twilio-run did not start (exit ${child.exitCode}):\n${tail}`);
}

/** Lines the functions logged with a `callstate:` prefix since byte `from` of the runtime's log. */
export function runtimeNotes(logPath, from = 0) {
  let text = '';
  try { text = readFileSync(logPath, 'utf8'); } catch { return { notes: [], size: from }; }
  const notes = text.slice(from).split('\n').map((l) => l.match(/callstate: .*/)?.[0]).filter(Boolean);
  return { notes, size: text.length };
}
