import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GITHUB_COMMENT_LIMIT, fitMarkdown } from '../../src/report/shared/markdown-budget.js';
import { runCli } from '../helpers/cli.js';

const doc = (rows: number): string =>
  [
    '# title',
    '',
    '| a | b |',
    '| --- | ---: |',
    ...Array.from({ length: rows }, (_, i) => `| row ${i} | ${i} |`),
    '',
    'footer',
    '',
  ].join('\n');

describe('fitMarkdown', () => {
  it('returns text that fits unchanged', () => {
    expect(fitMarkdown(doc(3), 10_000)).toBe(doc(3));
    expect(GITHUB_COMMENT_LIMIT).toBe(65_536);
  });

  it('cuts the bottom rows of the longest table, with a note, and keeps the rest', () => {
    const out = fitMarkdown(doc(1000), 2000);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(2000);
    expect(out).toContain('| row 0 | 0 |');
    expect(out).not.toContain('| row 999 |');
    expect(out).toMatch(/\n\n\d+ more rows cut to keep this under 2,000 bytes \(--max-bytes\)\.\n\nfooter\n$/);
    const kept = out.split('\n').filter((l) => l.startsWith('| row')).length;
    expect(Number(/(\d+) more rows/.exec(out)![1]) + kept).toBe(1000);
  });
});

describe('--max-bytes (spawned CLI)', () => {
  it('keeps lint, diff and report Markdown under the limit with a note', () => {
    const lint = runCli([
      'lint',
      'zoo:shufflenet_v1_g3',
      '--format',
      'markdown',
      '--min-impact',
      '0',
      '--max-bytes',
      '3000',
    ]);
    expect(lint.code).toBe(0);
    expect(Buffer.byteLength(lint.stdout)).toBeLessThanOrEqual(3000);
    expect(lint.stdout).toMatch(/\d+ more rows? cut to keep this under 3,000 bytes/);
    const diff = runCli([
      'diff',
      'zoo:shufflenet_v2_x0_5',
      'zoo:shufflenet_v2_x1_0',
      '--format',
      'markdown',
      '--max-bytes',
      '2500',
    ]);
    expect(Buffer.byteLength(diff.stdout)).toBeLessThanOrEqual(2500);
    const dir = mkdtempSync(join(tmpdir(), 'efflint-max-bytes-'));
    const report = runCli(
      ['report', 'zoo:shufflenet_v1_g3', '-o', 'r.md', '--no-profile', '--quiet', '--max-bytes', '20000'],
      { cwd: dir },
    );
    expect(report.code).toBe(0);
    const md = readFileSync(join(dir, 'r.md'), 'utf8');
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(20_000);
    expect(md).toMatch(/more rows? cut to keep this under 20,000 bytes/);
  });
});
