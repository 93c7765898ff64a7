// The CLI's command line: the usage text, the flags, and their checks (a bad one is exit code 2).
import { parseArgs } from 'node:util';

export const USAGE = `usage: callstate <command> [options]

commands:
  inspect <callSid>          one call: state (pretty), rev, schema version, migratedFrom, TTL
  scan                       active calls by stage, a table
  migrate [--apply]          rewrite every v1/v2 value as v3 with compare-and-set;
                             a dry run (counts only, no writes) unless --apply
  backup [file] [--force]    NDJSON lines {key, pttlMs, atMs, value} to file (default stdout);
                             the file is private (0600) and never overwritten unless --force
  restore [file] [--replace] [--dry-run] [--include-ended]
                             NDJSON from file (default stdin), streamed; existing keys kept
                             unless --replace, calls that have ended skipped unless
                             --include-ended; --dry-run checks and counts, writes nothing

options:
  --url <url>          Redis URL (default $REDIS_URL, else redis://127.0.0.1:6379)
  --cluster            connect as a Redis Cluster client (ioredis Cluster or node-redis
                       createCluster; needs --hash-tag); --url is one node of it
  --hash-tag           keys are prefix + "{" + callSid + "}" (the codec's hashTag)
  --prefix <p>         key prefix (default "call_state:")
  --match <glob>       scan/migrate/backup: only call SIDs matching the glob
  --concurrency <n>    migrate: calls in flight at once (default 16)
  --json               inspect/scan/migrate/restore: print JSON instead of text
  --quiet              no progress on stderr
  -h, --help           this text

The Redis client is the one your project installed: ioredis, else redis (node-redis v4+);
CALLSTATE_REDIS_CLIENT=ioredis|redis picks one. Exit codes: 0 ok, 1 error, 2 usage.
`;

/** A command line that does not fit the usage (exit code 2). */
export class UsageError extends Error {}

/** Each command and how many positional arguments it takes: [min, max]. */
export const COMMANDS = {
  inspect: [1, 1],
  scan: [0, 0],
  migrate: [0, 0],
  backup: [0, 1],
  restore: [0, 1],
} as const;
export type CommandName = keyof typeof COMMANDS;

/** The flags, checked. */
export interface Flags {
  url?: string;
  cluster: boolean;
  hashTag: boolean;
  prefix?: string;
  match?: string;
  concurrency: number;
  apply: boolean;
  replace: boolean;
  force: boolean;
  dryRun: boolean;
  includeEnded: boolean;
  json: boolean;
  quiet: boolean;
}

/** What to run: a command with its argument (all take at most one) and the flags. */
export interface Invocation { command: CommandName; arg: string | undefined; flags: Flags }

const OPTIONS = {
  url: { type: 'string' },
  cluster: { type: 'boolean' },
  'hash-tag': { type: 'boolean' },
  prefix: { type: 'string' },
  match: { type: 'string' },
  concurrency: { type: 'string' },
  apply: { type: 'boolean' },
  replace: { type: 'boolean' },
  force: { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'include-ended': { type: 'boolean' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * The command line read: an invocation, `'help'` (print the usage, exit 0) or `'usage'` (print
 * it on stderr, exit 2). Throws `UsageError` for anything that does not fit.
 */
export function parse(argv: string[]): Invocation | 'help' | 'usage' {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  const str = (name: string) => values[name] as string | undefined;
  const bool = (name: string) => values[name] === true;
  if (bool('help')) return 'help';
  if (positionals.length === 0) return 'usage';
  const [name, ...args] = positionals;
  if (!Object.hasOwn(COMMANDS, name)) throw new UsageError(`unknown command \`${name}\``);
  const command = name as CommandName;
  const [min, max] = COMMANDS[command];
  if (args.length < min || args.length > max) {
    throw new UsageError(`\`${name}\` takes ${min === max ? min : `${min} to ${max}`} argument(s), got ${args.length}`);
  }
  if (bool('apply') && command !== 'migrate') throw new UsageError('--apply is for `migrate`');
  for (const flag of ['replace', 'dry-run', 'include-ended']) {
    if (bool(flag) && command !== 'restore') throw new UsageError(`--${flag} is for \`restore\``);
  }
  if (bool('force') && command !== 'backup') throw new UsageError('--force is for `backup`');
  if (bool('cluster') && !bool('hash-tag')) {
    throw new UsageError('--cluster needs --hash-tag: in a cluster every key of a call must share a slot');
  }
  const concurrency = str('concurrency') === undefined ? 16 : Number(str('concurrency'));
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new UsageError('--concurrency must be a positive integer');
  return {
    command,
    arg: args[0],
    flags: {
      url: str('url'), cluster: bool('cluster'), hashTag: bool('hash-tag'), prefix: str('prefix'),
      match: str('match'), concurrency, apply: bool('apply'), replace: bool('replace'),
      force: bool('force'), dryRun: bool('dry-run'), includeEnded: bool('include-ended'),
      json: bool('json'), quiet: bool('quiet'),
    },
  };
}
