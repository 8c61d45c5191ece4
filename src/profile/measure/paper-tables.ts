import { listZoo } from '../../zoo/index.js';

/**
 * The ShuffleNet V2 paper's Tables 1-4 (SNV2 §2) as efflint measures them: each table's columns, the
 * zoo `exp_*` model of every cell, and the paper's own speeds (from the zoo's `paperMeasurements`).
 * A guideline is one comparison over a table's rows: the row that follows the guideline (the
 * baseline) against rows that break it more and more, up to the extreme row. Table 3 holds two
 * such comparisons, fragments in series and fragments in parallel, sharing the 1-fragment row.
 */

export type PaperTable = 1 | 2 | 3 | 4;

/** A verdict is given per comparison: G3 has one for series and one for parallel fragments. */
export type GuidelineId = 'G1' | 'G2' | 'G3-series' | 'G3-parallel' | 'G4';

/** One cell of a paper table: a zoo model and what the paper measured for it. */
export interface PaperCell {
  /** The table's row label, e.g. `g = 2`, `2-fragment-series`, `ReLU yes, short-cut no`. */
  readonly row: string;
  readonly zooName: string;
  /** GTX 1080Ti, batches/s; null where the paper measured this column on ARM only. */
  readonly paperGpu: number | null;
  /** Snapdragon 810, images/s; null where the paper measured this column on GPU only. */
  readonly paperArm: number | null;
}

/** One column of a table: the models measured against each other in one interleaved session. */
export interface PaperColumn {
  readonly table: PaperTable;
  /** The paper's column label: `GPU x1`, `CPU x2`, `ARM x4`, `c=64`. */
  readonly name: string;
  /** Every row of the table in this column (G3: all five structures). */
  readonly cells: readonly PaperCell[];
}

/** One guideline comparison over a table's rows. */
export interface GuidelineSpec {
  readonly id: GuidelineId;
  readonly guideline: 'G1' | 'G2' | 'G3' | 'G4';
  readonly table: PaperTable;
  /** The guideline as the paper words it. */
  readonly statement: string;
  /** Rows compared, in the order the guideline predicts (fastest first): baseline first, extreme last. */
  readonly rows: readonly string[];
  /**
   * Pairs [i, j] of `rows` indices where the guideline predicts row i at least as fast as row j.
   * For G1-G3 every i < j; G4 does not order "ReLU only" against "shortcut only".
   */
  readonly expectedOrder: readonly (readonly [number, number])[];
}

function allPairs(n: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out.push([i, j]);
  return out;
}

/** The five comparisons, in the paper's order. */
export const GUIDELINES: readonly GuidelineSpec[] = [
  {
    id: 'G1',
    guideline: 'G1',
    table: 1,
    statement: 'Equal channel width minimizes memory access cost (MAC)',
    rows: ['c1:c2 = 1:1', 'c1:c2 = 1:2', 'c1:c2 = 1:6', 'c1:c2 = 1:12'],
    expectedOrder: allPairs(4),
  },
  {
    id: 'G2',
    guideline: 'G2',
    table: 2,
    statement: 'Excessive group convolution increases MAC',
    rows: ['g = 1', 'g = 2', 'g = 4', 'g = 8'],
    expectedOrder: allPairs(4),
  },
  {
    id: 'G3-series',
    guideline: 'G3',
    table: 3,
    statement: 'Network fragmentation reduces degree of parallelism (fragments in series)',
    rows: ['1-fragment', '2-fragment-series', '4-fragment-series'],
    expectedOrder: allPairs(3),
  },
  {
    id: 'G3-parallel',
    guideline: 'G3',
    table: 3,
    statement: 'Network fragmentation reduces degree of parallelism (fragments in parallel)',
    rows: ['1-fragment', '2-fragment-parallel', '4-fragment-parallel'],
    expectedOrder: allPairs(3),
  },
  {
    id: 'G4',
    guideline: 'G4',
    table: 4,
    statement: 'Element-wise operations are non-negligible',
    rows: ['ReLU no, short-cut no', 'ReLU yes, short-cut no', 'ReLU no, short-cut yes', 'ReLU yes, short-cut yes'],
    expectedOrder: [
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 3],
      [2, 3],
    ],
  },
];

/**
 * The column `--quick` measures in each table: the paper's x1 / c=64-class setups, one per table,
 * picked where channel counts are moderate (a run takes milliseconds) and, for Tables 3 and 4, where
 * the paper has both a GPU and an ARM figure.
 */
export const QUICK_COLUMNS: Readonly<Record<PaperTable, string>> = { 1: 'GPU x1', 2: 'GPU x1', 3: 'c=128', 4: 'c=64' };

function str(v: number | string | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: number | string | undefined): number | null {
  return typeof v === 'number' ? v : null;
}

/** Numeric order for `c=N` labels; first-seen order otherwise (GPU x1, x2, x4, then ARM/CPU). */
function columnKey(name: string, seen: number): number {
  const m = /^c=(\d+)$/.exec(name);
  return m ? Number(m[1]) : seen;
}

/** Every column of `table`, read from the zoo's experiment models. */
export function paperColumns(table: PaperTable): PaperColumn[] {
  const byColumn = new Map<string, PaperCell[]>();
  for (const entry of listZoo()) {
    if (entry.family !== `experiment_g${table}`) continue;
    const pm = entry.paperMeasurements ?? {};
    const row = str(pm[`snv2.table${table}.row`]);
    const column =
      str(pm[`snv2.table${table}.column`]) ??
      str(pm[`snv2.table${table}.gpu.column`]) ??
      str(pm[`snv2.table${table}.arm.column`]);
    if (row === undefined || column === undefined) continue;
    const cells = byColumn.get(column) ?? [];
    cells.push({
      row,
      zooName: entry.name,
      paperGpu: num(pm[`snv2.table${table}.gpu.batches_per_s`]),
      paperArm: num(pm[`snv2.table${table}.arm.images_per_s`]),
    });
    byColumn.set(column, cells);
  }
  return [...byColumn.entries()]
    .map(([name, cells], i) => ({ name, cells, key: columnKey(name, i) }))
    .sort((a, b) => a.key - b.key)
    .map(({ name, cells }) => ({ table, name, cells }));
}

/** The columns to measure: all of them, or the quick one of each table. */
export function selectColumns(quick: boolean): PaperColumn[] {
  const tables: PaperTable[] = [1, 2, 3, 4];
  return tables.flatMap((t) => paperColumns(t).filter((c) => !quick || c.name === QUICK_COLUMNS[t]));
}

/** The reference networks measured beside the tables (the paper's Table 8 point: FLOPs are not speed). */
export const REFERENCE_MODELS: readonly string[] = [
  'shufflenet_v1_g3',
  'shufflenet_v2_x1_0',
  'mobilenet_v2',
  'efficientnet_b0',
  'resnet50',
];
