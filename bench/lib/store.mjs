// The store under test, from the package folders, and an ioredis client for the bench's redis.
import { createRequire } from 'node:module';
import { loadPackage } from './variants.mjs';

const require = createRequire(import.meta.url);
export const Redis = require('ioredis');

/** Whether bindings/<which> exports `createCallStateStore` (the store issue wires it in). */
export function storeExported(which = 'native') {
  return typeof loadPackage(which).createCallStateStore === 'function';
}

/** `{ api, createCallStateStore }` of one package. */
export function storePackage(which) {
  const api = loadPackage(which);
  if (typeof api.createCallStateStore !== 'function') {
    throw new Error(`bindings/${which === 'native' ? 'node' : 'wasm'} does not export createCallStateStore yet (make build)`);
  }
  return { api, createCallStateStore: api.createCallStateStore };
}

/** A client on the bench's loopback redis (never another host). */
export function connect(port) {
  return new Redis({ host: '127.0.0.1', port: Number(port), maxRetriesPerRequest: 3, lazyConnect: false });
}

export const hrMs = () => Number(process.hrtime.bigint()) / 1e6;
