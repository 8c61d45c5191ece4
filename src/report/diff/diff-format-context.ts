import type { ModelDiff } from '../../diff/compare.js';
import type { DiffVerdict } from '../../diff/thresholds.js';

/** What every diff formatter may use besides the diff and its verdict. */
export interface DiffFormatContext {
  /** ANSI colours allowed (a TTY and NO_COLOR unset); only the text format uses them. */
  readonly color: boolean;
  /** efflint's version (Markdown footer). */
  readonly version: string;
  /** Rows per list (layers added/removed/changed, findings, op types) in text and Markdown; JSON lists all. */
  readonly top?: number;
}

/** A diff formatter: a pure function from a diff and its verdict to the whole output. */
export type DiffFormatter = (diff: ModelDiff, verdict: DiffVerdict, context: DiffFormatContext) => string;

/** Default rows per list in the text format. */
export const DIFF_TEXT_ROWS = 20;
/** Default rows per list in the Markdown format (GitHub caps a comment at 65,536 characters). */
export const DIFF_MARKDOWN_ROWS = 30;
