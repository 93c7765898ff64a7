// What the CLI prints: lines on stdout, tables, TTLs, counts, and progress on stderr.
import process from 'node:process';

/** One line on stdout. */
export function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Counts by name (error codes, versions). */
export type Counts = { [name: string]: number };

export function sum(counts: Counts): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** `a: 1, b: 2`, by name, each name followed by `suffix`. */
export function formatCounts(counts: Counts, suffix = ''): string {
  return Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}${suffix}: ${v}`).join(', ');
}

/** Aligned columns (two spaces apart); with `header`, a rule under the first row. */
export function table(rows: (string | number | null)[][], header = false): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const lines = cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd());
  if (header) lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return lines.join('\n');
}

/** A PTTL as text: `600 s (10m00s)`, `none (no expiry)` for -1, `missing` for -2. */
export function ttlText(pttlMs: number): string {
  if (pttlMs === -1) return 'none (no expiry)';
  if (pttlMs === -2) return 'missing';
  const s = Math.round(pttlMs / 1000);
  return s >= 60 ? `${s} s (${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s)` : `${s} s`;
}

export interface Progress {
  /** `n` done so far. */
  tick(n: number): void;
  /** The last line. */
  done(): void;
}

/**
 * Progress on stderr: a bar redrawn at most every 100 ms on a terminal, else a line per 10% (or
 * per 10 000 when the total is unknown). Off: nothing is printed.
 */
export function progressBar(label: string, total: number | null, enabled: boolean): Progress {
  const tty = !!process.stderr.isTTY;
  let last = 0;
  let lastStep = 0;
  let n = 0;
  let drawn = false;
  const draw = () => {
    if (total) {
      const width = 30;
      const filled = Math.round((n / total) * width);
      return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${total} ${Math.floor((n / total) * 100)}%`;
    }
    return `${label}: ${n} keys`;
  };
  return {
    tick(k) {
      n = k;
      if (!enabled) return;
      if (tty) {
        const t = Date.now();
        if (t - last < 100 && n !== total) return;
        last = t;
        drawn = true;
        process.stderr.write(`\r${draw()}\x1b[K`);
      } else {
        const step = total ? Math.floor((n / total) * 10) : Math.floor(n / 10_000);
        if (step > lastStep) {
          lastStep = step;
          process.stderr.write(`${draw()}\n`);
        }
      }
    },
    done() {
      if (!enabled) return;
      if (tty) {
        if (drawn || n) process.stderr.write(`\r${draw()}\x1b[K\n`);
      } else if (total === null || n < total) {
        process.stderr.write(`${draw()}\n`);
      }
    },
  };
}
