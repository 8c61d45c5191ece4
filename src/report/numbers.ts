/** Human-readable magnitudes for text and Markdown reports (pure formatting, no computation). */
export function humanCount(n: number | null): string {
  if (n === null || Number.isNaN(n)) return '?';
  const abs = Math.abs(n);
  // Saturated counts (a huge shape: see analyzers/shape-utils.ts) would print hundreds of digits.
  if (abs >= 1e15) return Number.isFinite(n) ? n.toExponential(2) : n > 0 ? 'inf' : '-inf';
  if (abs >= 1e12) return `${(n / 1e12).toFixed(2)}T`;
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

export function humanBytes(n: number | null): string {
  if (n === null) return '?';
  const abs = Math.abs(n);
  if (abs >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (abs >= 2 ** 20) return `${(n / 2 ** 20).toFixed(2)} MiB`;
  if (abs >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

/**
 * A fraction (0.25) as a percentage with one decimal ("25.0%"): the one percent format of the reports,
 * so a share printed in two places (summary, table, chart, text) reads the same. null: "–" (not
 * applicable, e.g. no time measured); NaN or infinite: "n/a" (a share of a saturated total).
 */
export function formatPercent(fraction: number | null): string {
  if (fraction === null) return '–';
  if (!Number.isFinite(fraction)) return 'n/a';
  const text = (100 * fraction).toFixed(1);
  return `${text === '-0.0' ? '0.0' : text}%`;
}

export function percent(part: number, whole: number): string {
  if (!whole) return '0.0%';
  return formatPercent(part / whole);
}

/** Pads cells into aligned columns; numeric-looking columns are right-aligned. */
export function alignTable(rows: readonly (readonly string[])[], rightAligned: readonly boolean[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const pad = ' '.repeat(widths[i] - visibleLength(cell));
        return rightAligned[i] ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}

const ANSI = /\u001b\[[0-9;]*m/g;
function visibleLength(s: string): number {
  return s.replace(ANSI, '').length;
}

/** A finding's share of estimated model time (0..1) as text, the same in every format: "12.3%", "<0.1%", "0%". */
export function formatShare(share: number): string {
  if (share <= 0) return '0%';
  if (share < 0.001) return '<0.1%';
  return formatPercent(share);
}

/** Microseconds as text: "850 us", "4.12 ms", "1.30 s". */
export function formatMicroseconds(us: number): string {
  if (us >= 1e6) return `${(us / 1e6).toFixed(2)} s`;
  if (us >= 1e3) return `${(us / 1e3).toFixed(2)} ms`;
  return `${us.toFixed(us >= 10 ? 0 : 1)} us`;
}

/** Cuts a line to `width` visible columns, ending in an ellipsis; ANSI colour codes do not count (and are kept). */
export function fitWidth(line: string, width: number): string {
  if (width < 1 || visibleLength(line) <= width) return line;
  let out = '';
  let visible = 0;
  for (let i = 0; i < line.length; ) {
    const ansi = /^\u001b\[[0-9;]*m/.exec(line.slice(i));
    if (ansi) {
      out += ansi[0];
      i += ansi[0].length;
      continue;
    }
    if (visible === width - 1) break;
    out += line[i];
    visible += 1;
    i += 1;
  }
  return out + '\u2026' + (/\u001b\[/.test(line) ? '\u001b[0m' : '');
}
