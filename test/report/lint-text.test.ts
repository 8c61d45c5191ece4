import { describe, expect, it } from 'vitest';
import { NON_TTY_WIDTH } from '../../src/report/lint/lint-format-context.js';
import { formatLintText } from '../../src/report/lint/lint-text.js';
import { formatShare } from '../../src/report/shared/numbers.js';
import type { Finding, LintResult } from '../../src/rules/lint.js';
import { applyMinImpact } from '../../src/rules/lint.js';
import { at } from '../../src/util/at.js';
import { cleanResult, context, sampleResult } from './fixtures.js';

/** Wide enough that no line of the sample is cut, for checks on whole lines. */
const WIDE = { ...context, width: 1000 };
const ROW = /^ +(\d+\.\d%|<0\.1%|0%) {2}(warning|error|info) /;
const ANSI = /\u001b\[[0-9;]*m/g;

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/**
 * The `fix` lines the text format should print for a result: one per rule, in the order of the rule's
 * first (largest) finding, worded for that finding; findings --min-impact hid count as "k shown of n".
 */
function expectedFixLines(r: LintResult): string[] {
  const groups = new Map<string, { f: Finding; shown: number; hidden: number }>();
  for (const f of r.findings) {
    const g = groups.get(f.ruleId) ?? { f, shown: 0, hidden: 0 };
    g.shown += 1;
    groups.set(f.ruleId, g);
  }
  for (const f of r.belowMinImpact?.findings ?? []) {
    const g = groups.get(f.ruleId);
    if (g) g.hidden += 1;
  }
  return [...groups.values()].map(
    ({ f, shown, hidden }) =>
      `  fix ${f.ruleId} (${hidden > 0 ? `${shown} shown of ${shown + hidden}` : plural(shown, 'finding')}, ${f.ruleName}): ${f.suggestion}`,
  );
}

describe('formatLintText', () => {
  const r = sampleResult();

  it('has preconditions the tests below rely on: several findings with different impacts, one rule with several findings', () => {
    expect(r.findings.length).toBeGreaterThan(3);
    expect(new Set(r.findings.map((f) => f.impact.share)).size).toBeGreaterThan(2);
    expect(new Set(r.findings.map((f) => f.ruleId)).size).toBeLessThan(r.findings.length);
  });

  it('puts a header and the runtime line under the model, then one aligned row per finding, largest share of time first', () => {
    const out = formatLintText([r], WIDE);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^models\/net\.onnx {2}[\d.]+[KMG]? FLOPs, [\d.]+[KMG]? params, [\d.]+[KMG]? memAccess$/);
    const t = r.target;
    expect(lines[1]).toMatch(
      new RegExp(
        `^  on ${t.runtime} \\(static model\\): ${t.kernels} kernels, ${t.fusedLayers} layers fused; est\\. [\\d.]+ (us|ms|s) on `,
      ),
    );
    expect(at(lines, 1).endsWith(` on ${t.deviceProfile}`)).toBe(true);
    const rows = lines.filter((l) => ROW.test(l));
    expect(rows.length).toBe(r.findings.length);
    // Each row: share, severity, rule, node, message, in the order of the findings.
    rows.forEach((row, i) => {
      const f = at(r.findings, i);
      expect(row.trimStart().startsWith(`${formatShare(f.impact.share)}  `)).toBe(true);
      expect(row).toContain(` ${f.ruleId} `);
      expect(row).toContain(f.node ?? '(model)');
      expect(row.endsWith(f.message)).toBe(true);
    });
    // Largest estimated share of time first.
    const shares = rows.map((l) => Number(/^ +([\d.]+)%/.exec(l)![1]));
    expect(shares).toEqual([...shares].sort((a, b) => b - a));
    expect(shares[0]).toBeGreaterThan(shares.at(-1)!);
    // The share column is right-aligned and the message column starts at the same offset in every row.
    expect(new Set(rows.map((l) => l.indexOf('%'))).size).toBe(1);
    expect(new Set(rows.map((l, i) => l.indexOf(at(r.findings, i).message))).size).toBe(1);
    expect(out).toContain('(model)');
    expect(out).toMatch(/G2 +gconv\|2 +1x1 group conv g=8/);
  });

  it('prints one fix line per rule, worded for its largest finding, with how many findings it covers', () => {
    const lines = formatLintText([r], WIDE).split('\n');
    const fixLines = lines.filter((l) => l.startsWith('  fix '));
    expect(fixLines).toEqual(expectedFixLines(r));
    expect(fixLines).toHaveLength(new Set(r.findings.map((f) => f.ruleId)).size);
    // A rule with several findings gets one line that counts them all, even when their hints differ
    // (G4 here: a thick-map hint for its costly findings, "nothing to do" for what the runtime fuses).
    const perRule = new Map<string, Finding[]>();
    for (const f of r.findings) perRule.set(f.ruleId, [...(perRule.get(f.ruleId) ?? []), f]);
    const mixed = [...perRule.values()].find((fs) => fs.length > 1 && new Set(fs.map((f) => f.suggestion)).size > 1)!;
    expect(mixed).toBeDefined();
    const largest = mixed.reduce((a, b) => (b.impact.share > a.impact.share ? b : a));
    const rule = at(mixed, 0);
    expect(fixLines.filter((l) => l.startsWith(`  fix ${rule.ruleId} (`))).toEqual([
      `  fix ${rule.ruleId} (${mixed.length} findings, ${rule.ruleName}): ${largest.suggestion}`,
    ]);
    for (const f of mixed)
      if (f.suggestion !== largest.suggestion) expect(fixLines.join('\n')).not.toContain(f.suggestion);
    expect(fixLines.some((l) => / \(1 finding, [a-z-]+\): /.test(l))).toBe(true);
    // Fix lines follow the rules' largest findings: the rule of the first row comes first.
    expect(at(fixLines, 0).startsWith(`  fix ${at(r.findings, 0).ruleId} (`)).toBe(true);
    // Fixes come after the model's findings.
    const lastRow = lines.reduce((last, l, i) => (ROW.test(l) ? i : last), -1);
    expect(lines.findIndex((l) => l.startsWith('  fix '))).toBeGreaterThan(lastRow);
  });

  it(`has no line wider than the width (default ${NON_TTY_WIDTH}), cutting long lines with an ellipsis`, () => {
    const wide = formatLintText([r], WIDE).split('\n');
    const longest = Math.max(...wide.map((l) => l.length));
    expect(longest).toBeGreaterThan(60); // something to cut below

    const byDefault = formatLintText([r], context).split('\n');
    expect(Math.max(...byDefault.map((l) => l.length))).toBeLessThanOrEqual(NON_TTY_WIDTH);
    // Lines that fit are untouched; longer ones are cut to exactly the width, ending in an ellipsis.
    for (const [i, line] of byDefault.entries()) {
      const full = at(wide, i);
      if (full.length <= NON_TTY_WIDTH) expect(line).toBe(full);
      else
        expect([line.length, line.at(-1), full.startsWith(line.slice(0, -1))]).toEqual([NON_TTY_WIDTH, '\u2026', true]);
    }
    expect(byDefault.length).toBe(wide.length);

    const narrow = formatLintText([r], { ...context, width: 60 }).split('\n');
    expect(Math.max(...narrow.map((l) => l.length))).toBe(60);
    const cut = narrow.filter((l, i) => l !== wide[i]);
    expect(cut.length).toBeGreaterThan(0);
    for (const l of cut) expect([l.length, l.endsWith('\u2026')]).toEqual([60, true]);
    // A cut row still starts with its share, severity and rule.
    expect(narrow.filter((l) => ROW.test(l))).toHaveLength(r.findings.length);
  });

  it('counts only visible characters against the width when coloured, and resets the colour after the ellipsis', () => {
    const coloured = formatLintText([r], { ...context, color: true, width: 50 }).split('\n');
    for (const l of coloured) expect(l.replace(ANSI, '').length).toBeLessThanOrEqual(50);
    const cut = coloured.filter((l) => l.replace(ANSI, '').endsWith('\u2026') && l.includes('\u001b['));
    expect(cut.length).toBeGreaterThan(0);
    for (const l of cut) expect(l.endsWith('\u2026\u001b[0m')).toBe(true);
  });

  it('--statistics: one row per rule and message with the count and summed share, largest first', () => {
    const out = formatLintText([r], { ...WIDE, statistics: true });
    const lines = out.split('\n');
    const groups = new Map<string, Finding[]>();
    for (const f of r.findings)
      groups.set(`${f.ruleId} ${f.messageId} ${f.severity}`, [
        ...(groups.get(`${f.ruleId} ${f.messageId} ${f.severity}`) ?? []),
        f,
      ]);
    const rows = lines.filter((l) => /^ +\d+ {2}[GE]\d+ /.test(l));
    expect(rows).toHaveLength(groups.size);
    expect(rows.length).toBeLessThan(r.findings.length);
    // No per-finding rows.
    expect(lines.filter((l) => ROW.test(l))).toEqual([]);
    const parsed = rows.map((l) => l.trim().split(/ {2,}/));
    for (const [count, ruleId, ruleName, messageId, severity, share] of parsed) {
      const fs = groups.get(`${ruleId} ${messageId} ${severity === 'warning' ? 'warn' : severity}`)!;
      expect(fs).toBeDefined();
      expect(Number(count)).toBe(fs.length);
      expect(ruleName).toBe(at(fs, 0).ruleName);
      expect(share).toBe(formatShare(fs.reduce((s, f) => s + f.impact.share, 0)));
    }
    expect(parsed.reduce((s, p) => s + Number(p[0]), 0)).toBe(r.findings.length);
    const sums = parsed.map((p) => Number(at(p, 5).replace('%', '')));
    expect(sums).toEqual([...sums].sort((a, b) => b - a));
    // Fix hints and the summary are still there.
    expect(lines.filter((l) => l.startsWith('  fix '))).toEqual(expectedFixLines(r));
    expect(out).toContain(`${r.findings.length} findings (`);
  });

  it('says what --min-impact left out, and counts the fixes it hid', () => {
    // A threshold between the largest and the smallest non-zero share, so some findings stay and some go
    // (findings the runtime already fixes have a share of 0).
    const shares = r.findings.map((f) => 100 * f.impact.share).filter((s) => s > 0);
    const percent = Number(Math.sqrt(Math.max(...shares) * Math.min(...shares)).toFixed(2));
    expect(percent).toBeGreaterThan(0);
    const cut = applyMinImpact(r, percent);
    const hidden = cut.belowMinImpact!;
    expect(cut.findings.length).toBeGreaterThan(0);
    expect(hidden.findings.length).toBeGreaterThan(0);
    const out = formatLintText([cut], WIDE);
    const lines = out.split('\n');
    expect(lines.filter((l) => ROW.test(l))).toHaveLength(cut.findings.length);
    const n = hidden.findings.length;
    const s = hidden.summary;
    expect(out).toContain(
      `\n  ${plural(n, 'finding')} (${plural(s.error, 'error')}, ${plural(s.warn, 'warning')}, ${s.info} info) below ${percent}% of est. time not shown: --min-impact 0 shows all\n`,
    );
    const fixLines = lines.filter((l) => l.startsWith('  fix '));
    expect(fixLines).toEqual(expectedFixLines(cut));
    // A rule with findings on both sides of the threshold says how many of them are shown.
    expect(fixLines.some((l) => / \(\d+ shown of \d+, [a-z-]+\): /.test(l))).toBe(true);
    // Rules whose findings are all hidden get no fix line.
    const allHidden = hidden.findings.filter((f) => !cut.findings.some((g) => g.ruleId === f.ruleId));
    expect(allHidden.length).toBeGreaterThan(0);
    for (const f of allHidden) expect(out).not.toContain(`fix ${f.ruleId} (`);
    // The summary counts what is shown.
    expect(out).toContain(`${plural(cut.findings.length, 'finding')} (`);
  });

  it('--min-impact keeps the largest finding of a rule whose findings add up to the threshold, and its fix line says so', () => {
    const g1 = r.findings.filter((f) => f.ruleId === 'G1' && f.node !== null);
    expect(g1.length).toBeGreaterThan(1);
    const first = at(g1, 0);
    const largest = 100 * first.impact.share;
    const total = 100 * g1.reduce((s, f) => s + f.impact.share, 0);
    const percent = (largest + total) / 2; // above every single G1 finding, below their sum
    const cut = applyMinImpact(r, percent);
    expect(cut.findings.filter((f) => f.ruleId === 'G1')).toEqual([first]);
    const out = formatLintText([cut], WIDE);
    expect(out).toContain(`  fix G1 (1 shown of ${g1.length}, ${first.ruleName}): ${first.suggestion}\n`);
  });

  it('still names a model whose findings were all left out by --min-impact', () => {
    const all = applyMinImpact(r, 100);
    expect(all.findings).toEqual([]);
    const out = formatLintText([all], WIDE);
    expect(out.split('\n')[0]).toMatch(/^models\/net\.onnx {2}/);
    expect(out).toContain(
      `  ${plural(r.findings.length, 'finding')} (0 errors, ${plural(r.summary.warn, 'warning')}, ${r.summary.info} info) below 100% of est. time not shown`,
    );
    expect(out.split('\n').filter((l) => ROW.test(l) || l.startsWith('  fix '))).toEqual([]);
    // The summary does not claim there is nothing to report (--fail-on still counts these findings).
    expect(out).not.toContain('no findings in');
    expect(out).toContain(
      `no findings shown in 1 model; ${plural(r.findings.length, 'finding')} (0 errors, ${plural(r.summary.warn, 'warning')}, ${r.summary.info} info) below --min-impact\n`,
    );
    // With nothing hidden, the line is left out.
    expect(formatLintText([applyMinImpact(r, 0)], WIDE)).not.toContain('not shown');
  });

  it('ends with a summary line and the share and FLOPs conventions', () => {
    const out = formatLintText([r, cleanResult()], context);
    const s = r.summary;
    expect(out).toContain(
      `${s.error + s.warn + s.info} findings (${s.error} errors, ${s.warn} warnings, ${s.info} info) in 2 models`,
    );
    expect(out).toContain('share = estimated share of model time');
    expect(out).toContain('FLOPs = multiply-adds');
    expect(out).not.toContain('models/clean.onnx');
  });

  it('says so when there is nothing to report', () => {
    expect(formatLintText([cleanResult()], context)).toMatch(/^no findings in 1 model\n/);
  });

  it('colours by severity only when asked', () => {
    expect(formatLintText([r], context)).not.toMatch(/\u001b\[/);
    const coloured = formatLintText([r], { ...WIDE, color: true });
    expect(coloured).toMatch(/\u001b\[33mwarning\u001b\[39m/);
  });
});
