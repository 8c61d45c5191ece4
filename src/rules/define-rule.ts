import type { Analysis, LayerReport } from '../analyzers/analyze.js';
import type { ConfirmationKind } from '../analyzers/confirmation.js';
import type { DeviceProfile } from '../analyzers/roofline.js';
import type { TimeEstimate } from '../analyzers/runtime/time-estimate.js';
import type { ExecutionPlan, RuntimeName } from '../analyzers/runtime/types.js';
import type { GraphStructure } from '../analyzers/structure.js';
import { at } from '../util/at.js';

/** Configured level of a rule; 'off' disables it. */
export type Severity = 'off' | 'info' | 'warn' | 'error';
/** Level of a reported finding. */
export type FindingSeverity = Exclude<Severity, 'off'>;
/** Every severity, least severe first. */
export const SEVERITIES: readonly Severity[] = ['off', 'info', 'warn', 'error'];
/** From least to most severe; `--fail-on` and sorting use this order. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { off: 0, info: 1, warn: 2, error: 3 };

/** Where the rule pages live; a rule's docs URL is derived from its id, never written by hand. */
export const DOCS_BASE_URL = 'https://github.com/efflint/efflint/blob/main/docs/rules/';

/** The docs page of a rule id: `docs/rules/<id>.md` in the repository. */
export function docsUrlFor(id: string): string {
  return `${DOCS_BASE_URL}${id}.md`;
}

/** Option values are scalars. */
export type OptionValue = number | boolean | string;
/** A rule's options object. */
export type RuleOptions = Readonly<Record<string, OptionValue>>;

/** One option of a rule: its type, default and documentation (also used to validate config files). */
export interface OptionSpec<T extends OptionValue = OptionValue> {
  readonly type: T extends number ? 'number' | 'integer' : T extends boolean ? 'boolean' : 'string';
  readonly default: T;
  readonly description: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly string[];
}

/** One OptionSpec per option key. */
export type OptionsSpec<O extends RuleOptions> = { readonly [K in keyof O]: OptionSpec<O[K]> };

/** Placeholder values of one message; numbers are formatted when the message is rendered. */
export type MessageData = Readonly<Record<string, string | number>>;
/** messageId -> the data record that message's template needs. */
export type MessageDataMap = Readonly<Record<string, MessageData>>;

/** What a rule checks: a ShuffleNet V2 guideline (G1-G4) or an efflint extra (E1xx). */
export type RuleCategory = 'guideline' | 'extra';

/** What a rule is: id, name, docs, severity, options, messages (data, not behaviour). */
export interface RuleMeta<O extends RuleOptions, D extends MessageDataMap> {
  /** Stable code: `G1`..`G4` for the paper's guidelines, `E1xx` for extras; a rule of your own picks any other id. */
  readonly id: string;
  /** Where the rule's docs page lives; default: efflint's own page for the id (set it for a rule of your own). */
  readonly docsUrl?: string;
  /** Kebab-case name of the flagged pattern (Ruff style): `unbalanced-channels`, not `no-...`. */
  readonly name: string;
  readonly category: RuleCategory;
  /** One line: what the rule flags. */
  readonly description: string;
  readonly defaultSeverity: Severity;
  /** Inputs beyond the Analysis; a rule needing a device profile is skipped without one. */
  readonly requires?: readonly 'deviceProfile'[];
  readonly options: OptionsSpec<O>;
  /** messageId -> template with `{{placeholder}}`s filled from the report's data. */
  readonly messages: { readonly [K in keyof D]: string };
  /** How to fix, in words; may use the same placeholders as the message. Per-message overrides below. */
  readonly fix: string;
  readonly fixes?: { readonly [K in keyof D]?: string };
  /**
   * messageId -> the measurement that can confirm its findings (`lint --profile`; analyzers/confirmation.ts
   * lists the kinds, the profiler runs them). A message without one is reported with `confirmed: null`
   * and says that the rule declares no measurement check.
   */
  readonly confirmation?: { readonly [K in keyof D]?: ConfirmationKind };
}

/**
 * What `check` reports: node (null = the whole model), message id and its data, numeric metrics, and
 * the estimated time of the excess the finding describes (from `context.time`), which ranks findings.
 */
export interface ReportDescriptor<D extends MessageDataMap, K extends keyof D & string = keyof D & string> {
  readonly node: LayerReport | null;
  readonly messageId: K;
  readonly data: D[K];
  readonly metrics?: Readonly<Record<string, number>>;
  /** Estimated microseconds the excess costs on the target (0 when the runtime removes it). */
  readonly excessUs: number;
  /**
   * The target runtime already removes the work (a BatchNormalization it folds, an activation it runs
   * in the conv epilogue): the finding is reported at `info` at most, whatever the rule's severity.
   */
  readonly fixedByRuntime?: boolean;
  /** Root cause within the rule, for the finding's fingerprint (default: the message id). */
  readonly cause?: string;
}

/** What `check` gets: the model, its structure, the runtime's execution plan, the resolved options and `report`. */
export interface RuleContext<O extends RuleOptions, D extends MessageDataMap> {
  readonly analysis: Analysis;
  /** Blocks, cut points, chains and data edges of the main graph (computed once per model). */
  readonly structure: GraphStructure;
  /** What the target runtime executes: which layers it fuses away, which kernels it inserts. */
  readonly plan: ExecutionPlan;
  readonly runtime: RuntimeName;
  /** Roofline time of the plan's kernels on the effective device profile (the default one without --device-profile). */
  readonly time: TimeEstimate;
  /** Defaults merged with the configured options. */
  readonly options: O;
  /** The profile the user gave (`--device-profile`); rules that need a measured device check this. */
  readonly deviceProfile?: DeviceProfile;
  report<K extends keyof D & string>(descriptor: ReportDescriptor<D, K>): void;
}

/** A defined rule: meta plus its derived docs URL and default options, and `check`. */
export interface Rule<O extends RuleOptions = RuleOptions, D extends MessageDataMap = MessageDataMap> {
  readonly meta: RuleMeta<O, D> & { readonly docsUrl: string; readonly defaultOptions: O };
  check(context: RuleContext<O, D>): void;
}

/** A rule of any options/messages, as the registry and the lint engine see it. */
export type AnyRule = Rule;

/** What a rule module passes to `defineRule`. */
export interface RuleDefinition<O extends RuleOptions, D extends MessageDataMap> {
  readonly meta: RuleMeta<O, D>;
  /** A function, not a method: `defineRule` hands it on without its object, so it must not use `this`. */
  readonly check: (context: RuleContext<O, D>) => void;
}

/**
 * Identity helper that exists for typing (like typescript-eslint's createRule): options and message
 * ids are checked at compile time, each message id gets its own typed data record, and the docs URL
 * and default options are derived from the meta.
 */
export function defineRule<O extends RuleOptions, D extends MessageDataMap>(
  definition: RuleDefinition<O, D>,
): Rule<O, D> {
  const defaultOptions = Object.fromEntries(
    Object.entries(definition.meta.options).map(([k, spec]) => [k, (spec as OptionSpec).default]),
  ) as unknown as O;
  return {
    meta: { ...definition.meta, docsUrl: definition.meta.docsUrl ?? docsUrlFor(definition.meta.id), defaultOptions },
    check: definition.check,
  };
}

/** Placeholder names used by a template, in order of first use. */
export function placeholdersOf(template: string): string[] {
  return [...new Set([...template.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => at(m, 1)))];
}

/** How numbers read inside messages: integers with thousands separators, others to 3 significant digits. */
export function formatMessageNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  const abs = Math.abs(n);
  if (abs >= 100) return n.toFixed(0);
  if (abs >= 10) return n.toFixed(1).replace(/\.0$/, '');
  return n.toFixed(2).replace(/\.?0+$/, '');
}

/** Fills `{{name}}` placeholders; an unknown placeholder is left as written (tests catch those). */
export function renderTemplate(template: string, data: MessageData): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => {
    const v = data[key];
    if (v === undefined) return whole;
    return typeof v === 'number' ? formatMessageNumber(v) : v;
  });
}
