// The README's "Use it from a Twilio Function" snippet is this example's incoming-call function.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { snippetProblems } from '../../readme-snippets.mjs';

test('README snippet is copied from functions/voice.protected.js', () => {
  const file = fileURLToPath(new URL('../functions/voice.protected.js', import.meta.url));
  assert.deepEqual(snippetProblems('## Use it from a Twilio Function', file), []);
});
