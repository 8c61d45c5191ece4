import type { AnyRule } from '../rules/define-rule.js';

/** What every lint formatter may use besides the results. */
export interface LintFormatContext {
  /** ANSI colours allowed (a TTY and NO_COLOR unset); only the text format uses them. */
  readonly color: boolean;
  /** The rules that could run (SARIF lists them; Markdown names them). */
  readonly rules: readonly AnyRule[];
  /** efflint's version (SARIF tool.driver.version). */
  readonly version: string;
}
