/** Column layout for the plain-text reports (lint, analyze, diff, profile, validate, rules, zoo list). */

import { at } from '../../util/at.js';

/** Pads cells into aligned columns; numeric-looking columns are right-aligned. */
export function alignTable(rows: readonly (readonly string[])[], rightAligned: readonly boolean[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const pad = ' '.repeat(at(widths, i) - visibleLength(cell));
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

/** Cuts a line to `width` visible columns, ending in an ellipsis; ANSI colour codes do not count (and are kept). */
export function fitWidth(line: string, width: number): string {
  if (width < 1 || visibleLength(line) <= width) return line;
  let out = '';
  let visible = 0;
  for (let i = 0; i < line.length;) {
    const ansi = /^\u001b\[[0-9;]*m/.exec(line.slice(i));
    if (ansi) {
      out += ansi[0];
      i += ansi[0].length;
      continue;
    }
    if (visible === width - 1) break;
    out += line.charAt(i);
    visible += 1;
    i += 1;
  }
  return out + '\u2026' + (line.includes('\u001b[') ? '\u001b[0m' : '');
}
