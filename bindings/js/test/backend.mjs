// The one place the JS tests pick a build (STYLE anchor 6): CALLSTATE_BACKEND=native (default)
// loads the `callstate` package folder, =wasm the `callstate-wasm` one. With
// CALLSTATE_FORCE_WASM=1 the `callstate` package runs on its WASM fallback; `backend` says which
// core actually runs, `expected` which one this run asked for.
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The two package folders: the repository's, or with CALLSTATE_TEST_INSTALL=<project> the ones
 * `npm install` put in that project's node_modules (scripts/test-platforms.sh: Bun, Deno).
 */
const installed = process.env.CALLSTATE_TEST_INSTALL;
const from = installed && createRequire(join(installed, 'package.json'));
export const dirs = from
  ? { native: dirname(from.resolve('callstate/package.json')), wasm: dirname(from.resolve('callstate-wasm/package.json')) }
  : { native: join(root, 'node'), wasm: join(root, 'wasm') };

export const name = process.env.CALLSTATE_BACKEND ?? 'native';
if (!(name in dirs)) throw new Error(`CALLSTATE_BACKEND must be native or wasm, not ${name}`);

/** The package under test, by `require` of its folder. */
export const cs = require(dirs[name]);
/** The same package by `import` of its ESM entry. */
export const esm = await import(pathToFileURL(join(dirs[name], 'index.mjs')).href);
/** The other package (for cross-package checks). */
export const other = require(dirs[name === 'native' ? 'wasm' : 'native']);

export const BACKEND = Symbol.for('callstate.backend');
/** The core this run is meant to exercise. */
export const expected = name === 'native' && process.env.CALLSTATE_FORCE_WASM !== '1' ? 'native' : 'wasm';
/** Label for test names. */
export const label = `${name}${process.env.CALLSTATE_FORCE_WASM === '1' ? '+CALLSTATE_FORCE_WASM=1' : ''}`;

export { require, root };
