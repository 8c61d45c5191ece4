import { UsageError } from '../errors.js';
import type { AnyRule, Severity } from '../rules/define-rule.js';
import type { RuleSetting } from '../rules/lint.js';

/** The rule-choosing flags of `efflint lint`, as commander collects them. */
export interface RuleSelectionArgs {
  /** `--rule ID:SEVERITY`, repeatable (ESLint's `--rule`): wins over the config and --select/--ignore. */
  readonly rule: readonly string[];
  /** `--select G1,G2`, repeatable, comma-separated (Ruff): only these rules run. */
  readonly select: readonly string[];
  /** `--ignore E103`, repeatable, comma-separated (Ruff): these rules do not run. */
  readonly ignore: readonly string[];
}

const SEVERITY_ALIASES: Readonly<Record<string, Severity>> = {
  off: 'off',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  '0': 'off',
  '1': 'warn',
  '2': 'error',
};

function splitList(values: readonly string[]): string[] {
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/**
 * Rules a selector names, as Ruff reads selectors: `ALL`, a code prefix (`G` = every guideline,
 * `E10` = E101..E109), or a rule name (`group-convolution`). A selector naming no rule is a usage error.
 */
export function rulesMatching(selector: string, rules: readonly AnyRule[], flag: string): AnyRule[] {
  const upper = selector.toUpperCase();
  const matched = rules.filter(
    (r) => upper === 'ALL' || r.meta.id.toUpperCase().startsWith(upper) || r.meta.name === selector,
  );
  if (matched.length === 0) {
    throw new UsageError(`${flag} ${selector}: no such rule (known: ${rules.map((r) => r.meta.id).join(', ')})`);
  }
  return matched;
}

/**
 * The config's rule settings with the command line applied: `--select` turns every other rule off
 * (and a selected rule the config turned off back on at its default severity), then `--ignore` turns
 * rules off, then each `--rule ID:SEVERITY` sets a severity (options stay as configured).
 */
export function applyRuleSelection(
  configured: Readonly<Record<string, RuleSetting>>,
  args: RuleSelectionArgs,
  rules: readonly AnyRule[],
): Record<string, RuleSetting> {
  const out: Record<string, RuleSetting> = { ...configured };
  const select = splitList(args.select);
  if (select.length > 0) {
    const chosen = new Set(select.flatMap((s) => rulesMatching(s, rules, '--select')).map((r) => r.meta.id));
    for (const r of rules) {
      const id = r.meta.id;
      if (!chosen.has(id)) out[id] = { ...out[id], severity: 'off' };
      else if (out[id]?.severity === 'off') out[id] = { ...out[id], severity: r.meta.defaultSeverity };
    }
  }
  for (const r of splitList(args.ignore).flatMap((s) => rulesMatching(s, rules, '--ignore'))) {
    out[r.meta.id] = { ...out[r.meta.id], severity: 'off' };
  }
  for (const spec of args.rule) {
    const colon = spec.lastIndexOf(':');
    const severity =
      colon > 0
        ? SEVERITY_ALIASES[
            spec
              .slice(colon + 1)
              .trim()
              .toLowerCase()
          ]
        : undefined;
    if (colon <= 0 || severity === undefined) {
      throw new UsageError(
        `--rule ${spec}: expected ID:SEVERITY with SEVERITY one of off, info, warn, error (e.g. --rule G2:error)`,
      );
    }
    for (const r of rulesMatching(spec.slice(0, colon).trim(), rules, '--rule'))
      out[r.meta.id] = { ...out[r.meta.id], severity };
  }
  return out;
}
