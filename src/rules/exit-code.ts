import type { ExitCode } from '../util/exit-codes.js';
import { EXIT_ERROR, EXIT_FINDINGS, EXIT_OK } from '../util/exit-codes.js';
import type { LintSummary } from './lint.js';

/** `--fail-on`: the lowest severity that fails the run. */
export type FailOn = 'error' | 'warn' | 'info';
/** `--fail-on` choices, strictest last. */
export const FAIL_ON_CHOICES: readonly FailOn[] = ['error', 'warn', 'info'];

/** What the exit code depends on. */
export interface LintExitInput {
  /** Finding counts of every linted model (after --quiet filtering). */
  readonly summaries: readonly LintSummary[];
  readonly failOn: FailOn;
  /** `--max-warnings N`: more than N warnings fails the run even when --fail-on is error. */
  readonly maxWarnings?: number;
  /** A model could not be loaded or analysed (or another usage error happened). */
  readonly hadErrors: boolean;
}

/**
 * The exit code of `efflint lint`, as a pure function: 2 when any model failed (a crash or bad input
 * never ends in 0 or 1), else 1 when findings reach --fail-on or warnings exceed --max-warnings, else 0.
 */
export function lintExitCode(input: LintExitInput): ExitCode {
  if (input.hadErrors) return EXIT_ERROR;
  const total = { error: 0, warn: 0, info: 0 };
  for (const s of input.summaries) {
    total.error += s.error;
    total.warn += s.warn;
    total.info += s.info;
  }
  const reached =
    total.error > 0 || (input.failOn !== 'error' && total.warn > 0) || (input.failOn === 'info' && total.info > 0);
  if (reached) return EXIT_FINDINGS;
  if (input.maxWarnings !== undefined && total.warn > input.maxWarnings) return EXIT_FINDINGS;
  return EXIT_OK;
}

function count(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/**
 * Why `lintExitCode` returned 1, one line for stderr naming the limit (`--fail-on warn: 12 warnings`,
 * `--max-warnings 5: 12 warnings`); null when the exit code is not 1.
 */
export function lintExitReason(input: LintExitInput): string | null {
  if (lintExitCode(input) !== EXIT_FINDINGS) return null;
  const total = { error: 0, warn: 0, info: 0 };
  for (const s of input.summaries) {
    total.error += s.error;
    total.warn += s.warn;
    total.info += s.info;
  }
  const reasons: string[] = [];
  const reached = [
    ...(total.error > 0 ? [count(total.error, 'error')] : []),
    ...(input.failOn !== 'error' && total.warn > 0 ? [count(total.warn, 'warning')] : []),
    ...(input.failOn === 'info' && total.info > 0 ? [`${total.info} info`] : []),
  ];
  if (reached.length > 0) reasons.push(`--fail-on ${input.failOn}: ${reached.join(', ')}`);
  if (input.maxWarnings !== undefined && total.warn > input.maxWarnings)
    reasons.push(`--max-warnings ${input.maxWarnings}: ${count(total.warn, 'warning')}`);
  return reasons.join('; ');
}
