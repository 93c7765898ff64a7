'use strict';
// `callstate-wasm` for Node (CommonJS): the wasm-pack `nodejs` build, wrapped by the shared shim.
const { RawCodec } = require('./pkg/node/callstate_wasm.js');
const { createApi } = require('./shim.cjs');

module.exports = createApi(RawCodec, 'wasm');
