import { at } from '../../util/at.js';

/** GitHub's limit on a PR comment or issue body, in characters; the default budget of Markdown output. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** A table in a Markdown document: the line indexes of its body rows. */
interface TableRows {
  readonly rows: number[];
  cut: number;
}

function tablesOf(lines: readonly string[]): TableRows[] {
  const tables: TableRows[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (!/^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(at(lines, i)) || !at(lines, i - 1).startsWith('|'))
      continue;
    const rows: number[] = [];
    for (let j = i + 1; j < lines.length && at(lines, j).startsWith('|'); j++) rows.push(j);
    if (rows.length > 0) tables.push({ rows, cut: 0 });
  }
  return tables;
}

/**
 * Keeps a Markdown document under `maxBytes` (UTF-8, so also under that many characters) for a PR
 * comment or job summary: rows are cut from the bottom of the longest table first (every writer
 * sorts its tables most important first, so the bottom rows matter least), and each shortened
 * table is followed by a note saying how many rows it lost. Returns the text unchanged when it fits;
 * when even empty tables do not fit, the text is cut at a line boundary with a closing note.
 */
export function fitMarkdown(markdown: string, maxBytes: number = GITHUB_COMMENT_LIMIT): string {
  if (Buffer.byteLength(markdown) <= maxBytes) return markdown;
  const lines = markdown.split('\n');
  const tables = tablesOf(lines);
  const note = (n: number): string =>
    `${n} more row${n === 1 ? '' : 's'} cut to keep this under ${maxBytes.toLocaleString('en-US')} bytes (--max-bytes).`;
  const render = (): string => {
    const out: string[] = [];
    const cutAt = new Map<number, TableRows>();
    for (const t of tables) for (const r of t.rows.slice(t.rows.length - t.cut)) cutAt.set(r, t);
    for (const [i, line] of lines.entries()) {
      const table = cutAt.get(i);
      if (table) {
        if (i === table.rows[table.rows.length - 1]) out.push('', note(table.cut));
        continue;
      }
      out.push(line);
    }
    return out.join('\n');
  };
  let size = Buffer.byteLength(markdown);
  while (size > maxBytes) {
    const longest = tables.reduce<TableRows | null>(
      (best, t) => (t.rows.length - t.cut > (best ? best.rows.length - best.cut : 0) ? t : best),
      null,
    );
    if (longest === null) break;
    // Cut in steps proportional to the excess so a large report does not re-render once per row.
    const rowBytes = Math.max(
      1,
      Buffer.byteLength(at(lines, at(longest.rows, longest.rows.length - 1 - longest.cut))) + 1,
    );
    const step = Math.max(1, Math.min(longest.rows.length - longest.cut, Math.floor((size - maxBytes) / rowBytes / 2)));
    longest.cut += step;
    size = Buffer.byteLength(render());
  }
  const text = render();
  if (Buffer.byteLength(text) <= maxBytes) return text;
  const closing = `\n\n(cut at ${maxBytes.toLocaleString('en-US')} bytes: --max-bytes)\n`;
  const keep = Buffer.from(text)
    .subarray(0, Math.max(0, maxBytes - Buffer.byteLength(closing)))
    .toString();
  return keep.slice(0, Math.max(0, keep.lastIndexOf('\n'))) + closing;
}
