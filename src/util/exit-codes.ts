/** Exit codes, defined once (documented in docs/cli.md). */
export const EXIT_OK = 0;
/** Findings at or above --fail-on, or more warnings than --max-warnings (lint, diff). */
export const EXIT_FINDINGS = 1;
/** Bad input, usage, configuration, profiler or internal error. Never 0 or 1 on a crash. */
export const EXIT_ERROR = 2;
export type ExitCode = typeof EXIT_OK | typeof EXIT_FINDINGS | typeof EXIT_ERROR;
