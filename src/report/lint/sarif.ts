import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyRule, FindingSeverity, Severity } from '../../rules/define-rule.js';
import type { Finding, LintResult } from '../../rules/lint.js';
import { at } from '../../util/at.js';
import { finiteMetrics } from '../shared/numbers.js';
import type { LintFormatContext } from './lint-format-context.js';

/** Where SARIF 2.1.0's JSON schema lives. */
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const SARIF_VERSION = '2.1.0';
/** efflint's home page (tool.driver.informationUri). */
export const INFORMATION_URI = 'https://github.com/efflint/efflint';

type SarifLevel = 'error' | 'warning' | 'note' | 'none';

const LEVEL: Readonly<Record<Severity, SarifLevel>> = { error: 'error', warn: 'warning', info: 'note', off: 'none' };

/** efflint severity -> SARIF level: error, warning, note (none for a rule that is off). */
export function sarifLevel(severity: FindingSeverity | Severity): SarifLevel {
  return LEVEL[severity];
}

/** A model argument as a path with forward slashes and no leading `./`; `zoo:NAME` as-is. */
function artifactPath(model: string): string {
  if (model.startsWith('zoo:')) return model;
  return model.replace(/\\/g, '/').replace(/^\.\//, '');
}

/**
 * A model argument as a SARIF `artifactLocation.uri` (SARIF 2.1.0 3.4.3 requires a valid URI
 * reference, RFC 3986): a relative path is percent-encoded segment by segment (so a space, `#`, `?`,
 * `%` or a control character in a name cannot end the path or start a fragment, and a `:` cannot read
 * as a scheme); an absolute path becomes a `file://` URL (url.pathToFileURL); `zoo:NAME` keeps its scheme. Fingerprints and
 * logical locations keep the plain path, so encoding changes no alert identity.
 */
export function artifactUri(model: string): string {
  if (model.startsWith('zoo:')) return `zoo:${encodeURIComponent(model.slice(4))}`;
  if (isAbsolute(model)) return pathToFileURL(model).href;
  return artifactPath(model).split('/').map(encodeURIComponent).join('/');
}

/**
 * A stable identity for a finding across runs (GitHub code scanning matches alerts by it). A model file
 * has no source lines, so the fingerprint hashes rule, model, node and message id instead of a line.
 */
function fingerprint(model: string, f: Finding, occurrence: number): string {
  return createHash('sha256')
    .update([f.ruleId, artifactPath(model), f.node ?? '', f.messageId, String(occurrence)].join('\u0000'))
    .digest('hex')
    .slice(0, 32);
}

/**
 * SARIF 2.1.0 for code scanning: one run, tool.driver.rules generated from the rule metas, one result
 * per finding. Rule ids are plain (`G1`): SARIF 3.27.5 reads a `/` in a ruleId as a sub-rule separator,
 * so `efflint/G1` would name a sub-rule of a rule called `efflint`. A model has no lines: every
 * location has region.startLine 1 (GitHub requires a region) and the graph node is the logical
 * location. Results are sorted by model, node, rule and message for deterministic output.
 */
export function toSarif(results: readonly LintResult[], context: LintFormatContext): Record<string, unknown> {
  const rules: readonly AnyRule[] = context.rules;
  const index = new Map(rules.map((r, i) => [r.meta.id, i]));
  const rows = results.flatMap((r) => r.findings.map((f) => ({ model: r.model, f })));
  rows.sort(
    (a, b) =>
      artifactPath(a.model).localeCompare(artifactPath(b.model)) ||
      (a.f.node ?? '').localeCompare(b.f.node ?? '') ||
      a.f.ruleId.localeCompare(b.f.ruleId, 'en', { numeric: true }) ||
      a.f.messageId.localeCompare(b.f.messageId) ||
      a.f.message.localeCompare(b.f.message),
  );
  const seen = new Map<string, number>();
  const occurrence = rows.map(({ model, f }) => {
    const key = [f.ruleId, artifactPath(model), f.node ?? '', f.messageId].join('\u0000');
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    return n;
  });
  return {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [
      {
        tool: {
          driver: {
            name: 'efflint',
            version: context.version,
            informationUri: INFORMATION_URI,
            rules: rules.map((r) => ({
              id: r.meta.id,
              name: r.meta.name,
              shortDescription: { text: r.meta.description },
              fullDescription: { text: r.meta.description },
              helpUri: r.meta.docsUrl,
              help: { text: `${r.meta.description} See ${r.meta.docsUrl}` },
              defaultConfiguration: {
                level: sarifLevel(r.meta.defaultSeverity),
                enabled: r.meta.defaultSeverity !== 'off',
              },
              properties: { category: r.meta.category, tags: ['performance', r.meta.category] },
            })),
          },
        },
        columnKind: 'unicodeCodePoints',
        results: rows.map(({ model, f }, i) => ({
          ruleId: f.ruleId,
          ...(index.has(f.ruleId) ? { ruleIndex: index.get(f.ruleId) } : {}),
          level: sarifLevel(f.severity),
          message: { text: `${f.message}. Fix: ${f.suggestion}` },
          locations: [
            {
              physicalLocation: { artifactLocation: { uri: artifactUri(model) }, region: { startLine: 1 } },
              logicalLocations: [
                f.node === null
                  ? { name: artifactPath(model), kind: 'module' }
                  : { name: f.node, fullyQualifiedName: `${artifactPath(model)}#${f.node}`, kind: 'function' },
              ],
            },
          ],
          // upload-sarif computes primaryLocationLineHash from source lines unless it is present;
          // a binary model (or zoo:NAME) has none, so efflint supplies its own stable value.
          partialFingerprints: { primaryLocationLineHash: `${fingerprint(model, f, at(occurrence, i))}:1` },
          properties: {
            ...(f.opType ? { opType: f.opType } : {}),
            metrics: finiteMetrics(f.metrics),
            suggestion: f.suggestion,
            messageId: f.messageId,
            impact: { estimatedUs: f.impact.estimatedUs, share: f.impact.share },
            efflintFingerprint: f.fingerprint,
            ...(f.confirmed !== undefined ? { confirmedByMeasurement: f.confirmed } : {}),
          },
        })),
      },
    ],
  };
}

/** `--format sarif`. */
export function formatSarif(results: readonly LintResult[], context: LintFormatContext): string {
  return JSON.stringify(toSarif(results, context), null, 2) + '\n';
}
