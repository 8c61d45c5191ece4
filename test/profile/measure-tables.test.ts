import { describe, expect, it } from 'vitest';
import { columnConfounders, kernelChoice, misalignedChannels } from '../../src/profile/measure/confounders.js';
import type { ConfounderInput } from '../../src/profile/measure/confounders.js';
import { GUIDELINES, QUICK_COLUMNS, paperColumns, selectColumns } from '../../src/profile/measure/paper-tables.js';

describe("the paper's tables from the zoo", () => {
  it('has every column of Tables 1-4 in the paper order', () => {
    expect(paperColumns(1).map((c) => c.name)).toEqual(['GPU x1', 'GPU x2', 'GPU x4', 'ARM x1', 'ARM x2', 'ARM x4']);
    expect(paperColumns(2).map((c) => c.name)).toEqual(['GPU x1', 'GPU x2', 'GPU x4', 'CPU x1', 'CPU x2', 'CPU x4']);
    expect(paperColumns(3).map((c) => c.name)).toEqual(['c=64', 'c=128', 'c=256', 'c=512']);
    expect(paperColumns(4).map((c) => c.name)).toEqual(['c=32', 'c=64', 'c=128']);
  });

  it('every guideline row exists once in every column of its table', () => {
    for (const g of GUIDELINES) {
      for (const column of paperColumns(g.table)) {
        for (const row of g.rows)
          expect(
            column.cells.filter((c) => c.row === row),
            `${g.id} ${column.name} ${row}`,
          ).toHaveLength(1);
      }
    }
  });

  it("carries the paper's speeds (SNV2 Tables 2 and 3)", () => {
    const g2 = paperColumns(2).find((c) => c.name === 'GPU x1')!;
    expect(g2.cells.find((c) => c.row === 'g = 8')).toMatchObject({
      zooName: 'exp_g2_g8',
      paperGpu: 634,
      paperArm: null,
    });
    const g3 = paperColumns(3).find((c) => c.name === 'c=128')!;
    expect(g3.cells.find((c) => c.row === '4-fragment-parallel')).toMatchObject({ paperGpu: 691, paperArm: 8.4 });
  });

  it('--quick picks one column per table', () => {
    const quick = selectColumns(true);
    expect(quick.map((c) => [c.table, c.name])).toEqual(Object.entries(QUICK_COLUMNS).map(([t, n]) => [Number(t), n]));
    expect(selectColumns(false)).toHaveLength(19);
  });
});

describe('confounders', () => {
  it('names channel counts that miss the NCHWc block', () => {
    expect(misalignedChannels([45, 64, 90, 180], 16)).toEqual([45, 90, 180]);
    expect(misalignedChannels([90], null)).toEqual([]);
  });

  it("reads onnxruntime's kernel choice from the optimized graph's op counts", () => {
    expect(
      kernelChoice({
        Conv: 10,
        'com.microsoft.nchwc:Conv': 10,
        'com.microsoft.nchwc:ReorderInput': 10,
        'com.microsoft.nchwc:ReorderOutput': 10,
      }),
    ).toEqual({
      convs: 20,
      plainConvs: 10,
      reorders: 20,
    });
  });

  it('names setups whose kernels or FLOPs differ from the baseline row', () => {
    const base: ConfounderInput = {
      label: 'g = 1',
      column: 'GPU x1',
      flops: 100,
      channels: [128],
      grouped: false,
      kernels: { convs: 10, plainConvs: 0, reorders: 2 },
    };
    const same: ConfounderInput = { ...base, label: 'g = 4', flops: 101, channels: [64], grouped: true };
    const plain: ConfounderInput = {
      ...base,
      label: 'g = 8',
      flops: 104,
      channels: [45],
      grouped: true,
      kernels: { convs: 10, plainConvs: 10, reorders: 0 },
    };
    const out = columnConfounders([base, same, plain], 16);
    expect(out).toEqual([
      'GPU x1, g = 8: FLOPs +4.0% against the baseline row (the paper holds them equal)',
      'GPU x1, g = 8: 10 of 10 convs run without NCHWc blocked kernels, 0 layout reorders (baseline: 0 of 10, 2); channels per group 45 not multiples of 16',
    ]);
    // At opt level 'disabled' there is no kernel choice to compare.
    expect(
      columnConfounders(
        [
          { ...base, kernels: null },
          { ...plain, kernels: null },
        ],
        16,
      ),
    ).toHaveLength(1);
  });
});
