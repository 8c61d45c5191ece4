import { cpus, loadavg, platform, arch } from 'node:os';
import type { Analysis } from '../../analyzers/analyze.js';
import { DEFAULT_CPU_PROFILE } from '../../analyzers/device-profiles.js';
import type { DeviceProfile } from '../../analyzers/roofline.js';
import { roofline } from '../../analyzers/roofline.js';
import { UsageError } from '../../errors.js';
import { at, mapGet } from '../../util/at.js';
import { roundTo } from '../../util/number.js';
import { prepareModel } from '../profile.js';
import type { PreparedModel } from '../profile.js';
import { onnxruntimeInfo } from '../providers.js';
import { ranks, spearman } from '../stats.js';
import type { ConfounderInput } from './confounders.js';
import { columnConfounders, convChannels, kernelChoice, nchwcBlockSize } from './confounders.js';
import type { InterleavedResult, MeasureClock, MeasureOptLevel, VariantMeasurement } from './interleaved.js';
import { measureInterleaved, onClock } from './interleaved.js';
import { summarizeRatios } from './interleaved-stats.js';
import type { GuidelineId, GuidelineSpec, PaperCell, PaperColumn } from './paper-tables.js';
import { GUIDELINES, REFERENCE_MODELS, selectColumns } from './paper-tables.js';
import type { Verdict } from './verdict.js';
import { VERDICT_RULE, columnVerdict, combineVerdicts } from './verdict.js';

/** Version of `efflint validate --format json`. */
export const VALIDATE_SCHEMA_VERSION = 1;

/**
 * Clock a validation's verdicts are decided on: `cpu` and `wall` as `measureInterleaved` records them,
 * or `gpu-wall` for results imported from a GPU runner: wall time of each run with the device
 * synchronised before the clock stops (its samples are the runner's wall samples).
 */
export type ValidateClock = MeasureClock | 'gpu-wall';
/** Every verdict clock (`--clock`). */
export const VALIDATE_CLOCKS: readonly ValidateClock[] = ['cpu', 'wall', 'gpu-wall'];

/** Which recorded samples a verdict clock reads. */
export function samplesOf(clock: ValidateClock): MeasureClock {
  return clock === 'cpu' ? 'cpu' : 'wall';
}

/** The clock shown beside the verdict clock ("other clock"): CPU time beside wall time and the reverse. */
export function otherClockOf(clock: ValidateClock): ValidateClock {
  return clock === 'cpu' ? 'wall' : 'cpu';
}

/** Blocks and timed runs per block of the table measurements (the same for --quick). */
export const VALIDATE_BLOCKS = 12;
export const VALIDATE_RUNS = 6;
export const VALIDATE_WARMUP = 2;
/** The reference networks take 10-100 ms a run; --quick gives them fewer runs. */
export const QUICK_MODEL_BLOCKS = 3;
export const QUICK_MODEL_RUNS = 4;

/**
 * The device profile static predictions use unless the caller passes one: the one `lint` estimates
 * impacts with (src/analyzers/device-profiles.ts), so validate and lint rank with one model.
 */
export const VALIDATE_DEVICE_PROFILE: DeviceProfile = DEFAULT_CPU_PROFILE;

export interface ValidateOptions {
  /** One column per table and fewer runs for the reference networks. */
  readonly quick?: boolean;
  /** Default both: ['all', 'disabled']. */
  readonly optLevels?: readonly MeasureOptLevel[];
  readonly blocks?: number;
  readonly runsPerBlock?: number;
  readonly warmup?: number;
  /** Clock the verdicts and ranks are decided on (default 'cpu'). */
  readonly clock?: MeasureClock;
  /** Reference networks (zoo names); default REFERENCE_MODELS; [] skips them. */
  readonly models?: readonly string[];
  /** Only these guidelines (ids or G1..G4); default all. */
  readonly guidelines?: readonly string[];
  /** Roofline profile of the static prediction (default VALIDATE_DEVICE_PROFILE). */
  readonly deviceProfile?: DeviceProfile;
  readonly onProgress?: (label: string, done: number, total: number) => void;
}

/** One row of one column of a paper table, measured. */
export interface SetupResult {
  /** The table's row label. */
  readonly label: string;
  /** The table's column label (`GPU x1`, `c=64`). */
  readonly column: string;
  readonly model: string;
  /** Runs per second on the verdict clock (batch 1: images/s). */
  readonly measuredPerSec: number;
  /** Throughput relative to the baseline row: median over blocks of the per-block ratio of medians. */
  readonly ratio: number;
  /** Slowest and fastest block: the ratio's min-max over blocks. */
  readonly ratioMin: number;
  readonly ratioMax: number;
  /**
   * Block spread the verdict uses: interquartile range of the per-block ratios (the middle half of
   * the blocks), so one block caught in a burst of load from other processes does not decide.
   */
  readonly spread: number;
  /** The same ratio on the other clock (spread = its interquartile range). */
  readonly otherClock: { readonly clock: ValidateClock; readonly ratio: number; readonly spread: number };
  /** The paper's GTX 1080Ti speed of this row / the baseline row's, null where the paper has no GPU figure. */
  readonly paperGpu: number | null;
  /** The same on Snapdragon 810 (the paper's "ARM" / "CPU" columns). */
  readonly paperArm: number | null;
  /** Rank (1 = fastest) of efflint's static time prediction within the column (roofline, see `prediction`). */
  readonly predictedRank: number;
  /** Rank (1 = fastest) of the measured speed within the column. */
  readonly measuredRank: number;
  /** Rank (1 = least) of memAccess within the column, for comparison. */
  readonly memAccessRank: number;
  readonly flops: number;
  readonly memAccess: number;
  readonly predictedUs: number;
  readonly medianMs: { readonly cpu: number; readonly wall: number };
  /** onnxruntime's kernel choice at opt 'all' (null at 'disabled' and for imported results). */
  readonly kernels: { readonly convs: number; readonly plainConvs: number; readonly reorders: number } | null;
}

export interface ColumnResult {
  readonly name: string;
  readonly verdict: Verdict;
  /** 1 - the extreme row's ratio. */
  readonly effect: number;
  readonly margin: number;
  /** Pairs of row labels measured in the opposite order of the guideline's, beyond their margin. */
  readonly violations: readonly string[];
  /** Spearman correlation of predictedRank with measuredRank over the column's rows (null: undefined). */
  readonly predictedSpearman: number | null;
  /** The same for memAccessRank. */
  readonly memAccessSpearman: number | null;
}

export interface GuidelineResult {
  readonly id: GuidelineId;
  readonly guideline: 'G1' | 'G2' | 'G3' | 'G4';
  readonly table: number;
  readonly statement: string;
  readonly optLevel: MeasureOptLevel;
  readonly verdict: Verdict;
  readonly rule: string;
  readonly columns: readonly ColumnResult[];
  readonly setups: readonly SetupResult[];
  readonly confounders: readonly string[];
}

export interface ModelResult {
  readonly name: string;
  readonly optLevel: MeasureOptLevel;
  /** Multiply-adds (efflint's analysis, every layer). */
  readonly flops: number;
  readonly memAccess: number;
  readonly params: number;
  /** Median of block medians on the verdict clock. */
  readonly latencyMs: number;
  readonly latencyMinMs: number;
  readonly latencyMaxMs: number;
  readonly otherClockLatencyMs: number;
  /** latencyMs per G multiply-adds: how far from "time = FLOPs / peak" each network is. */
  readonly msPerGFlop: number;
  readonly flopsRank: number;
  readonly memAccessRank: number;
  readonly latencyRank: number;
  /** Predicted by the roofline with the same profile as the tables. */
  readonly predictedMs: number;
}

/** A pair of reference networks where fewer FLOPs did not mean faster. */
export interface FlopsMisprediction {
  readonly optLevel: MeasureOptLevel;
  /** The network with fewer FLOPs... */
  readonly fewerFlops: string;
  /** ...that is slower than this one. */
  readonly moreFlops: string;
  /** FLOPs of moreFlops / FLOPs of fewerFlops (> 1). */
  readonly flopsRatio: number;
  /** Latency of fewerFlops / latency of moreFlops (> 1). */
  readonly latencyRatio: number;
}

export interface DeviceInfo {
  /** The host CPU (for imported results: the runner machine's, as the runner recorded it). */
  readonly cpu: string;
  readonly logicalCores: number;
  readonly platform: string;
  readonly arch: string;
  /** Node.js version of the measuring process; null when a non-Node runner measured (imported results). */
  readonly node: string | null;
  /** onnxruntime version; null when the runner used PyTorch. */
  readonly onnxruntime: string | null;
  /** `cpu` for local runs; imported results: the runner's provider (`cuda`, `tensorrt`, `cpu`). */
  readonly executionProvider: string;
  /** 1 for local runs; imported results: as recorded (null when the runner did not set it). */
  readonly intraOpThreads: number | null;
  /** The GPU (or other accelerator) the runs ran on, by the runner's name for it; null on a CPU. */
  readonly accelerator: string | null;
  /** What ran the models: `onnxruntime-node` locally; for imported results the runner's (`onnxruntime` for Python, `torch`, `onnxruntime-node`). */
  readonly backend: string;
  /** Version of the backend (with cuDNN / CUDA versions where the runner recorded them). */
  readonly backendVersion: string;
  /** NCHWc block of this CPU (16: AVX-512F, 8: AVX2), null when unknown or not measured on this CPU. */
  readonly nchwcBlock: number | null;
  /** 1, 5 and 15 minute load averages when validation started and when it ended. */
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] };
}

/** Where an imported validation's numbers came from (`validate --import DIR`). */
export interface ImportSource {
  /** The export directory, as given. */
  readonly dir: string;
  /** The manifest's export id, which every results file repeats. */
  readonly exportId: string;
  /** The runner that wrote the results (`gpu-runner.py 1`, `ort-node-runner.mjs 1`). */
  readonly runner: string;
  /** Batch size of the exported models. */
  readonly batch: number;
  /** Results files read, relative to `dir`. */
  readonly results: readonly string[];
}

export interface ValidationResult {
  readonly schemaVersion: typeof VALIDATE_SCHEMA_VERSION;
  readonly device: DeviceInfo;
  readonly clock: ValidateClock;
  readonly quick: boolean;
  readonly optLevels: readonly MeasureOptLevel[];
  readonly protocol: {
    readonly blocks: number;
    readonly runsPerBlock: number;
    readonly warmup: number;
    readonly modelBlocks: number;
    readonly modelRunsPerBlock: number;
    readonly interleaving: string;
  };
  readonly rule: string;
  readonly prediction: { readonly method: string; readonly deviceProfile: string };
  readonly guidelines: readonly GuidelineResult[];
  readonly models: readonly ModelResult[];
  readonly flopsMispredictions: readonly FlopsMisprediction[];
  /** Null when measured here; the export and runner for `validate --import`. */
  readonly imported: ImportSource | null;
  /** Seconds the measurement took (imported: the runner's, summed over results files). */
  readonly elapsedSeconds: number;
}

/** The local engine's protocol in words (`protocol.interleaving` of a local run). */
export const INTERLEAVING =
  'one session per variant, 1 intra-op thread; runs interleaved variant by variant, block b starting at variant b mod n; ratio = per-block ratio of medians, median and min-max over blocks; block spread = interquartile range over blocks';

/** What the report needs of one model once it has been measured (the model bytes are dropped). */
export interface StaticFacts {
  readonly name: string;
  readonly flops: number;
  readonly memAccess: number;
  readonly params: number;
  readonly predictedUs: number;
  /** Distinct conv channel counts per group. */
  readonly channels: number[];
  /** Has a grouped conv that is not depthwise. */
  readonly grouped: boolean;
}

/** A zoo model ready to run, with its static facts. */
interface Prepared {
  readonly model: PreparedModel;
  readonly facts: StaticFacts;
}

/** Sum over the model's layers of roofline time (overhead + max(compute, memory)); folded layers excluded. */
export function predictModelUs(analysis: Analysis, profile: DeviceProfile): number {
  let us = 0;
  for (const l of analysis.layers) {
    if (l.folded) continue;
    us += roofline(l.flops ?? 0, l.memBytes ?? 0, profile).predictedUs;
  }
  return us;
}

/** The static facts of one analysed model (a zoo build or an exported file). */
export function staticFacts(name: string, analysis: Analysis, profile: DeviceProfile): StaticFacts {
  const grouped = analysis.layers.some((l) => {
    const g = typeof l.attributes.group === 'number' ? l.attributes.group : 1;
    return l.opType === 'Conv' && g > 1 && l.outputShapes[0]?.[1] !== g;
  });
  return {
    name,
    flops: analysis.totals.flops,
    memAccess: analysis.totals.memAccess,
    params: analysis.totals.params,
    predictedUs: predictModelUs(analysis, profile),
    channels: convChannels(analysis),
    grouped,
  };
}

function prepare(name: string, profile: DeviceProfile): Prepared {
  const model = prepareModel(`zoo:${name}`);
  return { model, facts: staticFacts(name, model.analysis, profile) };
}

/** The guidelines `ids` select (ids or G1..G4; all when empty). */
export function guidelineFilter(ids: readonly string[] | undefined): GuidelineSpec[] {
  if (!ids || ids.length === 0) return [...GUIDELINES];
  const known = new Set<string>([...GUIDELINES.map((g) => g.id), ...GUIDELINES.map((g) => g.guideline)]);
  for (const id of ids)
    if (!known.has(id)) throw new UsageError(`unknown guideline '${id}' (expected ${[...known].join(', ')})`);
  return GUIDELINES.filter((g) => ids.includes(g.id) || ids.includes(g.guideline));
}

/** One measured column at one opt level, kept until every guideline is assembled. */
export interface ColumnRun {
  /** The column with only the measured cells, in table order. */
  readonly column: PaperColumn;
  readonly optLevel: MeasureOptLevel;
  readonly facts: ReadonlyMap<string, StaticFacts>;
  /** Variants labelled by row. */
  readonly result: InterleavedResult;
}

/** The reference networks measured together at one opt level. */
export interface ModelsRun {
  readonly facts: readonly StaticFacts[];
  /** Variants in the order of `facts`. */
  readonly result: InterleavedResult;
}

/** What a validation measures and how: the same for a local run and for an export. */
export interface ValidationPlan {
  readonly quick: boolean;
  readonly optLevels: readonly MeasureOptLevel[];
  readonly blocks: number;
  readonly runsPerBlock: number;
  readonly warmup: number;
  readonly modelBlocks: number;
  readonly modelRunsPerBlock: number;
  readonly specs: readonly GuidelineSpec[];
  /** Columns with the cells the selected guidelines compare, in table order. */
  readonly columns: readonly PaperColumn[];
  /** Reference networks (zoo names). */
  readonly models: readonly string[];
}

/** Selects columns, rows and reference networks and fills in the protocol's defaults. */
export function planValidation(options: ValidateOptions = {}): ValidationPlan {
  const quick = options.quick === true;
  const specs = guidelineFilter(options.guidelines);
  const tables = new Set(specs.map((s) => s.table));
  const columns = selectColumns(quick)
    .filter((c) => tables.has(c.table))
    .map((c): PaperColumn => {
      const wanted = new Set(specs.filter((s) => s.table === c.table).flatMap((s) => s.rows));
      return { ...c, cells: c.cells.filter((cell) => wanted.has(cell.row)) };
    });
  return {
    quick,
    optLevels: options.optLevels && options.optLevels.length > 0 ? [...options.optLevels] : ['all', 'disabled'],
    blocks: options.blocks ?? VALIDATE_BLOCKS,
    runsPerBlock: options.runsPerBlock ?? VALIDATE_RUNS,
    warmup: options.warmup ?? VALIDATE_WARMUP,
    modelBlocks: options.blocks ?? (quick ? QUICK_MODEL_BLOCKS : VALIDATE_BLOCKS),
    modelRunsPerBlock: options.runsPerBlock ?? (quick ? QUICK_MODEL_RUNS : VALIDATE_RUNS),
    specs,
    columns,
    models: options.models ?? REFERENCE_MODELS,
  };
}

/**
 * Runs `efflint validate`: every selected column of the paper's Tables 1-4 measured interleaved at
 * each opt level, verdicts per guideline and opt level, and the reference networks measured
 * interleaved beside their FLOPs and memAccess.
 */
export async function runValidation(options: ValidateOptions = {}): Promise<ValidationResult> {
  const started = Date.now();
  const loadStart = loadavg();
  const plan = planValidation(options);
  const { optLevels, blocks, runsPerBlock, warmup, modelBlocks, modelRunsPerBlock: modelRuns, models } = plan;
  const clock = options.clock ?? 'cpu';
  const profile = options.deviceProfile ?? VALIDATE_DEVICE_PROFILE;
  const info = onnxruntimeInfo();
  const block = nchwcBlockSize();

  const perRound = (n: number): number => n * (warmup + blocks * runsPerBlock);
  let total = 0;
  for (const c of plan.columns) total += optLevels.length * perRound(c.cells.length);
  if (models.length > 0) total += optLevels.length * models.length * (warmup + modelBlocks * modelRuns);
  let offset = 0;
  const progress = (label: string) => (done: number) => options.onProgress?.(label, offset + done, total);

  const runs: ColumnRun[] = [];
  for (const column of plan.columns) {
    const cells = column.cells;
    const prepared = new Map(cells.map((c) => [c.row, prepare(c.zooName, profile)]));
    const facts = new Map([...prepared].map(([row, p]) => [row, p.facts]));
    for (const optLevel of optLevels) {
      const label = `Table ${column.table} ${column.name}, opt ${optLevel}`;
      const result = await measureInterleaved(
        cells.map((c) => {
          const p = mapGet(prepared, c.row).model;
          return { label: c.row, model: p.ortModel, inputs: p.inputs };
        }),
        {
          optLevel,
          blocks,
          runsPerBlock,
          warmup,
          clock,
          inspectOptimizedGraphs: optLevel !== 'disabled',
          onProgress: progress(label),
        },
      );
      offset += perRound(cells.length);
      runs.push({ column, optLevel, facts, result });
    }
  }

  const modelRuns_: ModelsRun[] = [];
  if (models.length > 0) {
    const prepared = models.map((m) => prepare(m, profile));
    for (const optLevel of optLevels) {
      const result = await measureInterleaved(
        prepared.map((p) => ({ label: p.facts.name, model: p.model.ortModel, inputs: p.model.inputs })),
        {
          optLevel,
          blocks: modelBlocks,
          runsPerBlock: modelRuns,
          warmup,
          clock,
          onProgress: progress(`reference networks, opt ${optLevel}`),
        },
      );
      offset += models.length * (warmup + modelBlocks * modelRuns);
      modelRuns_.push({ facts: prepared.map((p) => p.facts), result });
    }
  }

  return assembleValidation({
    plan,
    clock,
    runs,
    modelRuns: modelRuns_,
    nchwcBlock: block,
    profile,
    imported: null,
    elapsedSeconds: Math.round((Date.now() - started) / 100) / 10,
    device: {
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      logicalCores: cpus().length,
      platform: platform(),
      arch: arch(),
      node: process.version,
      onnxruntime: info.version,
      executionProvider: 'cpu',
      intraOpThreads: 1,
      accelerator: null,
      backend: 'onnxruntime-node',
      backendVersion: info.version,
      nchwcBlock: block,
      loadAverage: { start: loadStart.map((x) => roundTo(x, 2)), end: loadavg().map((x) => roundTo(x, 2)) },
    },
  });
}

/** Everything `assembleValidation` turns into a report. */
export interface AssembleInput {
  readonly plan: ValidationPlan;
  readonly clock: ValidateClock;
  /** Every measured column at every opt level of `plan.optLevels`. */
  readonly runs: readonly ColumnRun[];
  readonly modelRuns: readonly ModelsRun[];
  /** NCHWc block the confounders are named by (null: not named). */
  readonly nchwcBlock: number | null;
  readonly profile: DeviceProfile;
  readonly device: DeviceInfo;
  readonly imported: ImportSource | null;
  readonly elapsedSeconds: number;
  /** How the runs were interleaved, in words (default: this engine's protocol). */
  readonly interleaving?: string;
}

/**
 * Verdicts and tables from measured columns and reference networks: the one assembly behind a local
 * run and `validate --import`, so both apply the same rule to the same statistics.
 */
export function assembleValidation(input: AssembleInput): ValidationResult {
  const { plan, clock, runs } = input;
  const guidelines: GuidelineResult[] = [];
  for (const spec of plan.specs) {
    for (const optLevel of plan.optLevels) {
      const own = runs.filter((r) => r.column.table === spec.table && r.optLevel === optLevel);
      guidelines.push(assembleGuideline(spec, optLevel, own, clock, input.nchwcBlock));
    }
  }
  const modelResults: ModelResult[] = [];
  const mispredictions: FlopsMisprediction[] = [];
  for (const m of input.modelRuns) {
    const rows = assembleModels(m.facts, m.result, clock);
    modelResults.push(...rows);
    mispredictions.push(...flopsMispredictions(rows));
  }
  return {
    schemaVersion: VALIDATE_SCHEMA_VERSION,
    device: input.device,
    clock,
    quick: plan.quick,
    optLevels: [...plan.optLevels],
    protocol: {
      blocks: plan.blocks,
      runsPerBlock: plan.runsPerBlock,
      warmup: plan.warmup,
      modelBlocks: plan.modelBlocks,
      modelRunsPerBlock: plan.modelRunsPerBlock,
      interleaving: input.interleaving ?? INTERLEAVING,
    },
    rule: VERDICT_RULE,
    prediction: {
      method:
        'predictedRank: rank of the roofline time summed over layers (overhead + max(FLOPs / peak, memBytes / bandwidth)); memAccessRank: rank of memAccess',
      deviceProfile: input.profile.name,
    },
    guidelines,
    models: modelResults,
    flopsMispredictions: mispredictions,
    imported: input.imported,
    elapsedSeconds: input.elapsedSeconds,
  };
}

function cellOf(column: PaperColumn, row: string): PaperCell {
  const cell = column.cells.find((c) => c.row === row);
  if (!cell) throw new Error(`validate: column ${column.name} has no row '${row}'`);
  return cell;
}

function variantByLabel(result: InterleavedResult, label: string): VariantMeasurement {
  const v = result.variants.find((x) => x.label === label);
  if (!v) throw new Error(`validate: row '${label}' was not measured`);
  return v;
}

/** The setups of one guideline in one column, the column's verdict and its confounders. */
function assembleColumn(
  spec: GuidelineSpec,
  run: ColumnRun,
  clock: ValidateClock,
  block: number | null,
): { setups: SetupResult[]; column: ColumnResult; confounders: string[] } {
  const other = otherClockOf(clock);
  const rows = spec.rows;
  // One entry per row of the guideline, in its order; the first is the guideline's baseline row.
  const entries = rows.map((label) => ({
    label,
    cell: cellOf(run.column, label),
    v: variantByLabel(run.result, label),
    facts: mapGet(run.facts, label),
  }));
  const baseline = at(entries, 0);
  // The run's baseline is the column's first cell; re-base on this guideline's baseline row.
  const rebased = (v: VariantMeasurement, c: ValidateClock): number[] => {
    const base = onClock(baseline.v, samplesOf(c)).blockMediansMs;
    return onClock(v, samplesOf(c)).blockMediansMs.map((t, b) => at(base, b) / t);
  };
  const main = entries.map((e) => summarizeRatios(rebased(e.v, clock)));
  const alt = entries.map((e) => summarizeRatios(rebased(e.v, other)));
  const predictedRanks = ranks(entries.map((e) => e.facts.predictedUs));
  const measuredRanks = ranks(main.map((m) => -m.median));
  const memRanks = ranks(entries.map((e) => e.facts.memAccess));
  const paper = (pick: (c: PaperCell) => number | null, cell: PaperCell): number | null => {
    const v = pick(cell);
    const b = pick(baseline.cell);
    return v !== null && b !== null ? v / b : null;
  };
  const setups: SetupResult[] = entries.map(({ label, cell, v, facts }, i) => {
    const ratios = at(main, i);
    const otherRatios = at(alt, i);
    const ops = v.optimizedOps;
    return {
      label,
      column: run.column.name,
      model: cell.zooName,
      measuredPerSec: 1000 / onClock(v, samplesOf(clock)).medianMs,
      ratio: ratios.median,
      ratioMin: ratios.min,
      ratioMax: ratios.max,
      spread: ratios.iqr,
      otherClock: { clock: other, ratio: otherRatios.median, spread: otherRatios.iqr },
      paperGpu: paper((c) => c.paperGpu, cell),
      paperArm: paper((c) => c.paperArm, cell),
      predictedRank: at(predictedRanks, i),
      measuredRank: at(measuredRanks, i),
      memAccessRank: at(memRanks, i),
      flops: facts.flops,
      memAccess: facts.memAccess,
      predictedUs: facts.predictedUs,
      medianMs: { cpu: v.cpu.medianMs, wall: v.wall.medianMs },
      kernels: ops ? kernelChoice(ops) : null,
    };
  });
  const cv = columnVerdict(
    main.map((m) => ({ ratio: m.median, spread: m.iqr })),
    spec.expectedOrder,
  );
  const confounderInputs: ConfounderInput[] = setups.map((s, i) => ({
    label: s.label,
    column: s.column,
    flops: s.flops,
    channels: at(entries, i).facts.channels,
    grouped: at(entries, i).facts.grouped,
    kernels: s.kernels,
  }));
  return {
    setups,
    column: {
      name: run.column.name,
      verdict: cv.verdict,
      effect: cv.effect,
      margin: cv.margin,
      violations: cv.violations.map(([i, j]) => `${at(rows, j)} faster than ${at(rows, i)}`),
      predictedSpearman: spearman(predictedRanks, measuredRanks),
      memAccessSpearman: spearman(memRanks, measuredRanks),
    },
    confounders: columnConfounders(confounderInputs, block),
  };
}

function assembleGuideline(
  spec: GuidelineSpec,
  optLevel: MeasureOptLevel,
  runs: readonly ColumnRun[],
  clock: ValidateClock,
  block: number | null,
): GuidelineResult {
  const parts = runs.map((r) => assembleColumn(spec, r, clock, block));
  return {
    id: spec.id,
    guideline: spec.guideline,
    table: spec.table,
    statement: spec.statement,
    optLevel,
    verdict: combineVerdicts(parts.map((p) => p.column.verdict)),
    rule: VERDICT_RULE,
    columns: parts.map((p) => p.column),
    setups: parts.flatMap((p) => p.setups),
    confounders: parts.flatMap((p) => p.confounders),
  };
}

function assembleModels(facts: readonly StaticFacts[], result: InterleavedResult, clock: ValidateClock): ModelResult[] {
  const main = samplesOf(clock);
  const other = samplesOf(otherClockOf(clock));
  const latency = result.variants.map((v) => onClock(v, main).medianMs);
  const flopsRanks = ranks(facts.map((f) => f.flops));
  const memRanks = ranks(facts.map((f) => f.memAccess));
  const latencyRanks = ranks(latency);
  return facts.map((f, i) => {
    const v = at(result.variants, i);
    const blocksMs = onClock(v, main).blockMediansMs;
    const latencyMs = at(latency, i);
    return {
      name: f.name,
      optLevel: result.optLevel,
      flops: f.flops,
      memAccess: f.memAccess,
      params: f.params,
      latencyMs,
      latencyMinMs: Math.min(...blocksMs),
      latencyMaxMs: Math.max(...blocksMs),
      otherClockLatencyMs: onClock(v, other).medianMs,
      msPerGFlop: latencyMs / (f.flops / 1e9),
      flopsRank: at(flopsRanks, i),
      memAccessRank: at(memRanks, i),
      latencyRank: at(latencyRanks, i),
      predictedMs: f.predictedUs / 1000,
    };
  });
}

/**
 * Pairs where the network with fewer FLOPs ran slower, beyond both networks' block-to-block
 * latency ranges (the slower one's fastest block is still slower than the other's slowest).
 */
export function flopsMispredictions(models: readonly ModelResult[]): FlopsMisprediction[] {
  const out: FlopsMisprediction[] = [];
  for (const a of models) {
    for (const b of models) {
      if (a === b || a.optLevel !== b.optLevel || a.flops >= b.flops) continue;
      if (a.latencyMinMs > b.latencyMaxMs) {
        out.push({
          optLevel: a.optLevel,
          fewerFlops: a.name,
          moreFlops: b.name,
          flopsRatio: b.flops / a.flops,
          latencyRatio: a.latencyMs / b.latencyMs,
        });
      }
    }
  }
  return out;
}
