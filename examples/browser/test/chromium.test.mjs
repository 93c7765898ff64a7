// callstate-wasm's ESM build in Debian's headless Chromium: a static page on a loopback port
// imports the package, replays every tests/vectors case in the page, and reports counts; every
// case must pass. Driven by puppeteer-core against /usr/bin/chromium (no browser download).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import puppeteer from 'puppeteer-core';
import { serve } from '../server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
let server;
let browser;
let profile;

before(async () => {
  server = await serve();
  profile = mkdtempSync(join(tmpdir(), 'callstate-chromium-'));
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run',
    ],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** Opens `path` in a new browser context (its own renderer: no compiled-module cache shared). */
async function results(path) {
  const context = await browser.createBrowserContext();
  try {
    const page = await context.newPage();
    const logs = [];
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    await page.goto(server.url + path);
    await page.waitForFunction(() => window.__results !== undefined, { timeout: 60_000 });
    const r = await page.evaluate(() => window.__results);
    assert.equal(r.error, undefined, `page failed: ${r.error}\n${logs.join('\n')}`);
    return r;
  } finally {
    await context.close();
  }
}

test('every golden vector passes in the page', async () => {
  const c = await results('?compile');
  const r = await results('');

  const dir = join(here, '../../../tests/vectors');
  const total = readdirSync(dir).filter((n) => n.endsWith('.json'))
    .reduce((n, f) => n + JSON.parse(readFileSync(join(dir, f), 'utf8')).cases.length, 0);
  console.log(`chromium: ${(await browser.version())}: ${r.passed} passed, ${r.failed} failed of ${r.total} vectors (replay ${r.replayMs.toFixed(0)} ms)`);
  console.log(`chromium: callstate_wasm_bg.wasm ${c.wasmBytes} bytes; WebAssembly.compile ${c.compileMs.toFixed(1)} ms; ` +
    `import('callstate-wasm') in a fresh page ${r.loadMs.toFixed(1)} ms (fetch web.mjs + shim + .wasm, compile, instantiate)`);
  assert.deepEqual(r.failures, []);
  assert.deepEqual(r.unexpectedPasses, [], 'cases listed as expected failures now pass: remove them');
  assert.equal(r.total, total);
  assert.equal(r.passed, total);
});

test('callstate-wasm exports the same names in the browser as in Node (SPEC §2: one API)', async () => {
  const r = await results('');
  const inNode = Object.keys(createRequire(import.meta.url)('callstate-wasm')).sort();
  assert.deepEqual(r.exports, inNode);
});
