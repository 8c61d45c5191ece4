import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { markdownCell, markdownCode } from '../../src/util/escape.js';
import { runCli } from '../helpers/cli.js';
import { floatInit, node, tensorInfo, tinyModel } from '../helpers/tiny-model.js';

// No CommonMark renderer is a dependency, so the checks are structural: outside code spans, every
// character that starts emphasis, a link, strikethrough, a table cell or HTML must be escaped.

/** Drops code spans (any fence length) and backslash escapes: what remains is what a renderer parses. */
function parsedText(line: string): string {
  return line.replace(/(`+)[\s\S]*?\1/g, '').replace(/\\[\\`*_[\]~#|]/g, '');
}

/** Lines with markup a writer did not intend: raw HTML, or * / _ / ~ that could open emphasis. */
function strayMarkup(markdown: string): string[] {
  return markdown.split('\n').filter((line) => {
    const text = parsedText(line)
      .replace(/\*\*[^*\n]+\*\*/g, '') // the writers' own bold
      .replace(/\*\([a-z ]+\)\*/g, '') // *(model)*, *(whole model)*
      .replace(/^> /, '') // the writers' own block quotes
      .replace(/<\/?(sub|br|details|summary)>/g, '') // the writers' own HTML
      .replace(/\]\([^)]*\)/g, ']'); // link targets (URLs keep their underscores)
    return /[<>]|(^|[^*])\*(?!\*)|_|~/.test(text);
  });
}

describe('markdownCell', () => {
  it.each([
    'MAC >= 2*sqrt(hw*B)',
    'hw_in*c1 + hw_out*c2',
    'a|b',
    '<script>x</script>',
    '[x](y)',
    '~~gone~~',
    '`code`',
    'a\\b',
    '# not a heading',
  ])('leaves no markup in %j', (text) => {
    const escaped = markdownCell(text);
    expect(strayMarkup(escaped)).toEqual([]);
    expect(escaped).not.toContain('\n');
    // Unescaping gives the text back: nothing is lost.
    const back = escaped
      .replace(/\\([\\`*_[\]~#|])/g, '$1')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
    expect(back).toBe(text);
  });

  it('turns the formula into escaped text, not italics', () => {
    expect(markdownCell('MAC >= 2*sqrt(hw*B)')).toBe('MAC &gt;= 2\\*sqrt(hw\\*B)');
    expect(markdownCode('a_b*c|d')).toBe('`a_b*c\\|d`');
  });
});

describe('every Markdown writer escapes (spawned CLI)', () => {
  let dir: string;
  let model: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'efflint-md-'));
    model = join(dir, 'weird_model.onnx');
    // Node names with Markdown and HTML characters; a group conv (G2) and an unfused BatchNormalization.
    writeFileSync(
      model,
      tinyModel({
        inputs: [tensorInfo('x', [1, 64, 56, 56])],
        outputs: [tensorInfo('y', [])],
        initializers: [
          floatInit('w', [64, 8, 1, 1]),
          floatInit('s', [64]),
          floatInit('b', [64]),
          floatInit('m', [64]),
          floatInit('v', [64]),
        ],
        nodes: [
          node('Conv', ['x', 'w'], ['c'], { group: 8 }, 'stage_1*conv|<b>'),
          node('BatchNormalization', ['c', 's', 'b', 'm', 'v'], ['d'], {}, 'bn_1*x_'),
          node('Relu', ['d'], ['y'], {}, 'relu_a_b'),
        ],
      }),
    );
  });

  it('lint --format markdown', () => {
    const r = runCli(['lint', model, '--format', 'markdown', '--runtime', 'none', '--min-impact', '0']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('`stage_1*conv\\|<b>`');
    expect(strayMarkup(r.stdout)).toEqual([]);
  });

  it('diff --format markdown', () => {
    const r = runCli(['diff', 'zoo:exp_g2_g1', model, '--format', 'markdown']);
    expect(r.code).toBe(0);
    expect(strayMarkup(r.stdout)).toEqual([]);
  });

  it('report -o x.md', () => {
    const r = runCli(['report', model, '-o', 'x.md', '--no-profile', '--quiet'], { cwd: dir });
    expect(r.code).toBe(0);
    const md = readFileSync(join(dir, 'x.md'), 'utf8');
    expect(md).toContain('stage_1*conv');
    expect(strayMarkup(md)).toEqual([]);
  });
});
