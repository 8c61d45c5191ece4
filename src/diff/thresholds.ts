import type { FailOn } from '../rules/exit-code.js';
import { FAIL_ON_CHOICES } from '../rules/exit-code.js';
import { SEVERITY_RANK } from '../rules/define-rule.js';
import type { Change, ModelDiff } from './compare.js';

/** The gates of `efflint diff`; absent = not checked. Percentages are of the base model's value. */
export interface DiffThresholds {
  readonly maxFlopsIncrease?: number;
  readonly maxParamsIncrease?: number;
  readonly maxMemAccessIncrease?: number;
  /** Only checked when both models were profiled. */
  readonly maxLatencyIncrease?: number;
  /** New findings at or above this severity fail. */
  readonly failOnNew?: FailOn;
}

/** A percentage gate: its config key, its flag, and the total it watches. */
export interface PercentThreshold {
  readonly key: 'maxFlopsIncrease' | 'maxParamsIncrease' | 'maxMemAccessIncrease' | 'maxLatencyIncrease';
  readonly flag: string;
  readonly metric: 'flops' | 'params' | 'memAccess' | 'latency';
  readonly label: string;
  readonly description: string;
}

/** Every percentage gate, in report order (config keys, flags and docs come from this table). */
export const PERCENT_THRESHOLDS: readonly PercentThreshold[] = [
  {
    key: 'maxFlopsIncrease',
    flag: '--max-flops-increase',
    metric: 'flops',
    label: 'FLOPs',
    description: 'largest allowed FLOPs (multiply-adds) increase, percent of base',
  },
  {
    key: 'maxParamsIncrease',
    flag: '--max-params-increase',
    metric: 'params',
    label: 'params',
    description: 'largest allowed params increase, percent of base',
  },
  {
    key: 'maxMemAccessIncrease',
    flag: '--max-memaccess-increase',
    metric: 'memAccess',
    label: 'memAccess',
    description: 'largest allowed memory access cost increase, percent of base',
  },
  {
    key: 'maxLatencyIncrease',
    flag: '--max-latency-increase',
    metric: 'latency',
    label: 'latency',
    description: 'largest allowed measured median latency increase, percent of base (needs --profile)',
  },
];

/** Config key and flag of the new-findings gate. */
export const FAIL_ON_NEW = { key: 'failOnNew', flag: '--fail-on-new', choices: FAIL_ON_CHOICES } as const;

/** Every key a `diff` section of efflint.config.json may hold. */
export const DIFF_THRESHOLD_KEYS: readonly (keyof DiffThresholds)[] = [
  ...PERCENT_THRESHOLDS.map((t) => t.key),
  FAIL_ON_NEW.key,
];

/** One gate the head model fails. */
export interface DiffViolation {
  /** The config key of the gate. */
  readonly threshold: keyof DiffThresholds;
  /** Its command-line flag. */
  readonly flag: string;
  /** The limit: a percentage, or the --fail-on-new severity. */
  readonly limit: number | FailOn;
  /** The measured increase in percent (null: growth from 0), or the number of new findings. */
  readonly actual: number | null;
  /** One sentence with the numbers. */
  readonly message: string;
}

/** Pass or fail, and why. */
export interface DiffVerdict {
  readonly pass: boolean;
  readonly violations: readonly DiffViolation[];
  /** Gates that could not be checked or were waived (latency within noise), one sentence each. */
  readonly notes: readonly string[];
  /** The thresholds that were applied. */
  readonly thresholds: DiffThresholds;
}

function exact(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** A signed percentage with one decimal ('+2.2%', '-0.4%', '0.0%'); 'new' for growth from 0. */
export function signedPercent(percent: number | null): string {
  if (percent === null) return 'new';
  const fixed = Math.abs(percent).toFixed(1);
  if (fixed === '0.0') return '0.0%';
  return `${percent > 0 ? '+' : '-'}${fixed}%`;
}

/** The increase exceeds the limit: more than `limit` percent, or any growth from 0. */
function exceeds(c: Change, limit: number): boolean {
  return c.percent === null ? c.delta > 0 : c.percent > limit;
}

/**
 * Applies the thresholds to a diff. A latency increase over the limit but within noise (less than
 * 2 x the larger coefficient of variation) is waived with a note: a CI gate must not fail on timer
 * jitter. Pure.
 */
export function evaluateDiff(diff: ModelDiff, thresholds: DiffThresholds): DiffVerdict {
  const violations: DiffViolation[] = [];
  const notes: string[] = [];
  for (const t of PERCENT_THRESHOLDS) {
    const limit = thresholds[t.key];
    if (limit === undefined) continue;
    if (t.metric === 'latency') {
      const lat = diff.latency;
      if (!lat) {
        notes.push(`${t.flag} ${limit}% not checked: latency was not measured for both models (use --profile)`);
        continue;
      }
      if (!exceeds(lat.median, limit)) continue;
      const what = `median latency ${signedPercent(lat.median.percent)} (${lat.median.before.toFixed(3)} ms -> ${lat.median.after.toFixed(3)} ms)`;
      if (lat.withinNoise) {
        notes.push(
          `${what} is over the ${limit}% limit (${t.flag}) but within noise (2 x CV = ${lat.noisePercent.toFixed(1)}%): not counted`,
        );
        continue;
      }
      violations.push({
        threshold: t.key,
        flag: t.flag,
        limit,
        actual: lat.median.percent,
        message: `${what} exceeds the ${limit}% limit (${t.flag})`,
      });
      continue;
    }
    const c = diff.totals[t.metric];
    if (!exceeds(c, limit)) continue;
    violations.push({
      threshold: t.key,
      flag: t.flag,
      limit,
      actual: c.percent,
      message: `${t.label} ${c.percent === null ? 'grew from 0' : signedPercent(c.percent)} (${exact(c.before)} -> ${exact(c.after)}) exceeds the ${limit}% limit (${t.flag})`,
    });
  }
  if (thresholds.failOnNew !== undefined) {
    const floor = SEVERITY_RANK[thresholds.failOnNew];
    const over = diff.findings.new.filter((f) => SEVERITY_RANK[f.severity] >= floor);
    if (over.length > 0) {
      const by = (s: 'error' | 'warn' | 'info'): number => over.filter((f) => f.severity === s).length;
      const parts = [
        by('error') ? `${by('error')} error${by('error') === 1 ? '' : 's'}` : '',
        by('warn') ? `${by('warn')} warning${by('warn') === 1 ? '' : 's'}` : '',
        by('info') ? `${by('info')} info` : '',
      ].filter(Boolean);
      const rules = [...new Set(over.map((f) => f.ruleId))].join(', ');
      violations.push({
        threshold: FAIL_ON_NEW.key,
        flag: FAIL_ON_NEW.flag,
        limit: thresholds.failOnNew,
        actual: over.length,
        message: `${over.length} new finding${over.length === 1 ? '' : 's'} at or above ${thresholds.failOnNew} (${FAIL_ON_NEW.flag}): ${parts.join(', ')} of ${rules}`,
      });
    }
  }
  return { pass: violations.length === 0, violations, notes, thresholds };
}

/**
 * Merges thresholds: command-line values win over the config's, key by key (a flag given on the
 * command line replaces only its own gate).
 */
export function mergeThresholds(config: DiffThresholds, cli: DiffThresholds): DiffThresholds {
  const out: Record<string, number | FailOn> = {};
  for (const key of DIFF_THRESHOLD_KEYS) {
    const v = cli[key] ?? config[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}
