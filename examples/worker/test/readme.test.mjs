// The README's "Use it at the edge" snippet is copied from this worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { snippetProblems } from '../../readme-snippets.mjs';

test('README snippet is copied from src/worker.mjs', () => {
  const file = fileURLToPath(new URL('../src/worker.mjs', import.meta.url));
  assert.deepEqual(snippetProblems('## Use it at the edge', file), []);
});
