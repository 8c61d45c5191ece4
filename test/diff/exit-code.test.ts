import { describe, expect, it } from 'vitest';
import { EXIT_ERROR, EXIT_FINDINGS, EXIT_OK } from '../../src/util/exit-codes.js';
import { compareModels } from '../../src/diff/compare.js';
import { diffExitCode } from '../../src/diff/exit-code.js';
import type { DiffVerdict } from '../../src/diff/thresholds.js';
import { evaluateDiff } from '../../src/diff/thresholds.js';
import { baseAnalysis, baseFindings, headAnalysis, headFindings } from './fixtures.js';

const diff = () =>
  compareModels(
    { analysis: baseAnalysis(), findings: baseFindings() },
    { analysis: headAnalysis(), findings: headFindings() },
  );

describe('diffExitCode', () => {
  const verdict = (pass: boolean): DiffVerdict => ({ pass, violations: [], notes: [], thresholds: {} });
  const table: [string, Parameters<typeof diffExitCode>[0], number][] = [
    ['within every threshold', { verdict: verdict(true), hadErrors: false }, EXIT_OK],
    ['a threshold exceeded', { verdict: verdict(false), hadErrors: false }, EXIT_FINDINGS],
    ['bad input wins over a failed verdict', { verdict: verdict(false), hadErrors: true }, EXIT_ERROR],
    ['bad input wins over a passing verdict', { verdict: verdict(true), hadErrors: true }, EXIT_ERROR],
    ['no verdict reached', { verdict: null, hadErrors: false }, EXIT_ERROR],
  ];
  it.each(table)('%s', (_name, input, expected) => expect(diffExitCode(input)).toBe(expected));

  it('follows evaluateDiff end to end', () => {
    expect(diffExitCode({ verdict: evaluateDiff(diff(), { maxFlopsIncrease: 31 }), hadErrors: false })).toBe(EXIT_OK);
    expect(diffExitCode({ verdict: evaluateDiff(diff(), { maxFlopsIncrease: 30 }), hadErrors: false })).toBe(
      EXIT_FINDINGS,
    );
  });
});
