import type { ExitCode } from '../cli/exit-codes.js';
import { EXIT_ERROR, EXIT_FINDINGS, EXIT_OK } from '../cli/exit-codes.js';
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
