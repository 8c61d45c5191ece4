import type { LintFormatter } from './lint-format-context.js';
import { formatLintGithub } from './lint-github.js';
import { formatLintJson } from './lint-json.js';
import { formatLintMarkdown } from './lint-markdown.js';
import { formatLintText } from './lint-text.js';
import { formatNetron } from './netron.js';
import { formatSarif } from './sarif.js';

export type { LintFormatContext, LintFormatter } from './lint-format-context.js';

/** `--format` name -> formatter. Adding a format is one module plus one line here. */
export const LINT_FORMATS = {
  text: formatLintText,
  json: formatLintJson,
  sarif: formatSarif,
  markdown: formatLintMarkdown,
  netron: formatNetron,
  github: formatLintGithub,
} as const satisfies Record<string, LintFormatter>;

/** The name of a lint output format (`text`, `json`, `sarif`, `markdown`, `netron`, `github`). */
export type LintFormat = keyof typeof LINT_FORMATS;
export const LINT_FORMAT_NAMES = Object.keys(LINT_FORMATS) as LintFormat[];

/** Formats that describe a single model only. */
export const SINGLE_MODEL_FORMATS: readonly LintFormat[] = ['netron'];
