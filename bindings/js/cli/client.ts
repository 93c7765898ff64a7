// The user's own Redis client: ioredis, else redis (node-redis v4+), whichever the project
// installed (resolved from the current directory first, then beside the package), so the package
// gains no dependency. CALLSTATE_REDIS_CLIENT=ioredis|redis picks one. The CLI only connects and
// closes it; every command goes through the store, which routes it (Cluster included).
import process from 'node:process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { RedisClient } from '../index.js';
import { UsageError } from './args.js';

/** A connected client for the store, and how to close it. */
export interface Connection { client: RedisClient; close(): Promise<void> }

/** The parts of ioredis and node-redis used here (both are untyped to the CLI). */
type Lib = any;

export async function connect(url: string, cluster: boolean): Promise<Connection> {
  const preferred = process.env.CALLSTATE_REDIS_CLIENT || '';
  if (preferred && preferred !== 'ioredis' && preferred !== 'redis') throw new UsageError('CALLSTATE_REDIS_CLIENT must be ioredis or redis');
  const { name, lib } = loadClient(preferred);
  if (name === 'ioredis') return cluster ? ioredisCluster(lib, url) : ioredis(lib, url);
  return cluster ? nodeRedisCluster(lib, url) : nodeRedis(lib, url);
}

function loadClient(preferred: string): { name: string; lib: Lib } {
  const from = [createRequire(join(process.cwd(), 'noop.js')), createRequire(import.meta.url)];
  const names = preferred ? [preferred] : ['ioredis', 'redis'];
  for (const name of names) {
    for (const req of from) {
      try {
        return { name, lib: req(name) };
      } catch (e) {
        if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND') throw e;
      }
    }
  }
  throw new Error(`no Redis client found: install one in your project (\`npm install ioredis\` or \`npm install redis\`)${preferred ? ` — CALLSTATE_REDIS_CLIENT asks for ${preferred}` : ''}`);
}

/** Few retries, so an unreachable server is an error within a second, not a hang. */
const retry = { maxRetriesPerRequest: 1, retryStrategy: (n: number) => (n > 2 ? null : 100) };

async function ioredis(lib: Lib, url: string): Promise<Connection> {
  const Redis = lib.default ?? lib;
  const client = new Redis(url, { ...retry, lazyConnect: true });
  client.on('error', () => {}); // reported by the failing command
  await client.connect().catch((e: Error) => { throw new Error(`cannot connect to ${redact(url)}: ${e.message}`); });
  return { client, close: () => client.quit().catch(() => client.disconnect()) };
}

async function ioredisCluster(lib: Lib, url: string): Promise<Connection> {
  const Redis = lib.default ?? lib;
  const u = new URL(url);
  const client = new Redis.Cluster([{ host: u.hostname, port: Number(u.port || 6379) }], {
    redisOptions: { ...retry, ...credentials(u), ...(u.protocol === 'rediss:' && { tls: {} }) },
    clusterRetryStrategy: (n: number) => (n > 2 ? null : 100),
  });
  await new Promise((resolve, reject) => {
    client.once('ready', resolve);
    client.once('error', (e: Error) => reject(new Error(`cannot connect to cluster at ${redact(url)}: ${e.message}`)));
  });
  client.on('error', () => {}); // later node errors: reported by the failing command
  return { client, close: () => client.quit().catch(() => client.disconnect()) };
}

async function nodeRedis(lib: Lib, url: string): Promise<Connection> {
  const client = lib.createClient({ url, socket: { reconnectStrategy: false } });
  client.on('error', () => {});
  await client.connect().catch((e: Error) => { throw new Error(`cannot connect to ${redact(url)}: ${e.message}`); });
  return { client, close: () => client.quit().catch(() => {}) };
}

/**
 * node-redis Cluster: `url` is the seed node; the nodes it discovers take `defaults`, so the
 * URL's credentials and TLS go there too.
 */
async function nodeRedisCluster(lib: Lib, url: string): Promise<Connection> {
  const u = new URL(url);
  const client = lib.createCluster({
    rootNodes: [{ url }],
    defaults: {
      socket: { reconnectStrategy: false, ...(u.protocol === 'rediss:' && { tls: true }) },
      ...credentials(u),
    },
  });
  client.on('error', () => {});
  await client.connect().catch((e: Error) => { throw new Error(`cannot connect to cluster at ${redact(url)}: ${e.message}`); });
  return { client, close: () => Promise.resolve().then(() => client.close()).catch(() => client.destroy()) };
}

function credentials(u: URL): { username?: string; password?: string } {
  return {
    ...(u.username && { username: decodeURIComponent(u.username) }),
    ...(u.password && { password: decodeURIComponent(u.password) }),
  };
}

/**
 * The URL as messages show it: scheme, host and port, and nothing of a user name or password.
 * A password may hold `@`, `/` or `:` unencoded, and then even the URL parser takes part of it
 * for the host (`redis://admin:4321/x@host` parses as host `admin:4321`); so when the text has
 * an `@` anywhere, only what follows the last one is shown, and the parser reads the rest.
 */
export function redact(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0] ?? '';
  const at = url.lastIndexOf('@');
  try {
    const u = new URL(at < 0 ? url : scheme + url.slice(at + 1));
    return `${u.protocol}//${at < 0 ? '' : '***@'}${u.host}`;
  } catch {
    return '(a Redis URL that does not parse)';
  }
}
