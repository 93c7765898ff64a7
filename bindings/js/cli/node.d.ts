// The few Node built-ins the CLI uses, typed by hand. Why not @types/node: bindings/js compiles
// with `types: []` so that the store (which runs in edge runtimes too) cannot use a Node API by
// accident; these declarations are modules, not globals, so store.ts never sees them.

declare module 'node:stream' {
  /** A stream the CLI writes to (a file, stdout). */
  export interface Writable {
    write(chunk: string): boolean;
    end(): void;
    on(event: 'error', listener: (e: Error) => void): unknown;
    isTTY?: boolean;
  }
  /** A stream the CLI reads (a file, stdin): Buffer chunks, decoded by the store. */
  export interface Readable extends AsyncIterable<string | Uint8Array> {
    pipe(destination: unknown): unknown;
  }
}

declare module 'node:process' {
  import type { Readable, Writable } from 'node:stream';
  const process: {
    argv: string[];
    env: { [name: string]: string | undefined };
    stdout: Writable;
    stderr: Writable;
    stdin: Readable;
    exitCode: number | undefined;
    pid: number;
    once(signal: 'SIGINT', listener: () => void): unknown;
    removeListener(signal: 'SIGINT', listener: () => void): unknown;
    exit(code: number): never;
    cwd(): string;
  };
  export default process;
}

declare module 'node:util' {
  export interface ParseArgsOption { type: 'string' | 'boolean'; short?: string }
  export function parseArgs(config: {
    args: string[];
    options: { [name: string]: ParseArgsOption };
    allowPositionals: boolean;
    strict: boolean;
  }): { values: { [name: string]: string | boolean | undefined }; positionals: string[] };
}

declare module 'node:module' {
  /** `require` as seen from `path` (a file path or a `file:` URL). */
  export function createRequire(path: string): (id: string) => unknown;
}

declare module 'node:fs' {
  import type { Readable, Writable } from 'node:stream';
  export function createReadStream(path: string): Readable;
  export function createWriteStream(path: string, options: { flags: 'wx'; mode: number }): Writable;
  export function existsSync(path: string): boolean;
  export function linkSync(existing: string, link: string): void;
  export function renameSync(from: string, to: string): void;
  export function rmSync(path: string, options: { force: boolean }): void;
  export function unlinkSync(path: string): void;
  export function statSync(path: string): { isFile(): boolean; mode: number };
}

declare module 'node:events' {
  /** Resolves on the emitter's next `name` event (rejects on its 'error'). */
  export function once(emitter: unknown, name: string): Promise<unknown[]>;
}

declare module 'node:path' {
  export function join(...parts: string[]): string;
}
