// README snippets are copied from files the tests run; this keeps them so. A snippet is the
// first ```js block under a README heading; its lines must appear in the source file in order,
// each run of lines contiguous, runs separated in the snippet by a `// …` line. Indentation is
// not compared (a snippet may be dedented).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const README = join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md');

/** Why the snippet under `heading` is not a copy of `file` (empty when it is). */
export function snippetProblems(heading, file) {
  const readme = readFileSync(README, 'utf8');
  const at = readme.indexOf(`\n${heading}\n`);
  if (at < 0) return [`README.md has no heading "${heading}"`];
  const block = readme.slice(at).match(/```js\n([\s\S]*?)```/);
  if (!block) return [`no \`\`\`js block under "${heading}"`];
  const source = readFileSync(file, 'utf8').split('\n').map((l) => l.trim());
  const runs = block[1].trimEnd().split('\n// …\n').map((run) => run.split('\n').map((l) => l.trim()));
  const problems = [];
  let from = 0;
  for (const run of runs) {
    let found = -1;
    for (let i = from; i + run.length <= source.length && found < 0; i++) {
      if (run.every((line, k) => source[i + k] === line)) found = i;
    }
    if (found < 0) {
      problems.push(`README "${heading}": these lines are not in ${file} (in order):\n${run.join('\n')}`);
    } else {
      from = found + run.length;
    }
  }
  return problems;
}
