import { describe, expect, it } from 'vitest';
import {
  csvCell,
  errorLine,
  escapeGithubData,
  escapeGithubProperty,
  escapeHtml,
  markdownCell,
  markdownCode,
  quoteName,
  quoteUserInput,
  terminalText,
} from '../../src/util/escape.js';

const ESC = '\u001b';

describe('terminalText', () => {
  it.each([
    ['plain name', 'stage2.conv_1/weights:0', 'stage2.conv_1/weights:0'],
    ['ANSI colour', `${ESC}[31mred${ESC}[0m`, '\\x1b[31mred\\x1b[0m'],
    ['OSC 8 hyperlink', `${ESC}]8;;http://evil.example${ESC}\\x`, '\\x1b]8;;http://evil.example\\x1b\\x'],
    ['line feed', 'a\nb', 'a\\nb'],
    ['carriage return', 'ok\rFAKE', 'ok\\rFAKE'],
    ['tab', 'a\tb', 'a\\tb'],
    ['NUL and BEL', 'a\u0000b\u0007', 'a\\x00b\\x07'],
    ['DEL', 'a\u007f', 'a\\x7f'],
    ['C1 CSI (U+009B)', 'a\u009b31m', 'a\\x9b31m'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    ['right-to-left override', 'evil\u202Egnp.exe', 'evil\\u202egnp.exe'],
    ['bidi isolates', '\u2066a\u2069', '\\u2066a\\u2069'],
    ['backslashes stay (Windows paths)', 'C:\\models\\net.onnx', 'C:\\models\\net.onnx'],
    ['non-ASCII letters stay', 'conv_é_层', 'conv_é_层'],
  ])('%s', (_, input, expected) => {
    expect(terminalText(input)).toBe(expected);
    // Idempotent: escaping twice changes nothing more (the printer may see escaped text again).
    expect(terminalText(terminalText(input))).toBe(expected);
  });
});

describe('quoteUserInput', () => {
  it('keeps short input whole and escaped', () => {
    expect(quoteUserInput(`key${ESC}[2J\n`)).toBe('key\\x1b[2J\\n');
  });

  it('cuts long input at 200 characters and says how much was cut', () => {
    const key = 'k'.repeat(50 * 2 ** 20);
    const quoted = quoteUserInput(key);
    expect(quoted).toBe(`${'k'.repeat(200)}… (+${50 * 2 ** 20 - 200} chars)`);
    expect(quoteUserInput('abcdef', 3)).toBe('abc… (+3 chars)');
  });

  it('cuts before escaping and never inside a surrogate pair', () => {
    expect(quoteUserInput('😀😀', 3)).toBe('😀… (+2 chars)');
    expect(quoteUserInput(ESC.repeat(300))).toBe(`${'\\x1b'.repeat(200)}… (+100 chars)`);
  });
});

describe('quoteName', () => {
  it('is quoteUserInput in double quotes: escaped, cut at 200 characters, inner quotes and backslashes left', () => {
    expect(quoteName('stage2.conv_1')).toBe('"stage2.conv_1"');
    expect(quoteName(`a\n${ESC}[31m\u202Eb`)).toBe('"a\\n\\x1b[31m\\u202eb"');
    expect(quoteName('say "hi" C:\\x')).toBe('"say "hi" C:\\x"');
    expect(quoteName('n'.repeat(250))).toBe(`"${'n'.repeat(200)}… (+50 chars)"`);
  });
});

describe('errorLine', () => {
  it('is one line whatever the message quotes', () => {
    expect(errorLine(`bad.json: unknown key "a\nb${ESC}[31m"`)).toBe('bad.json: unknown key "a\\nb\\x1b[31m"');
  });

  it('keeps the start and the end of a long message', () => {
    const msg = `${'p'.repeat(5000)}: no such file`;
    const line = errorLine(msg);
    expect(line.startsWith('p'.repeat(600))).toBe(true);
    expect(line.endsWith(': no such file')).toBe(true);
    expect(line).toContain(`… (${5000 + 14 - 1000} chars cut) …`);
    expect(line.length).toBeLessThan(1100);
  });
});

describe('markdownCell', () => {
  it.each([
    ['emphasis', '*a* _b_', '\\*a\\* \\_b\\_'],
    // The word holds a URL, so all of it becomes a code span: no link syntax is parsed inside one.
    ['inline link', '[click](http://evil.example)', '`[click](http://evil.example)`'],
    ['inline link without a scheme', '[click](evil)', '\\[click\\](evil)'],
    ['image', '![x](y.png)', '!\\[x\\](y.png)'],
    ['autolink in angle brackets', '<http://evil.example>', '&lt;`http://evil.example`&gt;'],
    ['bare URL (GFM autolink)', 'see http://evil.example now', 'see `http://evil.example` now'],
    ['www autolink', 'www.evil.example', '`www.evil.example`'],
    ['e-mail autolink', 'me@evil.example', '`me@evil.example`'],
    ['raw HTML', '<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['img onerror', '<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['entity stays literal', '&lt;b&gt;', '&amp;lt;b&amp;gt;'],
    ['table pipe', 'a|b', 'a\\|b'],
    ['backticks', '`code`', '\\`code\\`'],
    ['strikethrough and math', '~~x~~ $y$', '\\~\\~x\\~\\~ \\$y\\$'],
    ['heading marker', '# h', '\\# h'],
    ['line break', 'a\nb', 'a\\\\nb'],
    ['ANSI escape', `${ESC}[31m`, '\\\\x1b\\[31m'],
    ['bidi override', 'a\u202Eb', 'a\\\\u202eb'],
    ['formula', 'MAC >= 2*sqrt(hw*B)', 'MAC &gt;= 2\\*sqrt(hw\\*B)'],
  ])('%s', (_, input, expected) => {
    expect(markdownCell(input)).toBe(expected);
  });

  it('escapes a URL word containing a pipe inside its code span', () => {
    expect(markdownCell('http://a|b')).toBe('`http://a\\|b`');
  });
});

describe('markdownCode', () => {
  it.each([
    ['plain', 'conv1', '`conv1`'],
    ['pipe', 'a|b', '`a\\|b`'],
    ['backtick run', 'x``y', '``` x``y ```'],
    ['HTML is inert in a code span', '<img src=x onerror=alert(1)>', '`<img src=x onerror=alert(1)>`'],
    ['line break', 'two\nlines', '`two\\nlines`'],
    ['ANSI escape', `${ESC}[31m`, '`\\x1b[31m`'],
  ])('%s', (_, input, expected) => {
    expect(markdownCode(input)).toBe(expected);
  });
});

describe('escapeHtml', () => {
  it.each([
    ['element', '<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['attribute breakout', '" onmouseover="alert(1)', '&quot; onmouseover=&quot;alert(1)'],
    ['single quotes', "' x='", '&#39; x=&#39;'],
    ['ampersand', 'a&b', 'a&amp;b'],
    ['control characters', `${ESC}[31m\n`, '\\x1b[31m\\n'],
  ])('%s', (_, input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
  });
});

describe('csvCell', () => {
  it.each([
    ['plain', 'conv1', 'conv1'],
    ['comma', 'a,b', '"a,b"'],
    ['quote', 'a"b', '"a""b"'],
    ['line break shown escaped', 'a\nb', 'a\\nb'],
    ['formula', '=HYPERLINK("http://evil.example")', `"'=HYPERLINK(""http://evil.example"")"`],
    ['plus', '+1', "'+1"],
    ['minus', '-1+1', "'-1+1"],
    ['at', '@SUM(A1)', "'@SUM(A1)"],
    ['null is an empty cell', null, ''],
    ['numbers as they are', -3, '-3'],
  ])('%s', (_, input, expected) => {
    expect(csvCell(input)).toBe(expected);
  });
});

describe('GitHub workflow commands', () => {
  it('percent-encodes data and properties as actions/toolkit does', () => {
    expect(escapeGithubData('50% a\r\nb: c, d')).toBe('50%25 a%0D%0Ab: c, d');
    expect(escapeGithubProperty('a:b,c%\n')).toBe('a%3Ab%2Cc%25%0A');
  });

  it('keeps a name one line when it is terminal-escaped first', () => {
    expect(escapeGithubData(terminalText(`n\n::error::x${ESC}[31m`))).toBe('n\\n::error::x\\x1b[31m');
  });
});
