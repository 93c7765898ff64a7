#!/usr/bin/env node
// The `callstate` operator CLI (the `bin` of the `callstate` package): inspect one call, count
// active calls by stage, migrate old-version values to v3, back up and restore. It runs the
// package's own codec and store on the user's Redis client (client.ts), through the public API
// and the store's `maintenance` group only. Exit codes: 0 ok, 1 error, 2 usage.
// Compiled by tsc (bindings/js/tsconfig.json) and shipped as the package's cli/ folder by
// bindings/js/build.mjs.
import process from 'node:process';
import { createRequire } from 'node:module';
import type { CallStateCodec } from '../index.js';
import { type CommandName, type Invocation, parse, USAGE, UsageError } from './args.js';
import { connect } from './client.js';
import { backup, type Context, inspect, restore, scan } from './commands.js';
import { migrate } from './migrate.js';

/** The package itself (its index.js beside this folder: native, or its WASM fallback). */
type Package = typeof import('../index.js');

const RUN: { [name in CommandName]: (ctx: Context, arg: string | undefined) => Promise<number> } = {
  inspect: (ctx, callSid) => inspect(ctx, callSid!),
  scan,
  migrate,
  backup,
  restore,
};

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`callstate: ${e.message}\n(see callstate --help)\n`);
      process.exitCode = 2;
    } else {
      const code = e?.code ? ` [${e.code}${e.path ? ` at ${e.path}` : ''}]` : '';
      process.stderr.write(`callstate: ${e?.message}${code}\n`);
      if (e?.cause?.message) process.stderr.write(`  cause: ${e.cause.message}\n`);
      process.exitCode = 1;
    }
  },
);

async function main(argv: string[]): Promise<number> {
  const parsed = parse(argv);
  if (parsed === 'help' || parsed === 'usage') {
    (parsed === 'help' ? process.stdout : process.stderr).write(USAGE);
    return parsed === 'help' ? 0 : 2;
  }
  const { command, arg, flags } = parsed;
  // Loaded once the command line is read, so `--help` and usage errors never load the core.
  const cs = createRequire(import.meta.url)('../index.js') as Package;
  const codec = makeCodec(cs, parsed);
  const conn = await connect(flags.url || process.env.REDIS_URL || 'redis://127.0.0.1:6379', flags.cluster);
  const store = cs.createCallStateStore(conn.client, { codec, onRedisError: 'throw', timeoutMs: 30_000 });
  try {
    return await RUN[command]({ codec, store, flags, progress: !flags.quiet }, arg);
  } finally {
    await store.close().catch(() => {});
    await conn.close();
  }
}

/** The codec of `--prefix` and `--hash-tag`; an invalid prefix is a usage error. */
function makeCodec(cs: Package, { flags }: Invocation): CallStateCodec {
  try {
    return new cs.CallStateCodec({
      ...(flags.prefix !== undefined && { keyPrefix: flags.prefix }),
      ...(flags.hashTag && { hashTag: true }),
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
