import type { AnyRule } from '../rules/define-rule.js';

/** Width of text output when stdout is not a terminal. */
export const NON_TTY_WIDTH = 160;

/** What every lint formatter may use besides the results. */
export interface LintFormatContext {
  /** ANSI colours allowed (a TTY and NO_COLOR unset); only the text format uses them. */
  readonly color: boolean;
  /** The rules that could run (SARIF lists them; Markdown names them). */
  readonly rules: readonly AnyRule[];
  /** efflint's version (SARIF tool.driver.version). */
  readonly version: string;
  /** Text output: no line wider than this (the terminal's columns, else NON_TTY_WIDTH). */
  readonly width?: number;
  /** Text output: a per-rule summary instead of one line per finding (`--statistics`). */
  readonly statistics?: boolean;
}
