/**
 * Text from a model (node, op type, domain, tensor and graph names), a file path or a config file is
 * hostile until escaped: every output format passes it through the one function here for its target.
 */

/**
 * Characters a terminal or a log viewer acts on instead of showing: C0 controls (ESC starts ANSI
 * sequences, CR rewinds the line, LF splits it), DEL, C1 controls (U+009B is a one-byte CSI), the line
 * and paragraph separators, and the bidirectional embeddings, overrides, isolates and marks that
 * reorder what is shown (Trojan Source, CVE-2021-42574).
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visibleEscape(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Plain text for a terminal, a log or any one-line format: control characters become visible escapes
 * (`\x1b`, `\n`, `\r`, `\t`, `\u202e`), so nothing can colour, move or reorder the output and a name
 * never splits a line. Printable text, backslashes included, is left as it is.
 */
export function terminalText(text: string): string {
  return text.replace(CONTROL, visibleEscape);
}

/** How many characters of user input an error message quotes. */
export const USER_INPUT_MAX = 200;

/** `text` cut to `max` UTF-16 units (never inside a surrogate pair), with `… (+N chars)` saying what was cut. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}… (+${text.length - end} chars)`;
}

/**
 * User input (a name, a path, a config key, an option value) as an error message or a text table
 * quotes it: at most `max` characters, then `… (+N chars)`, with terminal escaping. Cut before
 * escaping, so a 50 MB key costs no more than a short one.
 */
export function quoteUserInput(text: string, max: number = USER_INPUT_MAX): string {
  return terminalText(clip(text, max));
}

/**
 * A name (node, tensor, attribute, graph, file) inside a message: `quoteUserInput` in double quotes,
 * the one way the decoder, the validator and the analyzers quote what a model names.
 */
export function quoteName(name: string): string {
  return `"${quoteUserInput(name)}"`;
}

/**
 * Longest message (which may quote node names) a text table shows, in characters: a megabyte name
 * in a message would otherwise make every aligned row that wide.
 */
export const MESSAGE_MAX = 1000;

/** Longest error line the CLI prints, in characters (before escaping). */
export const ERROR_LINE_MAX = 1000;

/**
 * An error message as exactly one line: terminal escaping, and a message longer than `max` keeps its
 * start and its end (where the explanation usually is) around `… (N chars cut) …`. The last line of
 * defence for messages that quote user input without `quoteUserInput`.
 */
export function errorLine(message: string, max: number = ERROR_LINE_MAX): string {
  if (message.length <= max) return terminalText(message);
  const head = Math.ceil(max * 0.6);
  const tail = max - head;
  return `${terminalText(message.slice(0, head))} … (${message.length - head - tail} chars cut) … ${terminalText(message.slice(message.length - tail))}`;
}

/** Characters that start Markdown inline syntax (CommonMark 2.4 backslash escapes apply to all of them). */
const MARKDOWN_PUNCTUATION = /[\\`*_[\]~#|$]/g;

function markdownInline(text: string): string {
  return text.replace(MARKDOWN_PUNCTUATION, '\\$&').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Whether a whitespace-delimited word could become a link under GFM's autolink extension (`http://`,
 * `www.`, an e-mail address, `mailto:`/`xmpp:`) or other renderers' linkifiers. Checked per word, so a
 * megabyte name costs one pass.
 */
function mayAutolink(word: string): boolean {
  return /:\/\/|www\.|@|^(?:mailto|xmpp|tel):/i.test(word);
}

/**
 * The one escaper of plain text for every Markdown writer (lint, diff, report, validate): text
 * renders literally under CommonMark and GFM, in a paragraph, a list item or a table cell.
 * - Control characters are shown escaped (`terminalText`), so a row or list item stays one line.
 * - Emphasis, link, strikethrough and math markers (`*`, `_`, `[`, `]`, `~`, `$`), backticks, `#`,
 *   backslashes and GFM's cell separator `|` get a backslash (CommonMark 2.4, "Backslash escapes"):
 *   no `[text](url)` link and no `*emphasis*` survives.
 * - `&`, `<` and `>` become entities, so no raw HTML and no `<http://...>` autolink.
 * - A word that GFM would autolink (`http://...`, `www....`, `a@b.example`) becomes a code span:
 *   autolinking never applies inside code, whatever renderer reads it.
 * `MAC >= 2*sqrt(hw*B)` stays a formula instead of turning into italics.
 */
export function markdownCell(text: string): string {
  const s = terminalText(text);
  let out = '';
  let last = 0;
  for (const m of s.matchAll(/[^\s<>]+/g)) {
    if (!mayAutolink(m[0])) continue;
    out += markdownInline(s.slice(last, m.index)) + markdownCode(m[0]);
    last = m.index + m[0].length;
  }
  return out + markdownInline(s.slice(last));
}

/**
 * A code span for a node or model name, safe inside a table cell: HTML, links and emphasis are inert
 * in code spans, a fence longer than any backtick run keeps backticks, control characters are shown
 * escaped, and pipes are escaped (GFM tables split on them before inline parsing).
 */
export function markdownCode(text: string): string {
  const s = terminalText(text).replace(/\|/g, '\\|');
  const longest = Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 || s.startsWith(' ') || s.endsWith(' ') ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

/** Escapes text for XML/HTML content and attribute values (both quote kinds); the SVG charts use it as is. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Text for HTML element content or a quoted attribute value: `& < > " '` become entities
 * (escapeXml, shared with the SVG charts) after terminal escaping, so control characters show as
 * `\x1b` instead of reaching the page.
 */
export function escapeHtml(text: string): string {
  return escapeXml(terminalText(text));
}

/**
 * A CSV cell (RFC 4180): control characters shown escaped, a cell that a spreadsheet would read as a
 * formula (`=`, `+`, `-`, `@` first; OWASP "CSV Injection") gets a leading `'`, and a cell with a
 * quote, comma or line break is quoted. Numbers are written as they are.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  let s = terminalText(value);
  if (/^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * A GitHub Actions workflow command's data (the message), as actions/toolkit `escapeData` escapes
 * it: `%`, CR and LF percent-encoded, so the command stays one line. Pass names through
 * `terminalText` first: the runner decodes `%0A` into a line break of the annotation.
 */
export function escapeGithubData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A workflow command property value (actions/toolkit `escapeProperty`): also `:` and `,`. */
export function escapeGithubProperty(text: string): string {
  return escapeGithubData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
