import type { AnyRule } from '../../rules/define-rule.js';
import type { LintResult } from '../../rules/lint.js';

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

/** A lint formatter: a pure function from results to the whole output (never writes to a stream). */
export type LintFormatter = (results: readonly LintResult[], context: LintFormatContext) => string;

/** What `--quiet` and `--baseline` left out of the results, summed over the models. */
export interface LeftOut {
  /** Warnings and infos `--quiet` hid. */
  readonly quieted: { readonly warn: number; readonly info: number };
  /** Findings the baseline file listed. */
  readonly baselined: number;
  /** The same in words for every format (`--quiet hid 2 warnings, 1 info; 3 findings in the baseline not shown`), '' when nothing was left out. */
  readonly text: string;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Counts what `--quiet` and `--baseline` hid (LintResult.quieted and .baselined), once for the text, Markdown and GitHub formats. */
export function leftOutOf(results: readonly LintResult[]): LeftOut {
  const quieted = { warn: 0, info: 0 };
  let baselined = 0;
  for (const r of results) {
    quieted.warn += r.quieted?.warn ?? 0;
    quieted.info += r.quieted?.info ?? 0;
    baselined += r.baselined ?? 0;
  }
  const text = [
    ...(quieted.warn + quieted.info > 0
      ? [`--quiet hid ${plural(quieted.warn, 'warning')}, ${quieted.info} info`]
      : []),
    ...(baselined > 0 ? [`${plural(baselined, 'finding')} in the baseline not shown`] : []),
  ].join('; ');
  return { quieted, baselined, text };
}
