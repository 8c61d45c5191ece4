import type { FindingSeverity } from '../../rules/define-rule.js';
import {
  escapeGithubData,
  escapeGithubProperty,
  MESSAGE_MAX,
  quoteUserInput,
  terminalText,
} from '../../util/escape.js';
import type { LintFormatter } from './lint-format-context.js';
import { leftOutOf } from './lint-format-context.js';

const COMMAND: Readonly<Record<FindingSeverity, string>> = { error: 'error', warn: 'warning', info: 'notice' };

/**
 * `--format github`: one GitHub Actions workflow command per finding
 * (`::warning file=models/net.onnx,title=efflint G2 (channel-split)::conv3: message`), which the runner
 * turns into annotations on the run and, for model files in the repository, on the file. Every finding
 * is printed (like JSON and SARIF, --min-impact does not apply); infos become notices, and a first
 * notice says what --quiet and --baseline hid. Names are shown with control characters escaped, so a
 * command and its annotation stay one line.
 * https://docs.github.com/actions/reference/workflow-commands-for-github-actions
 */
export const formatLintGithub: LintFormatter = (results) => {
  const lines: string[] = [];
  for (const r of results) {
    for (const f of r.findings) {
      const props = [
        ...(r.model.startsWith('zoo:') ? [] : [`file=${escapeGithubProperty(terminalText(r.model))}`]),
        `title=${escapeGithubProperty(`efflint ${f.ruleId} (${f.ruleName})`)}`,
      ].join(',');
      const where = r.model.startsWith('zoo:') ? `${quoteUserInput(r.model)} ` : '';
      const message = `${where}${f.node === null ? '(model)' : quoteUserInput(f.node)}: ${quoteUserInput(f.message, MESSAGE_MAX)} ${f.docsUrl}`;
      lines.push(`::${COMMAND[f.severity]} ${props}::${escapeGithubData(message)}`);
    }
  }
  // What --quiet and --baseline hid, as one notice: an empty annotation list is not "no findings" then.
  // First, because GitHub shows only the first 10 notices of a step (actions/toolkit docs/problem-matchers.md).
  const leftOut = leftOutOf(results).text;
  if (leftOut !== '')
    lines.unshift(
      `::notice title=${escapeGithubProperty('efflint: findings not shown')}::${escapeGithubData(`efflint: ${leftOut}`)}`,
    );
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
};
