import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceProfile } from '../../analyzers/roofline.js';
import { analyzeModel } from '../../analyzers/analyze.js';
import { EfflintError, ProfilerError, UsageError } from '../../errors.js';
import { loadModelFile } from '../../model/load.js';
import { at } from '../../util/at.js';
import type { InterleavedResult, MeasureOptLevel } from './interleaved.js';
import { summarizeInterleaved } from './interleaved-stats.js';
import type { PaperColumn, PaperTable } from './paper-tables.js';
import type {
  ColumnRun,
  DeviceInfo,
  ModelsRun,
  StaticFacts,
  ValidateClock,
  ValidationPlan,
  ValidationResult,
} from './validate.js';
import {
  VALIDATE_CLOCKS,
  VALIDATE_DEVICE_PROFILE,
  assembleValidation,
  guidelineFilter,
  samplesOf,
  staticFacts,
} from './validate.js';
import type { ManifestMeasurement, ValidateManifest } from './validate-export.js';
import {
  MANIFEST_FILE,
  MANIFEST_KIND,
  MANIFEST_SCHEMA_VERSION,
  RESULTS_KIND,
  RESULTS_SCHEMA_VERSION,
} from './validate-export.js';

/**
 * `efflint validate --import DIR`: verdicts from the results a runner wrote for an export
 * (validate-export.ts), through the same assembly and verdict rule as a local run. Every problem
 * with the files is one line naming the file and the field.
 */

/** What a runner recorded about the machine it measured on. */
export interface RunnerDevice {
  /** The GPU's name (`NVIDIA H100 80GB HBM3`), null when the runs were on the CPU. */
  readonly accelerator: string | null;
  readonly cpu: string;
  readonly logicalCores: number;
  readonly platform: string;
  readonly arch: string;
  /** `onnxruntime`, `onnxruntime-node`, `torch`. */
  readonly backend: string;
  /** Backend version, with CUDA / cuDNN versions where known. */
  readonly backendVersion: string;
  /** `cuda`, `tensorrt`, `cpu`. */
  readonly provider: string;
  readonly intraOpThreads: number | null;
  /** Node.js version, for a Node runner. */
  readonly node?: string | null;
}

/** One variant's samples, `[block][run]`, milliseconds. */
export interface RunnerVariant {
  readonly label: string;
  readonly file: string;
  readonly wallMs: readonly (readonly number[])[];
  readonly cpuMs: readonly (readonly number[])[];
  /** An onnxruntime profile of this variant (`efflint profile FILE --trace TRACE`), relative to DIR; null when none. */
  readonly trace?: string | null;
}

/** One opt level of one measurement. */
export interface RunnerMeasured {
  readonly optLevel: MeasureOptLevel;
  readonly blocks: number;
  readonly runsPerBlock: number;
  readonly warmup: number;
  readonly variants: readonly RunnerVariant[];
}

/** A results file: results/<measurement id>.json. */
export interface RunnerResults {
  readonly schemaVersion: typeof RESULTS_SCHEMA_VERSION;
  readonly kind: typeof RESULTS_KIND;
  readonly exportId: string;
  readonly measurement: string;
  /** `gpu-runner.py 1`, `ort-node-runner.mjs 1`. */
  readonly runner: string;
  /** The clock verdicts use unless `--clock` says otherwise: `gpu-wall` on a GPU, `cpu` on a CPU. */
  readonly clock: ValidateClock;
  readonly device: RunnerDevice;
  readonly interleaving: string;
  readonly measured: readonly RunnerMeasured[];
  readonly loadAverage: { readonly start: readonly number[]; readonly end: readonly number[] } | null;
  readonly startedAt: string;
  /** null where the runner did not time itself (readResults accepts it). */
  readonly elapsedSeconds: number | null;
}

export interface ImportOptions {
  /** Only these guidelines (ids or G1..G4); default every one the manifest has. */
  readonly guidelines?: readonly string[];
  /** Only these opt levels; default every one the results have. */
  readonly optLevels?: readonly MeasureOptLevel[];
  /** Verdict clock; default the results' own. */
  readonly clock?: ValidateClock;
  readonly deviceProfile?: DeviceProfile;
}

/** A file that is missing or does not say what it should: one line, exit 2. */
function bad(path: string, what: string, cause?: unknown): never {
  throw new ProfilerError(`${path}: ${what}`, cause === undefined ? undefined : { cause });
}

function readJson(path: string, missing: () => never): unknown {
  if (!existsSync(path)) missing();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    bad(path, `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, err);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    return bad(path, `not JSON (${(err as Error).message.split('\n')[0]})`, err);
  }
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field<T>(
  path: string,
  obj: Json,
  key: string,
  where: string,
  check: (v: unknown) => v is T,
  expected: string,
): T {
  const v = obj[key];
  if (!check(v)) bad(path, `${where}${key} ${v === undefined ? 'is missing' : `is not ${expected}`}`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const isNumberOrNull = (v: unknown): v is number | null => v === null || (typeof v === 'number' && Number.isFinite(v));
const isStringOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';

/** Reads and checks DIR/manifest.json. */
export function readManifest(dir: string): ValidateManifest {
  const path = join(dir, MANIFEST_FILE);
  const json = readJson(path, () => {
    throw new UsageError(`${dir}: no ${MANIFEST_FILE} (efflint validate --export ${dir} writes one)`);
  });
  if (!isObject(json) || json.kind !== MANIFEST_KIND)
    bad(path, `not an efflint validate --export manifest (kind should be '${MANIFEST_KIND}')`);
  if (json.schemaVersion !== MANIFEST_SCHEMA_VERSION)
    bad(path, `schemaVersion ${String(json.schemaVersion)}; this efflint reads ${MANIFEST_SCHEMA_VERSION}`);
  field(path, json, 'exportId', '', isString, 'a string');
  field(path, json, 'batch', '', isCount, 'a count');
  const ms = field(path, json, 'measurements', '', isArray, 'a list');
  ms.forEach((m, i) => {
    if (!isObject(m)) bad(path, `measurements[${i}] is not an object`);
    const where = `measurements[${i}].`;
    field(path, m, 'id', where, isString, 'a string');
    field(path, m, 'results', where, isString, 'a string');
    const vs = field(path, m, 'variants', where, isArray, 'a list');
    vs.forEach((v, k) => {
      if (!isObject(v)) bad(path, `${where}variants[${k}] is not an object`);
      for (const key of ['label', 'model', 'file'])
        field(path, v, key, `${where}variants[${k}].`, isString, 'a string');
    });
  });
  field(path, json, 'guidelines', '', isArray, 'a list');
  return json as unknown as ValidateManifest;
}

/** Reads and checks one results file against its manifest measurement. */
export function readResults(dir: string, manifest: ValidateManifest, m: ManifestMeasurement): RunnerResults {
  const path = join(dir, m.results);
  const json = readJson(path, () =>
    bad(path, `missing: measure the export first (python3 gpu-runner.py ${dir}; docs/validation-gpu.md)`),
  );
  if (!isObject(json) || json.kind !== RESULTS_KIND)
    bad(path, `not an efflint validate results file (kind should be '${RESULTS_KIND}')`);
  if (json.schemaVersion !== RESULTS_SCHEMA_VERSION)
    bad(path, `schemaVersion ${String(json.schemaVersion)}; this efflint reads ${RESULTS_SCHEMA_VERSION}`);
  const exportId = field(path, json, 'exportId', '', isString, 'a string');
  if (exportId !== manifest.exportId)
    bad(
      path,
      `results of export ${exportId}, but ${join(dir, MANIFEST_FILE)} is export ${manifest.exportId}: measure this export again`,
    );
  if (json.measurement !== m.id) bad(path, `holds measurement '${String(json.measurement)}', expected '${m.id}'`);
  field(path, json, 'runner', '', isString, 'a string');
  const clock = field(path, json, 'clock', '', isString, 'a string');
  if (!(VALIDATE_CLOCKS as readonly string[]).includes(clock))
    bad(path, `clock '${clock}' is not one of ${VALIDATE_CLOCKS.join(', ')}`);
  const device = field(path, json, 'device', '', isObject, 'an object');
  field(path, device, 'accelerator', 'device.', isStringOrNull, 'a string or null');
  for (const key of ['cpu', 'platform', 'arch', 'backend', 'backendVersion', 'provider'])
    field(path, device, key, 'device.', isString, 'a string');
  field(path, device, 'logicalCores', 'device.', isCount, 'a count');
  field(path, device, 'intraOpThreads', 'device.', isNumberOrNull, 'a number or null');
  field(path, json, 'elapsedSeconds', '', isNumberOrNull, 'a number');
  const measured = field(path, json, 'measured', '', isArray, 'a list');
  if (measured.length === 0) bad(path, 'measured is empty');
  const labels = m.variants.map((v) => v.label);
  measured.forEach((entry, e) => {
    const where = `measured[${e}].`;
    if (!isObject(entry)) bad(path, `measured[${e}] is not an object`);
    const opt = field(path, entry, 'optLevel', where, isString, 'a string');
    if (opt !== 'all' && opt !== 'disabled') bad(path, `${where}optLevel '${opt}' is not all or disabled`);
    const blocks = field(path, entry, 'blocks', where, isCount, 'a count');
    const runs = field(path, entry, 'runsPerBlock', where, isCount, 'a count');
    field(path, entry, 'warmup', where, isCount, 'a count');
    if (blocks < 1 || runs < 1) bad(path, `${where}blocks and runsPerBlock must be at least 1`);
    const variants = field(path, entry, 'variants', where, isArray, 'a list');
    const got = variants.map((v) => (isObject(v) ? v.label : undefined));
    if (got.length !== labels.length || got.some((l, i) => l !== labels[i])) {
      bad(path, `${where}variants are ${JSON.stringify(got)}, the manifest's ${JSON.stringify(labels)}`);
    }
    variants.forEach((v, i) => {
      const vw = `${where}variants[${i}].`;
      for (const key of ['wallMs', 'cpuMs']) {
        const samples = field(path, v as Json, key, vw, isArray, 'a list');
        if (samples.length !== blocks) bad(path, `${vw}${key} has ${samples.length} blocks, expected ${blocks}`);
        samples.forEach((block, b) => {
          if (!Array.isArray(block) || block.length !== runs)
            bad(path, `${vw}${key}[${b}] should be a list of ${runs} run times`);
          block.forEach((t: unknown, r) => {
            // CPU time may round to 0 for a run shorter than the clock's tick; wall time may not.
            const ok = typeof t === 'number' && Number.isFinite(t) && (key === 'cpuMs' ? t >= 0 : t > 0);
            if (!ok)
              bad(
                path,
                `${vw}${key}[${b}][${r}] is not a ${key === 'cpuMs' ? 'non-negative' : 'positive'} number of milliseconds`,
              );
          });
        });
      }
    });
  });
  const levels = measured.map((e) => (e as Json).optLevel as string);
  if (new Set(levels).size !== levels.length) bad(path, `measured lists an opt level twice (${levels.join(', ')})`);
  return json as unknown as RunnerResults;
}

function interleavedFrom(entry: RunnerMeasured, clock: ValidateClock): InterleavedResult {
  const wall = summarizeInterleaved(entry.variants.map((v) => v.wallMs));
  const cpu = summarizeInterleaved(entry.variants.map((v) => v.cpuMs));
  return {
    optLevel: entry.optLevel,
    clock: samplesOf(clock),
    blocks: entry.blocks,
    runsPerBlock: entry.runsPerBlock,
    warmup: entry.warmup,
    baseline: 0,
    intraOpThreads: 1,
    variants: entry.variants.map((v, i) => ({
      label: v.label,
      wall: at(wall, i),
      cpu: at(cpu, i),
      optimizedOps: null,
      samples: { wallMs: v.wallMs, cpuMs: v.cpuMs },
    })),
  };
}

function sameDevice(a: RunnerDevice, b: RunnerDevice): boolean {
  return a.accelerator === b.accelerator && a.cpu === b.cpu && a.backend === b.backend && a.provider === b.provider;
}

function deviceName(d: RunnerDevice): string {
  return `${d.accelerator ?? d.cpu} (${d.backend}, ${d.provider})`;
}

/**
 * The validation a runner measured for the export in `dir`: every guideline of the manifest (or
 * those `options.guidelines` select) at every opt level the results hold, verdicts by the same rule
 * as a local run. Missing or malformed files throw one-line EfflintErrors.
 */
export function importValidation(dir: string, options: ImportOptions = {}): ValidationResult {
  const manifest = readManifest(dir);
  const profile = options.deviceProfile ?? VALIDATE_DEVICE_PROFILE;
  const exported = new Set(manifest.guidelines.map((g) => g.id));
  const selected = guidelineFilter(options.guidelines);
  const specs = selected.filter((s) => exported.has(s.id));
  if (specs.length === 0) {
    throw new UsageError(
      `${join(dir, MANIFEST_FILE)}: the export has none of the guidelines asked for (it has ${[...exported].join(', ') || 'none'})`,
    );
  }
  const tables = new Set<number>(specs.map((s) => s.table));
  const columns = manifest.measurements.filter((m) => m.kind === 'column' && m.table !== null && tables.has(m.table));
  const modelsM = manifest.measurements.find((m) => m.kind === 'models') ?? null;
  const wanted = [...columns, ...(modelsM ? [modelsM] : [])];

  const results = wanted.map((m) => ({ m, r: readResults(dir, manifest, m) }));
  if (results.length === 0)
    bad(join(dir, MANIFEST_FILE), `lists no measurement for ${specs.map((s) => s.id).join(', ')}`);
  const firstResults = at(results, 0);
  const first = firstResults.r;
  for (const { m, r } of results) {
    if (!sameDevice(first.device, r.device)) {
      bad(
        join(dir, m.results),
        `measured on ${deviceName(r.device)}, but ${firstResults.m.results} on ${deviceName(first.device)}: one verdict table needs one device`,
      );
    }
    if (r.clock !== first.clock)
      bad(join(dir, m.results), `clock '${r.clock}', but ${firstResults.m.results} has '${first.clock}'`);
  }
  const clock = options.clock ?? first.clock;
  if (clock === 'gpu-wall' && first.device.accelerator === null)
    throw new UsageError(`--clock gpu-wall: ${dir} was measured on a CPU (${first.device.cpu}); use cpu or wall`);

  const recorded = ['all', 'disabled'].filter((o) => first.measured.some((e) => e.optLevel === o)) as MeasureOptLevel[];
  const asked = options.optLevels ?? [];
  const optLevels = asked.length > 0 ? (['all', 'disabled'] as const).filter((o) => asked.includes(o)) : recorded;
  const entryOf = (m: ManifestMeasurement, r: RunnerResults, opt: MeasureOptLevel): RunnerMeasured => {
    const e = r.measured.find((x) => x.optLevel === opt);
    if (!e)
      bad(
        join(dir, m.results),
        `no measurement at opt level ${opt} (it has ${r.measured.map((x) => x.optLevel).join(', ')})`,
      );
    return e;
  };

  const factsCache = new Map<string, StaticFacts>();
  const factsOf = (model: string, file: string): StaticFacts => {
    const cached = factsCache.get(file);
    if (cached) return cached;
    const path = join(dir, file);
    if (!existsSync(path))
      bad(path, `missing (the manifest lists it; export again with efflint validate --export ${dir})`);
    let facts: StaticFacts;
    try {
      facts = staticFacts(model, analyzeModel(loadModelFile(path)), profile);
    } catch (err) {
      if (err instanceof EfflintError) throw err;
      return bad(path, `cannot analyse: ${(err as Error).message.split('\n')[0]}`, err);
    }
    factsCache.set(file, facts);
    return facts;
  };

  const runs: ColumnRun[] = [];
  const paperColumns: PaperColumn[] = [];
  for (const { m, r } of results) {
    if (m.kind !== 'column') continue;
    const column: PaperColumn = {
      table: m.table as PaperTable,
      name: m.column ?? m.id,
      cells: m.variants.map((v) => ({ row: v.label, zooName: v.model, paperGpu: v.paperGpu, paperArm: v.paperArm })),
    };
    paperColumns.push(column);
    const facts = new Map(m.variants.map((v) => [v.label, factsOf(v.model, v.file)]));
    for (const opt of optLevels)
      runs.push({ column, optLevel: opt, facts, result: interleavedFrom(entryOf(m, r, opt), clock) });
  }
  const modelRuns: ModelsRun[] = [];
  const modelResults = results.find((x) => x.m.kind === 'models');
  if (modelResults) {
    const { m, r } = modelResults;
    const facts = m.variants.map((v) => factsOf(v.model, v.file));
    for (const opt of optLevels) modelRuns.push({ facts, result: interleavedFrom(entryOf(m, r, opt), clock) });
  }

  const colEntry = results.find((x) => x.m.kind === 'column');
  // Never empty: asked levels are among 'all' and 'disabled', and `recorded` holds what the first results file
  // measured (readResults refuses an empty list).
  const firstOpt = at(optLevels, 0);
  const tableProtocol = colEntry ? entryOf(colEntry.m, colEntry.r, firstOpt) : null;
  const modelProtocol = modelResults ? entryOf(modelResults.m, modelResults.r, firstOpt) : null;
  const plan: ValidationPlan = {
    quick: manifest.quick,
    optLevels,
    blocks: tableProtocol?.blocks ?? manifest.protocol.blocks,
    runsPerBlock: tableProtocol?.runsPerBlock ?? manifest.protocol.runsPerBlock,
    warmup: tableProtocol?.warmup ?? modelProtocol?.warmup ?? manifest.protocol.warmup,
    modelBlocks: modelProtocol?.blocks ?? manifest.protocol.modelBlocks,
    modelRunsPerBlock: modelProtocol?.runsPerBlock ?? manifest.protocol.modelRunsPerBlock,
    specs,
    columns: paperColumns,
    models: modelsM ? modelsM.variants.map((v) => v.label) : [],
  };

  const d = first.device;
  const loads = results
    .map((x) => x.r.loadAverage)
    .filter((l): l is NonNullable<typeof l> => l !== null && Array.isArray(l.start) && Array.isArray(l.end));
  const device: DeviceInfo = {
    cpu: d.cpu,
    logicalCores: d.logicalCores,
    platform: d.platform,
    arch: d.arch,
    node: typeof d.node === 'string' ? d.node : null,
    onnxruntime: d.backend.startsWith('onnxruntime') ? d.backendVersion : null,
    executionProvider: d.provider,
    intraOpThreads: d.intraOpThreads,
    accelerator: d.accelerator,
    backend: d.backend,
    backendVersion: d.backendVersion,
    nchwcBlock: null,
    loadAverage: { start: loads[0]?.start ?? [], end: loads[loads.length - 1]?.end ?? [] },
  };
  const elapsed = results.reduce((s, x) => s + (x.r.elapsedSeconds ?? 0), 0);
  return assembleValidation({
    plan,
    clock,
    runs,
    modelRuns,
    nchwcBlock: null,
    profile,
    device,
    interleaving: typeof first.interleaving === 'string' ? first.interleaving : manifest.protocol.interleaving,
    imported: {
      dir,
      exportId: manifest.exportId,
      runner: first.runner,
      batch: manifest.batch,
      results: wanted.map((m) => m.results),
    },
    elapsedSeconds: Math.round(elapsed * 10) / 10,
  });
}
