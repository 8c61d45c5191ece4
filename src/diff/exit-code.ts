import type { ExitCode } from '../util/exit-codes.js';
import { EXIT_ERROR, EXIT_FINDINGS, EXIT_OK } from '../util/exit-codes.js';
import type { DiffVerdict } from './thresholds.js';

/** What the exit code of `efflint diff` depends on. */
export interface DiffExitInput {
  /** null when no verdict was reached (a model could not be read, profiling failed). */
  readonly verdict: DiffVerdict | null;
  /** A model could not be loaded or analysed, or another usage error happened. */
  readonly hadErrors: boolean;
}

/**
 * The exit code of `efflint diff`, as a pure function: 2 when anything failed or no verdict was
 * reached (bad input never ends in 0 or 1), else 1 when a threshold is exceeded, else 0.
 */
export function diffExitCode(input: DiffExitInput): ExitCode {
  if (input.hadErrors || input.verdict === null) return EXIT_ERROR;
  return input.verdict.pass ? EXIT_OK : EXIT_FINDINGS;
}

/**
 * Why `diffExitCode` returned 1, one line for stderr naming each threshold exceeded (flag, limit and
 * the increase); null when the exit code is not 1.
 */
export function diffExitReason(input: DiffExitInput): string | null {
  if (diffExitCode(input) !== EXIT_FINDINGS || input.verdict === null) return null;
  return input.verdict.violations.map((v) => v.message).join('; ');
}
