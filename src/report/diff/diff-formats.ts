import type { DiffFormatter } from './diff-format-context.js';
import { formatDiffJson } from './diff-json.js';
import { formatDiffMarkdown } from './diff-markdown.js';
import { formatDiffText } from './diff-text.js';

export type { DiffFormatContext, DiffFormatter } from './diff-format-context.js';

/** `efflint diff --format` name -> formatter. */
export const DIFF_FORMATS = {
  text: formatDiffText,
  json: formatDiffJson,
  markdown: formatDiffMarkdown,
} as const satisfies Record<string, DiffFormatter>;

/** A `--format` name of `efflint diff`. */
export type DiffFormat = keyof typeof DIFF_FORMATS;
/** The `--format` choices, in help order. */
export const DIFF_FORMAT_NAMES = Object.keys(DIFF_FORMATS) as DiffFormat[];
