// The fault matrix report: one aligned line per cell, the linearizability verdict from the Rust
// checker (tools/histcheck), details for failing cells, and a summary.
//
// As a program (scripts/test-faults.sh runs it after both backends):
//   node tests/faults/report.mjs [--no-check] <results.json>…
// prints the combined table for the results files written by `run.mjs --results`, runs the checker
// over their history files, and exits 1 if any cell failed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Runs `cargo run --release -q -p histcheck -- <file>` for each history file. Returns
 * { byName: Map(name -> result), note } where note explains an n/a.
 */
export function runChecker(files) {
  const byName = new Map();
  if (!existsSync(join(ROOT, 'tools', 'histcheck', 'Cargo.toml'))) {
    return { byName, note: 'tools/histcheck does not exist yet: linearizable=n/a' };
  }
  const notes = [];
  for (const file of files) {
    const t0 = Date.now();
    const r = spawnSync('cargo', ['run', '--release', '-q', '-p', 'histcheck', '--', file],
      { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20, timeout: 600_000 });
    const secs = ((Date.now() - t0) / 1000).toFixed(1);
    let parsed = 0;
    for (const line of (r.stdout ?? '').split('\n')) {
      if (!line.trim().startsWith('{')) continue;
      try { const j = JSON.parse(line); if (j.name) { byName.set(j.name, j); parsed++; } } catch { /* not a result line */ }
    }
    if (r.error || (r.status !== 0 && parsed === 0)) {
      const why = r.error ? r.error.message : (r.stderr ?? '').trim().split('\n').slice(-3).join(' | ');
      notes.push(`checker failed on ${file} (exit ${r.status}): ${why.slice(0, 400)}: linearizable=n/a`);
    } else notes.push(`checker: ${parsed} cells from ${file} in ${secs}s${r.status ? ` (exit ${r.status})` : ''}`);
  }
  return { byName, note: notes.join('\n') };
}

function verdict(c) {
  const k = c.check;
  if (!k) return 'n/a';
  if (k.linearizable === true) return 'yes';
  if (k.linearizable === false) return 'NO';
  return k.undecided ? 'undecided' : String(k.linearizable);
}

/** Why a cell failed ([] = passed). Linearizability n/a is not a failure (it is said separately). */
export function failures(c) {
  const f = [];
  if (c.crash) f.push(`crashed: ${c.crash}`);
  for (const k of ['lost', 'twice', 'lateWrites', 'lateSettles', 'errors']) if (c[k]) f.push(k);
  if (c.lost === null && !c.crash) f.push('no final state');
  if (c.check && c.check.linearizable !== true) f.push('not linearizable');
  return f;
}

const num = (v) => (v === null || v === undefined ? '-' : String(v));
export function line(c) {
  const cols = [
    (c.server ?? 'redis').padEnd(6), c.fault.padEnd(8), c.client.padEnd(10), c.mode.padEnd(6), c.backend.padEnd(6),
    `ops=${num(c.ops).padEnd(5)}`, `acked=${num(c.acked).padEnd(5)}`, `lost=${num(c.lost).padEnd(3)}`,
    `twice=${num(c.twice).padEnd(3)}`, `late-writes=${num(c.lateWrites).padEnd(4)}`,
    `late-settles=${num(c.lateSettles).padEnd(4)}`, `errors=${num(c.errors).padEnd(4)}`,
    `linearizable=${verdict(c).padEnd(4)}`, `unknown=${num(c.unknown)}`,
  ];
  return cols.join(' ') + (c.crash ? `  CRASHED: ${c.crash}` : '');
}

/** Details of one cell, for the section under the table. */
export function details(c) {
  const out = [];
  const ld = c.lateDetail ?? {};
  if (c.lateWrites) out.push(`late writes: ${ld.send} ops sent their value after settling, ${ld.fn} ran fn after settling, ${ld.dedicatedResend} resent on a WATCH connection after settling`);
  if (c.lateSettles) out.push(`late settles: ${c.lateSettles} ops settled > timeoutMs+50 ms after invoke (${c.hung} never settled); max event-loop lag ${c.maxLagMs ?? '?'} ms`);
  for (const [kind, { n, sample }] of Object.entries(c.errorNotes ?? {})) out.push(`error: ${kind} ×${n}: ${sample}`);
  if (c.check && c.check.linearizable !== true) out.push(`checker: ${JSON.stringify(c.check)}`);
  if (c.check && c.lost !== null && (c.check.lost !== c.lost || c.check.twice !== c.twice)) {
    out.push(`info: checker counts lost=${c.check.lost} twice=${c.check.twice} (the checker counts ids repeated in any ok value and lost against the last ok value; here: the final read)`);
  }
  if (c.watchConns !== undefined) out.push(`info: the stores opened ${c.watchConns} connections with duplicate()`);
  if (c.laterState) out.push(`info: ${c.laterState} acknowledged updates resolved to a state with later appends after their own (a retry found its write id applied); recorded as append + read`);
  if (c.resent) out.push(`info: ${c.resent} ops reached the wire after settling only by the user client's own resend/queue`);
  if (c.dupsLeftOpen) out.push(`info: ${c.dupsLeftOpen} WATCH connections still open after store.close()`);
  if (c.rejections?.length) out.push(`rejections: ${c.rejections.slice(0, 4).map(([k, n]) => `${n}× ${k}`).join(' ; ')}`);
  if (c.note) out.push(`fault: ${c.note}`);
  if (c.events?.length) out.push(`fault: ${c.events.slice(0, 6).join(', ')}${c.events.length > 6 ? ', …' : ''}`);
  return out;
}

/** Prints the table, details and summary; returns the number of failed cells. */
export function printReport(cells, { checkNote, title = 'fault matrix', print = console.log } = {}) {
  print(`\n== ${title}: ${cells.length} cells ==`);
  for (const c of cells) print(line(c));
  const failed = cells.filter((c) => failures(c).length);
  if (failed.length) {
    print('\n-- details of failing cells --');
    for (const c of failed) {
      print(`${c.name}: ${failures(c).join(', ')}`);
      for (const d of details(c)) print(`    ${d}`);
    }
  }
  // Passing cells with something worth knowing (not failures).
  const noted = cells.filter((c) => !failures(c).length && (c.resent || c.laterState || c.dupsLeftOpen || c.note));
  if (noted.length) {
    print('\n-- notes (passing cells) --');
    for (const c of noted) {
      const n = [];
      if (c.resent) n.push(`${c.resent} ops' values reached the wire after they settled only through the user client's own offline queue/resend (SPEC §7: a write already sent may land late)`);
      if (c.laterState) n.push(`${c.laterState} acknowledged updates resolved to a state with later appends (write id found applied; checked as append + read)`);
      if (c.dupsLeftOpen) n.push(`${c.dupsLeftOpen} duplicate() connections still open after store.close()`);
      if (c.note) n.push(c.note);
      // What the cell's methods rejected with, besides timeouts (REDIS errors are allowed, but one
      // that came back early is worth seeing).
      const early = (c.rejections ?? []).filter(([k]) => !/timed out after/.test(k));
      if (c.note && early.length) n.push(`rejected: ${early.slice(0, 3).map(([k, x]) => `${x}× ${k}`).join(' ; ')}`);
      print(`${c.name}: ${n.join('; ')}`);
    }
  }
  const sum = (k) => cells.reduce((a, c) => a + (c[k] ?? 0), 0);
  print(`\nsummary: ${cells.length} cells, ${failed.length} failed; ops=${sum('ops')} acked=${sum('acked')} lost=${sum('lost')} twice=${sum('twice')} late-writes=${sum('lateWrites')} late-settles=${sum('lateSettles')} errors=${sum('errors')} not-linearizable=${cells.filter((c) => c.check && c.check.linearizable !== true).length} crashed=${cells.filter((c) => c.crash).length}`);
  if (checkNote) print(checkNote);
  if (cells.some((c) => !c.check)) print('linearizable=n/a: no checker verdict for some cells (see above)');
  return failed.length;
}

export function attachChecks(cells, byName) {
  for (const c of cells) c.check = byName.get(c.name) ?? null;
}

// --- CLI ---------------------------------------------------------------------------------------------
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const noCheck = args.includes('--no-check');
  const files = args.filter((a) => !a.startsWith('--'));
  const cells = [];
  const histories = [];
  let incomplete = 0;
  for (const f of files) {
    if (!existsSync(f)) { console.log(`missing results file ${f} (that run crashed before writing it)`); incomplete++; continue; }
    const r = JSON.parse(readFileSync(f, 'utf8'));
    cells.push(...r.cells);
    if (r.history && existsSync(r.history)) histories.push(r.history);
    if (!r.complete) { console.log(`${f}: run incomplete (${r.note ?? 'stopped early'})`); incomplete++; }
  }
  let checkNote = 'checker skipped (--no-check): linearizable=n/a';
  if (!noCheck) {
    const { byName, note } = runChecker(histories);
    attachChecks(cells, byName);
    checkNote = note;
  }
  const failed = printReport(cells, { checkNote, title: 'fault matrix (all backends)' });
  process.exit(failed || incomplete ? 1 : 0);
}
