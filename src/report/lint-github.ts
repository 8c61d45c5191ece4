import type { FindingSeverity } from '../rules/define-rule.js';
import type { LintResult } from '../rules/lint.js';
import type { LintFormatContext } from './lint-format-context.js';

const COMMAND: Readonly<Record<FindingSeverity, string>> = { error: 'error', warn: 'warning', info: 'notice' };

/**
 * Escapes a workflow-command message as GitHub's runner reads it (actions/toolkit
 * `escapeData`): `%`, `\r`, `\n`.
 */
export function escapeGithubData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escapes a workflow-command property value (actions/toolkit `escapeProperty`): also `:` and `,`. */
export function escapeGithubProperty(text: string): string {
  return escapeGithubData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * `--format github`: one GitHub Actions workflow command per finding
 * (`::warning file=models/net.onnx,title=efflint G2 (channel-split)::conv3: message`), which the runner
 * turns into annotations on the run and, for model files in the repository, on the file. Every finding
 * is printed (like JSON and SARIF, --min-impact does not apply); infos become notices.
 * https://docs.github.com/actions/reference/workflow-commands-for-github-actions
 */
export function formatLintGithub(results: readonly LintResult[], _context?: LintFormatContext): string {
  const lines: string[] = [];
  for (const r of results) {
    for (const f of r.findings) {
      const props = [
        ...(r.model.startsWith('zoo:') ? [] : [`file=${escapeGithubProperty(r.model)}`]),
        `title=${escapeGithubProperty(`efflint ${f.ruleId} (${f.ruleName})`)}`,
      ].join(',');
      const where = r.model.startsWith('zoo:') ? `${r.model} ` : '';
      const message = `${where}${f.node ?? '(model)'}: ${f.message} ${f.docsUrl}`;
      lines.push(`::${COMMAND[f.severity]} ${props}::${escapeGithubData(message)}`);
    }
  }
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}
