import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { at } from '../../src/util/at.js';
import { floatInit, graphProto, node, onnx, tensorInfo } from '../helpers/tiny-model.js';
import { runCli } from '../helpers/cli.js';

// A model whose names try every trick on every output format: terminal escapes, line breaks, a
// carriage return, HTML, Markdown links and emphasis, bare URLs, a table pipe, a spreadsheet formula,
// a bidi override and a 1 MB name. Every format must show them as text.

const ESC = '\u001b';
const RLO = '\u202E';
const MB = 2 ** 20;

/** Text that would start a line of its own if a line break from a name reached the output raw. */
const INJECTED = 'INJECTED';
const NAMES = {
  input: `x${ESC}[1m<b>in</b>`,
  conv: `${ESC}[31mred${ESC}[0m|*a*[click](http://evil.example)`,
  convOut: `c\n${INJECTED} tensor http://evil.example`,
  bn: `bn\n${INJECTED} line\r<img src=x onerror=alert(1)>`,
  bnOut: 'd_<script>alert(1)</script>',
  relu: `=HYPERLINK("http://evil.example") www.evil.example ${RLO}gnp.exe`,
  reluOut: 'e*a*',
  unknownOp: '<script>alert(1)</script>',
  unknownDomain: `evil${ESC}]8;;http://evil.example${ESC}\\`,
  big: `huge${'n'.repeat(MB)}`,
  output: `y\r\n${INJECTED}`,
  graph: `graph\n${INJECTED} <img src=x onerror=alert(1)>`,
};
/** A file name with a space, `#`, `%`, `?`, a line break and an escape: the SARIF URI must encode all of them. */
const FILE = `hostile #1 %41?\n${ESC}[31m.onnx`;

function hostileModel(): Uint8Array {
  const graph = graphProto(
    {
      inputs: [tensorInfo(NAMES.input, [1, 64, 56, 56])],
      outputs: [tensorInfo(NAMES.output, [])],
      initializers: [
        floatInit('w', [64, 8, 1, 1]),
        floatInit('s', [64]),
        floatInit('b', [64]),
        floatInit('m', [64]),
        floatInit('v', [64]),
      ],
      nodes: [
        node('Conv', [NAMES.input, 'w'], [NAMES.convOut], { group: 8 }, NAMES.conv),
        node('BatchNormalization', [NAMES.convOut, 's', 'b', 'm', 'v'], [NAMES.bnOut], {}, NAMES.bn),
        node('Relu', [NAMES.bnOut], [NAMES.reluOut], {}, NAMES.relu),
        { ...node(NAMES.unknownOp, [NAMES.reluOut], [NAMES.output], {}, NAMES.big), domain: NAMES.unknownDomain },
      ],
    },
    NAMES.graph,
  );
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      producerName: `efflint-test${ESC}[5m`,
      opsetImport: [
        { domain: '', version: 13 },
        { domain: NAMES.unknownDomain, version: 1 },
      ],
      graph,
    }),
  ).finish();
}

/** Lines a raw line break from a name would have started. */
function injectedLines(text: string): string[] {
  return text.split(/\r\n|\r|\n|\u2028|\u2029/).filter((l) => l.trimStart().startsWith(INJECTED));
}

/** Characters no output may contain raw: ESC, the C1 CSI, other C0 controls but LF, and the bidi override. */
function rawControls(text: string): string[] {
  return [...new Set(text.match(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g) ?? [])].map(
    (c) => `U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function expectInert(text: string): void {
  expect(rawControls(text)).toEqual([]);
  expect(injectedLines(text)).toEqual([]);
}

/** JSON output keeps names exactly: JSON.stringify escapes C0 controls (ESC, CR, LF) but not the bidi override. */
function expectJsonInert(text: string): void {
  expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  expect(injectedLines(text)).toEqual([]);
}

/**
 * What a CommonMark/GFM renderer parses as markup, without a renderer (none is a dependency): code
 * spans and backslash escapes are removed, and what is left must hold no raw HTML from the model, no
 * link syntax, no bare URL (GFM autolinks it), and no emphasis around a name.
 */
function markdownMarkupFromModel(markdown: string): string[] {
  const problems: string[] = [];
  for (const line of markdown.split('\n')) {
    const text = line.replace(/(`+)[\s\S]*?\1/g, '').replace(/\\[!-/:-@[-`{-~]/g, '');
    if (/<(script|img|b)\b/i.test(text)) problems.push(`raw HTML: ${line.slice(0, 120)}`);
    if (/\]\((?!https:\/\/github\.com\/efflint\/)/.test(text)) problems.push(`link: ${line.slice(0, 120)}`);
    if (/https?:\/\/evil|www\.evil|evil\.example/i.test(text)) problems.push(`bare URL: ${line.slice(0, 120)}`);
    if (text.includes('*a*')) problems.push(`emphasis: ${line.slice(0, 120)}`);
  }
  return problems;
}

/** The tag names and attribute names of an HTML document (every raw `<` starts markup: text has `&lt;`). */
function htmlMarkup(html: string): { tags: Set<string>; attributes: Set<string>; urls: string[] } {
  const tags = new Set<string>();
  const attributes = new Set<string>();
  const urls: string[] = [];
  const body = html.replace(/<style>[\s\S]*?<\/style>/, '<style></style>');
  for (const m of body.matchAll(/<\/?([a-zA-Z][\w-]*)((?:\s+[^\s=>/]+(?:="[^"]*"|='[^']*'|=[^\s>]+)?)*)\s*\/?>/g)) {
    tags.add(at(m, 1).toLowerCase());
    for (const a of at(m, 2).matchAll(/([^\s=]+)(?:="([^"]*)"|='([^']*)'|=([^\s>]+))?/g)) {
      const name = at(a, 1);
      attributes.add(name.toLowerCase());
      if (/^(href|src|xlink:href|action)$/i.test(name)) urls.push(a[2] ?? a[3] ?? a[4] ?? '');
    }
  }
  return { tags, attributes, urls };
}

describe('the checks below catch what they look for', () => {
  it('finds markup in unescaped Markdown and HTML', () => {
    expect(markdownMarkupFromModel('a [click](http://evil.example) *a* <img src=x>')).toHaveLength(4);
    expect(markdownMarkupFromModel('`[click](http://evil.example) *a* <img src=x>` \\*a\\*')).toEqual([]);
    const m = htmlMarkup('<p>x</p><img src=x onerror=alert(1)><a href="http://evil.example">y</a>');
    expect([...m.tags].sort()).toEqual(['a', 'img', 'p']);
    expect(m.attributes.has('onerror')).toBe(true);
    expect(m.urls).toEqual(['x', 'http://evil.example']);
    expect(htmlMarkup('<p>&lt;img src=x onerror=alert(1)&gt;</p>').tags).toEqual(new Set(['p']));
    expect(rawControls(`a${ESC}b\u202Ec\n`)).toEqual(['U+001b', 'U+202e']);
    expect(injectedLines(`x\n${INJECTED} y`)).toHaveLength(1);
  });
});

describe('hostile names in a model (spawned CLI)', () => {
  let dir: string;
  let model: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'efflint-hostile-'));
    model = join(dir, FILE);
    writeFileSync(model, hostileModel());
  });

  const lint = (format: string, extra: string[] = []) =>
    runCli(['lint', FILE, '--format', format, '--runtime', 'none', '--min-impact', '0', ...extra], { cwd: dir });

  it('lint --format text: names escaped, each finding one line', () => {
    const r = lint('text');
    expect(r.code).toBe(0);
    expectInert(r.stdout + r.stderr);
    expect(r.stdout).toContain('\\x1b[31mred\\x1b[0m');
    expect(r.stdout).toContain('bn\\nINJECTED line\\r<img');
    // The E101 finding names the conv its BatchNormalization follows: one line, escaped.
    const e101 = r.stdout.split('\n').filter((l) => /^\s+[\d.]+%\s+warning\s+E101\s/.test(l));
    expect(e101).toHaveLength(1);
    expect(e101[0]).toContain('after Conv \\x1b[31mred');
  });

  it('lint --format json keeps the names exactly (JSON escapes them)', () => {
    const r = lint('json');
    expect(r.code).toBe(0);
    expectJsonInert(r.stdout);
    const nodes = JSON.parse(r.stdout).results[0].findings.map((f: { node: string | null }) => f.node);
    expect(nodes).toContain(NAMES.bn);
  });

  it('lint --format sarif: the artifact URI is percent-encoded and parses', () => {
    const r = lint('sarif');
    expect(r.code).toBe(0);
    expectJsonInert(r.stdout);
    const sarif = JSON.parse(r.stdout);
    const uris = new Set<string>(
      sarif.runs[0].results.map(
        (x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
          at(x.locations, 0).physicalLocation.artifactLocation.uri,
      ),
    );
    expect([...uris]).toEqual(['hostile%20%231%20%2541%3F%0A%1B%5B31m.onnx']);
    const url = new URL(at([...uris], 0), 'file:///repo/');
    expect(url.pathname).toBe('/repo/hostile%20%231%20%2541%3F%0A%1B%5B31m.onnx');
    expect(url.hash + url.search).toBe('');
    expect(fileURLToPath(url)).toBe(`/repo/${FILE}`);
    // An absolute model path is a file:// URL.
    const abs = JSON.parse(runCli(['lint', model, '--format', 'sarif', '--runtime', 'none']).stdout);
    const absUri: string = abs.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri;
    expect(absUri.startsWith('file:///')).toBe(true);
    expect(fileURLToPath(new URL(absUri))).toBe(model);
  });

  it('lint --format github: every workflow command is one line', () => {
    const r = lint('github');
    expect(r.code).toBe(0);
    expectInert(r.stdout);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^::(error|warning|notice) [^\n]*::/);
    expect(r.stdout).toContain('file=hostile #1 %2541?\\n\\x1b[31m.onnx,');
  });

  it('lint --format markdown: no HTML, link or emphasis from the model', () => {
    const r = lint('markdown');
    expect(r.code).toBe(0);
    expectInert(r.stdout);
    expect(markdownMarkupFromModel(r.stdout)).toEqual([]);
  });

  it('analyze --format text: one line per layer, names cut at 200 characters', () => {
    const r = runCli(['analyze', FILE], { cwd: dir });
    expect(r.code).toBe(0);
    expectInert(r.stdout + r.stderr);
    const big = r.stdout.split('\n').filter((l) => l.includes('huge'));
    expect(big.length).toBeGreaterThan(0);
    // 200 characters of the name, then how many were cut: never the whole megabyte.
    for (const line of big) expect(line.length).toBeLessThan(2000);
    expect(r.stdout).toContain(`… (+${NAMES.big.length - 200} chars)`);
  });

  it('analyze --format csv: one record per line, formulas defused', () => {
    const r = runCli(['analyze', FILE, '--format', 'csv'], { cwd: dir });
    expect(r.code).toBe(0);
    expectInert(r.stdout);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 4);
    const relu = lines.find((l) => l.includes('HYPERLINK'))!;
    expect(relu.startsWith(`"'=HYPERLINK(""http://evil.example"")`)).toBe(true);
    for (const l of lines) expect(l).not.toMatch(/(^|,)[=+\-@]/);
  });

  it('diff --format text and markdown', () => {
    const text = runCli(['diff', 'zoo:exp_g2_g1', FILE], { cwd: dir });
    expect(text.code).toBe(0);
    expectInert(text.stdout + text.stderr);
    expect(text.stdout).toContain('\\x1b[31mred');
    const md = runCli(['diff', 'zoo:exp_g2_g1', FILE, '--format', 'markdown'], { cwd: dir });
    expect(md.code).toBe(0);
    expectInert(md.stdout);
    expect(markdownMarkupFromModel(md.stdout)).toEqual([]);
    // The unknown op type, with its domain, as a code span in the op-type table.
    expect(md.stdout).toContain('| `evil\\x1b]8;;http://evil.example\\x1b\\.<script>alert(1)</script>` | unknown |');
  });

  it('report -o x.html: no element or attribute from the model', () => {
    const r = runCli(['report', FILE, '-o', 'x.html', '--no-profile', '--quiet'], { cwd: dir });
    expect(r.code).toBe(0);
    const html = readFileSync(join(dir, 'x.html'), 'utf8');
    expectInert(html);
    const { tags, attributes, urls } = htmlMarkup(html);
    for (const bad of ['script', 'img', 'b', 'iframe']) expect(tags.has(bad)).toBe(false);
    expect([...attributes].filter((a) => a.startsWith('on'))).toEqual([]);
    for (const u of urls) expect(u).toMatch(/^(https:\/\/github\.com\/efflint\/|#)/);
    // The names are there, as text.
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('report -o x.md: no HTML, link or emphasis from the model', () => {
    const r = runCli(['report', FILE, '-o', 'x.md', '--no-profile', '--quiet'], { cwd: dir });
    expect(r.code).toBe(0);
    const md = readFileSync(join(dir, 'x.md'), 'utf8');
    expectInert(md);
    expect(markdownMarkupFromModel(md)).toEqual([]);
  });
});

describe('error messages quote at most ~200 characters of user input, on one line', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'efflint-hostile-err-'));
  });

  const oneErrorLine = (stderr: string): string => {
    expect(rawControls(stderr)).toEqual([]);
    expect(stderr.endsWith('\n')).toBe(true);
    expect(stderr.slice(0, -1)).not.toContain('\n');
    expect(stderr.startsWith('efflint: ')).toBe(true);
    return stderr;
  };

  it('an unknown 5 MB config key', () => {
    const key = `${ESC}[31m\n${'k'.repeat(5 * MB)}`;
    writeFileSync(join(dir, 'efflint.config.json'), JSON.stringify({ [key]: 1 }));
    const r = runCli(['lint', 'zoo:exp_g2_g1'], { cwd: dir });
    expect(r.code).toBe(2);
    const line = oneErrorLine(r.stderr);
    expect(line).toContain('unknown key "\\x1b[31m\\nkkk');
    expect(line).toContain(`… (+${key.length - 200} chars)`);
    expect(line.length).toBeLessThan(800);
  });

  it('a hostile rule option value', () => {
    writeFileSync(
      join(dir, 'efflint.config.json'),
      JSON.stringify({ rules: { G1: ['warn', { [`x\n${ESC}[2J${'o'.repeat(MB)}`]: 1 }] } }),
    );
    const r = runCli(['lint', 'zoo:exp_g2_g1'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(oneErrorLine(r.stderr).length).toBeLessThan(1000);
  });

  it('a missing model file with a hostile name', () => {
    const r = runCli(['analyze', `nope\n${ESC}[31m${'p'.repeat(100_000)}.onnx`], { cwd: dir });
    expect(r.code).toBe(2);
    expect(oneErrorLine(r.stderr).length).toBeLessThan(1200);
  });

  it('a hostile option value (commander usage error)', () => {
    const r = runCli(['lint', 'zoo:exp_g2_g1', '--format', `x\n${ESC}[31m${'f'.repeat(100_000)}`], { cwd: dir });
    expect(r.code).toBe(2);
    expect(oneErrorLine(r.stderr).length).toBeLessThan(1200);
  });
});
