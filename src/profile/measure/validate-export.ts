import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProfilerError, UsageError } from '../../errors.js';
import { mapGet } from '../../util/at.js';
import { efflintVersion } from '../../version.js';
import { INPUT_SEED, prepareModel } from '../profile.js';
import type { MeasureOptLevel } from './interleaved.js';
import type { GuidelineId, PaperColumn } from './paper-tables.js';
import type { ValidateOptions, ValidationPlan } from './validate.js';
import { planValidation } from './validate.js';
import { VERDICT_RULE } from './verdict.js';

/**
 * `efflint validate --export DIR`: the models a validation measures, written as ONNX files, and a
 * manifest that tells a runner on another machine (a GPU, usually) what to measure and how, so that
 * `validate --import DIR` can give the same verdicts from the runner's results. The format of the
 * manifest and of the results files is documented in docs/validation-gpu.md.
 */

/** Version of manifest.json. */
export const MANIFEST_SCHEMA_VERSION = 1;
/** Version of the results files a runner writes (results/<measurement id>.json). */
export const RESULTS_SCHEMA_VERSION = 1;
/** `kind` of manifest.json. */
export const MANIFEST_KIND = 'efflint-validate-export';
/** `kind` of a results file. */
export const RESULTS_KIND = 'efflint-validate-results';
/** The manifest's name in the export directory. */
export const MANIFEST_FILE = 'manifest.json';

/**
 * The GPU's one opt level. onnxruntime's default: with the CUDA provider it folds BatchNormalization
 * into convolutions and fuses Conv+ReLU into one cuDNN call (FusedConv),
 * as a deployed model runs; cuDNN picks its fastest algorithm per convolution (onnxruntime's default
 * EXHAUSTIVE search), as the paper's "benchmarking function of CUDNN" did.
 */
export const GPU_OPT_LEVELS: readonly MeasureOptLevel[] = ['all'];

/** One model input as the runner must feed it. */
export interface ManifestInput {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
}

/** One model of a measurement: a row of a paper table, or a reference network. */
export interface ManifestVariant {
  /** The table's row label (`g = 2`) or the reference network's name. */
  readonly label: string;
  /** Zoo name of the model. */
  readonly model: string;
  /** The ONNX file, relative to the export directory. */
  readonly file: string;
  readonly inputs: readonly ManifestInput[];
  /** efflint's analysis of the file: multiply-adds, memory access (elements), parameters. */
  readonly flops: number;
  readonly memAccess: number;
  readonly params: number;
  /** The paper's GTX 1080Ti speed of this cell, batches/s (null: not measured there, or a reference network). */
  readonly paperGpu: number | null;
  /** The paper's Snapdragon 810 speed of this cell, images/s. */
  readonly paperArm: number | null;
}

/** One interleaved comparison: a column of a paper table, or the reference networks. */
export interface ManifestMeasurement {
  /** Stable id, also the results file's name: `table2-gpu-x1`, `reference-networks`. */
  readonly id: string;
  readonly kind: 'column' | 'models';
  readonly table: number | null;
  /** The paper's column label (`GPU x1`, `c=128`); null for the reference networks. */
  readonly column: string | null;
  /** Where the runner writes its results, relative to the export directory. */
  readonly results: string;
  readonly blocks: number;
  readonly runsPerBlock: number;
  readonly warmup: number;
  /** Index of the variant the others are compared with. */
  readonly baseline: number;
  /** In the order the runner rotates them. */
  readonly variants: readonly ManifestVariant[];
}

/** One guideline comparison, over rows of the columns it lists. */
export interface ManifestGuideline {
  readonly id: GuidelineId;
  readonly guideline: 'G1' | 'G2' | 'G3' | 'G4';
  readonly table: number;
  readonly statement: string;
  /** Rows compared, baseline first, extreme last. */
  readonly rows: readonly string[];
  /** Pairs [i, j] of `rows` where the guideline puts row i at least as fast as row j. */
  readonly expectedOrder: readonly (readonly [number, number])[];
  /** Ids of the measurements (columns) it is judged on. */
  readonly measurements: readonly string[];
}

/** How every measurement must be run (the local engine's protocol; the text fields in words for runner authors). */
export interface ManifestProtocol {
  /** onnxruntime graph optimisation levels to measure at (a PyTorch runner has one level of its own). */
  readonly optLevels: readonly MeasureOptLevel[];
  readonly blocks: number;
  readonly runsPerBlock: number;
  readonly warmup: number;
  readonly modelBlocks: number;
  readonly modelRunsPerBlock: number;
  /** Input k of a model is seeded with inputSeed + k. */
  readonly inputSeed: number;
  readonly inputs: string;
  readonly sessions: string;
  readonly interleaving: string;
  readonly timing: string;
  readonly memory: string;
}

/** DIR/manifest.json (docs/validation-gpu.md, "Files"). */
export interface ValidateManifest {
  readonly schemaVersion: typeof MANIFEST_SCHEMA_VERSION;
  readonly kind: typeof MANIFEST_KIND;
  /** Random id that every results file repeats, so results of another export are refused. */
  readonly exportId: string;
  readonly efflint: string;
  readonly createdAt: string;
  readonly quick: boolean;
  /** Batch size of every exported model. */
  readonly batch: number;
  readonly protocol: ManifestProtocol;
  readonly paper: { readonly gpu: string; readonly arm: string };
  readonly rule: string;
  readonly guidelines: readonly ManifestGuideline[];
  readonly measurements: readonly ManifestMeasurement[];
}

/** What to export: a validation's selection (quick, guidelines, models, protocol) and the batch. */
export interface ExportOptions extends ValidateOptions {
  /** Batch size of the exported models (default 1). */
  readonly batch?: number;
}

/** What `exportValidation` wrote. */
export interface ExportSummary {
  readonly dir: string;
  readonly manifest: ValidateManifest;
  /** Model files written. */
  readonly models: number;
  /** Bytes of the model files. */
  readonly bytes: number;
  /** Absolute path of the Python runner shipped with efflint. */
  readonly runner: string;
}

/** The protocol's rules in words, written into every manifest. */
export const PROTOCOL_TEXT = {
  inputs:
    'float32 inputs uniform in [-1, 1), input k of a model seeded with inputSeed + k (any generator: values do not change the timing of these models); the same tensors every run, on the device before timing',
  sessions:
    'one session (or module) per variant, all created before anything is timed; onnxruntime: graph optimisation level as recorded, sequential execution, 1 intra-op and 1 inter-op thread; CPU provider: nothing else running in the process',
  interleaving:
    'rounds run every variant once: `warmup` untimed rounds, then `blocks` blocks of `runsPerBlock` rounds; warm-up round r and every round of block b run the n variants in the order r (b) mod n, +1 mod n, ...; ratio = per-block ratio of medians to the baseline, median and min-max over blocks',
  timing:
    'per run: wall time (a monotonic clock) and the process CPU time (user + system) read before and after; on a GPU the device is synchronised before the clock stops (the run includes no host-device copies: inputs are bound on the device, outputs stay there)',
  memory:
    'outputs freed after every run, outside the timed region (Node: a minor GC; Python frees them by reference count), so no run pays for page faults on memory another run left behind',
} as const;

/** `table2-gpu-x1`, `table3-c-128`. */
export function measurementId(column: PaperColumn): string {
  return `table${column.table}-${column.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}`;
}

/** Id of the reference networks' measurement. */
export const MODELS_MEASUREMENT_ID = 'reference-networks';

/** Absolute path of the Python runner shipped with efflint (scripts/gpu-runner.py). */
export function gpuRunnerPath(): string {
  // src/profile/measure/ and dist/profile/measure/ are both three levels below the package root.
  return fileURLToPath(new URL('../../../scripts/gpu-runner.py', import.meta.url));
}

function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    throw new ProfilerError(`${path}: cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      cause: err,
    });
  }
}

function ensureDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new UsageError(
      `${dir}: cannot create the export directory: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { cause: err },
    );
  }
  if (!statSync(dir).isDirectory()) throw new UsageError(`${dir}: not a directory`);
}

/**
 * Writes every experiment and reference model of the validation `options` select as ONNX files
 * (zoo builds with their seeded weights) under DIR/models, and DIR/manifest.json. Measures nothing.
 */
export function exportValidation(dir: string, options: ExportOptions = {}): ExportSummary {
  const batch = options.batch ?? 1;
  if (!Number.isSafeInteger(batch) || batch < 1)
    throw new UsageError(`--batch must be a positive integer (got ${batch})`);
  const plan: ValidationPlan = planValidation({
    ...options,
    optLevels: options.optLevels && options.optLevels.length > 0 ? options.optLevels : GPU_OPT_LEVELS,
  });
  ensureDir(dir);
  ensureDir(join(dir, 'models'));

  const names = [...new Set([...plan.columns.flatMap((c) => c.cells.map((cell) => cell.zooName)), ...plan.models])];
  const written = new Map<string, Omit<ManifestVariant, 'label' | 'paperGpu' | 'paperArm'>>();
  let bytes = 0;
  names.forEach((name, i) => {
    options.onProgress?.(`export ${name}`, i, names.length);
    const prepared = prepareModel(`zoo:${name}`, { batch });
    const data = prepared.ortModel as Uint8Array;
    const file = `models/${name}.onnx`;
    writeAtomic(join(dir, file), data);
    bytes += data.byteLength;
    const totals = prepared.analysis.totals;
    written.set(name, {
      model: name,
      file,
      inputs: prepared.inputs.map((x) => ({ name: x.name, dtype: x.dtype, shape: [...x.dims] })),
      flops: totals.flops,
      memAccess: totals.memAccess,
      params: totals.params,
    });
  });
  options.onProgress?.('export manifest', names.length, names.length);

  const measurements: ManifestMeasurement[] = plan.columns.map((c) => {
    const id = measurementId(c);
    return {
      id,
      kind: 'column',
      table: c.table,
      column: c.name,
      results: `results/${id}.json`,
      blocks: plan.blocks,
      runsPerBlock: plan.runsPerBlock,
      warmup: plan.warmup,
      baseline: 0,
      variants: c.cells.map((cell) => ({
        label: cell.row,
        ...mapGet(written, cell.zooName),
        paperGpu: cell.paperGpu,
        paperArm: cell.paperArm,
      })),
    };
  });
  if (plan.models.length > 0) {
    measurements.push({
      id: MODELS_MEASUREMENT_ID,
      kind: 'models',
      table: null,
      column: null,
      results: `results/${MODELS_MEASUREMENT_ID}.json`,
      blocks: plan.modelBlocks,
      runsPerBlock: plan.modelRunsPerBlock,
      warmup: plan.warmup,
      baseline: 0,
      variants: plan.models.map((m) => ({ label: m, ...mapGet(written, m), paperGpu: null, paperArm: null })),
    });
  }
  const manifest: ValidateManifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    kind: MANIFEST_KIND,
    exportId: randomBytes(6).toString('hex'),
    efflint: efflintVersion(),
    createdAt: new Date().toISOString(),
    quick: plan.quick,
    batch,
    protocol: {
      optLevels: [...plan.optLevels],
      blocks: plan.blocks,
      runsPerBlock: plan.runsPerBlock,
      warmup: plan.warmup,
      modelBlocks: plan.modelBlocks,
      modelRunsPerBlock: plan.modelRunsPerBlock,
      inputSeed: INPUT_SEED,
      ...PROTOCOL_TEXT,
    },
    paper: {
      gpu: 'paperGpu: NVIDIA GeForce GTX 1080Ti, cuDNN 7.0 with its benchmarking function, batches/s (the batch of Tables 1-4 is not stated)',
      arm: 'paperArm: Qualcomm Snapdragon 810, one thread, images/s',
    },
    rule: VERDICT_RULE,
    guidelines: plan.specs.map((s) => ({
      id: s.id,
      guideline: s.guideline,
      table: s.table,
      statement: s.statement,
      rows: [...s.rows],
      expectedOrder: s.expectedOrder.map(([i, j]) => [i, j] as const),
      measurements: measurements.filter((m) => m.table === s.table).map((m) => m.id),
    })),
    measurements,
  };
  writeAtomic(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  return { dir, manifest, models: names.length, bytes, runner: gpuRunnerPath() };
}
