import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analyzers/analyze.js';
import { analyzeModel } from '../../src/analyzers/analyze.js';
import { analyzeStructure } from '../../src/analyzers/structure.js';
import { analyzeFile } from '../../src/api.js';
import { loadModelBytes } from '../../src/model/load.js';
import { counterfactualVerdict, perCopyMs } from '../../src/profile/confirm-findings.js';
import type { CounterfactualSpec, CounterfactualUnavailable } from '../../src/profile/counterfactual.js';
import { balancedWidths, buildCounterfactualPair, counterfactualFor } from '../../src/profile/counterfactual.js';
import type { Finding } from '../../src/rules/lint.js';
import { lintAnalysis } from '../../src/rules/lint.js';
import { at } from '../../src/util/at.js';
import { GraphBuilder } from '../../src/zoo/builder.js';

/** The first finding of `ruleId`/`messageId` on `node` (any node when omitted). */
function findingOf(
  analysis: Analysis,
  ruleId: string,
  messageId: string,
  node?: string,
  runtime: 'none' | 'onnxruntime-cpu' = 'onnxruntime-cpu',
): Finding {
  const f = lintAnalysis(analysis, { runtime, nchwcBlock: 8 }).findings.find(
    (x) => x.ruleId === ruleId && x.messageId === messageId && (node === undefined || x.node === node),
  );
  if (!f) throw new Error(`no ${ruleId}/${messageId} finding${node ? ` on ${node}` : ''}`);
  return f;
}

function spec(analysis: Analysis, f: Finding): CounterfactualSpec {
  const s = counterfactualFor(f, analysis, analyzeStructure(analysis), { channelAlign: 8 });
  if ('unavailable' in s) throw new Error(s.unavailable);
  return s;
}

/** Op types of a built model's nodes, counted. */
function ops(model: Uint8Array): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of analyzeModel(loadModelBytes(model)).layers) out[l.opType] = (out[l.opType] ?? 0) + 1;
  return out;
}

const within = (a: number, b: number, tolerance: number): boolean => Math.abs(a / b - 1) <= tolerance;

describe('counterfactual models', () => {
  it('G2: the grouped conv of exp_g2_g8 against g=1 with c_out/g channels on the same input (equal FLOPs)', () => {
    const a = analyzeFile('zoo:exp_g2_g8');
    const s = spec(a, findingOf(a, 'G2', 'groupConvolution', 'layer3.conv'));
    const p = buildCounterfactualPair(s, 3);
    // 1x1, 360 -> 360, g = 8 at 56x56: 3136 * 360 * 360 / 8 = 50,803,200; dense 360 -> 45: the same.
    expect(p.original.flopsPerCopy).toBe(50_803_200);
    expect(p.replacement.flopsPerCopy).toBe(50_803_200);
    expect(p.original.inputs).toEqual([{ name: 'in.x', dtype: 'float32', dims: [1, 360, 56, 56], intRange: 1 }]);
    expect(p.replacement.inputs).toEqual(p.original.inputs);
    expect(p.original.outputShape).toEqual([1, 360, 56, 56]);
    expect(p.replacement.outputShape).toEqual([1, 45, 56, 56]);
    expect(s.original.text).toBe('1x1 conv 360->360 g=8 on 1x360x56x56');
    expect(s.replacement.text).toBe('1x1 conv 360->45 (dense, equal FLOPs)');
    // 3 copies, each with its one-element tail; the single-copy models have one.
    expect(ops(p.original.model)).toEqual({ Conv: 3, MaxPool: 3, Slice: 3 });
    expect(ops(p.originalOne.model)).toEqual({ Conv: 1, MaxPool: 1, Slice: 1 });
    // Every layer of exp_g2_g8 has the same shapes: one pair serves all ten findings.
    expect(spec(a, findingOf(a, 'G2', 'groupConvolution', 'layer7.conv')).key).toBe(s.key);
  });

  it('G1: balanced widths at equal FLOPs, on multiples of 8 when the original widths are', () => {
    // 16 -> 96 at equal pixels: c1*c2 = 1536; multiples of 8 with that product: 24x64, 32x48, 48x32;
    // 32 -> 48 is the most balanced (ties with 48 -> 32 go to the first).
    expect(balancedWidths(16, 96, 3136, 3136, 1, 8)).toEqual({ cIn: 32, cOut: 48 });
    // 432 -> 36 (36 is not a multiple of 8): 124 * 125 = 15,500, 0.33% under 15,552.
    expect(balancedWidths(432, 36, 3136, 3136, 1, 8)).toEqual({ cIn: 124, cOut: 125 });
    // Stride 2 (pixels 4:1): the bound wants pixelsIn*c1 = pixelsOut*c2, i.e. c2 = 4*c1.
    expect(balancedWidths(64, 64, 3136, 784, 1, 8)).toEqual({ cIn: 32, cOut: 128 });

    const a = analyzeFile('zoo:exp_g4_relu_on_shortcut_on');
    const s = spec(a, findingOf(a, 'G1', 'unbalancedChannels', 'unit2.conv1'));
    const p = buildCounterfactualPair(s, 2);
    // 1x1 64 -> 16 at 56x56: 3136 * 64 * 16 = 3,211,264; balanced 32 -> 32: 3136 * 1024, the same.
    expect(p.original.flopsPerCopy).toBe(3_211_264);
    expect(p.replacement.flopsPerCopy).toBe(3_211_264);
    expect(at(p.original.inputs, 0).dims).toEqual([1, 64, 56, 56]);
    expect(at(p.replacement.inputs, 0).dims).toEqual([1, 32, 56, 56]);
    expect(p.replacement.outputShape).toEqual([1, 32, 56, 56]);

    const g1 = analyzeFile('zoo:exp_g1_1to12_gpu_x1');
    const q = buildCounterfactualPair(spec(g1, findingOf(g1, 'G1', 'unbalancedChannels', 'block1.conv2')), 2);
    // 432 -> 36: 3136 * 15,552 = 48,771,072; 124 -> 125: 3136 * 15,500 = 48,608,000 (-0.33%).
    expect(q.original.flopsPerCopy).toBe(48_771_072);
    expect(q.replacement.flopsPerCopy).toBe(48_608_000);
    expect(within(q.original.flopsPerCopy, q.replacement.flopsPerCopy, 0.02)).toBe(true);
  });

  it('G3: the parallel block re-created from its entry against one merged conv of equal FLOPs', () => {
    const a = analyzeFile('zoo:exp_g3_4frag_parallel');
    const f = findingOf(a, 'G3', 'parallelBranches', 'block2.branch1.conv');
    const s = spec(a, f);
    const p = buildCounterfactualPair(s, 2);
    // 4 branches of 1x1 128 -> 32 at 56x56 and a Concat: 4 * 3136 * 128 * 32 = 51,380,224 = one 1x1 128 -> 128.
    expect(p.original.flopsPerCopy).toBe(51_380_224);
    expect(p.replacement.flopsPerCopy).toBe(51_380_224);
    expect(p.original.outputShape).toEqual([1, 128, 56, 56]);
    expect(p.replacement.outputShape).toEqual([1, 128, 56, 56]);
    expect(ops(p.originalOne.model)).toEqual({ Conv: 4, Concat: 1, MaxPool: 1, Slice: 1 });
    expect(ops(p.replacementOne.model)).toEqual({ Conv: 1, MaxPool: 1, Slice: 1 });
    expect(s.replacement.text).toBe('1x1 conv 128->128 on 1x128x56x56 (merged, equal FLOPs)');
  });

  it('G4: the producer conv with and without the element-wise layer (the Add keeps its shortcut operand)', () => {
    const a = analyzeFile('zoo:exp_g4_relu_on_shortcut_on');
    const s = spec(a, findingOf(a, 'G4', 'heavyElementwise', 'unit1.add'));
    expect([s.kind, s.confirmation]).toEqual(['op-removed', 'removed-elementwise']);
    expect(s.removedOps).toBe('Add');
    const p = buildCounterfactualPair(s, 2);
    // conv3 1x1 16 -> 64 at 56x56 = 3,211,264, plus the Add: 64 * 3136 = 200,704.
    expect(p.original.flopsPerCopy).toBe(3_211_264 + 200_704);
    expect(p.replacement.flopsPerCopy).toBe(3_211_264);
    expect(p.original.inputs.map((i) => i.dims)).toEqual([
      [1, 16, 56, 56],
      [1, 64, 56, 56],
    ]);
    expect(p.replacement.inputs.map((i) => i.dims)).toEqual([[1, 16, 56, 56]]);
    expect(ops(p.originalOne.model)).toEqual({ Conv: 1, Add: 1, MaxPool: 1, Slice: 1 });
    expect(ops(p.replacementOne.model)).toEqual({ Conv: 1, MaxPool: 1, Slice: 1 });

    // A depthwise conv (element-wise for G4) behind conv + BN + ReLU6: the whole producer path is re-created.
    const m = analyzeFile('zoo:mobilenet_v2');
    const dw = spec(m, findingOf(m, 'G4', 'heavyElementwise', 'block3.dw.conv'));
    expect(dw.removedOps).toBe('depthwise Conv');
    expect(dw.original.text).toBe('Conv+BatchNormalization+Clip + depthwise Conv on 1x24x56x56');
    const dp = buildCounterfactualPair(dw, 2);
    // block3: expand 1x1 24 -> 144 at 56x56 (10,838,016) + BN + Clip, then 3x3 depthwise 144 at 56x56 (4,064,256).
    const expand = 3136 * 24 * 144;
    expect(dp.replacement.flopsPerCopy - dp.original.flopsPerCopy).toBe(-3136 * 144 * 9);
    expect(dp.replacement.flopsPerCopy).toBeGreaterThanOrEqual(expand);
  });

  it('G4 behind a SiLU: the Sigmoid and the Mul are re-created with the producer conv; a fused SiLU kernel is removed whole', () => {
    const a = analyzeFile('zoo:efficientnet_b0');
    const structure = analyzeStructure(a);
    const dw = counterfactualFor(
      {
        ruleId: 'G4',
        messageId: 'heavyElementwise',
        node: 'stage2.block1.dw.conv',
        confirmation: 'removed-elementwise',
      },
      a,
      structure,
    ) as CounterfactualSpec;
    expect(dw.original.text).toBe('Conv+BatchNormalization+Sigmoid+Mul + depthwise Conv on 1x16x112x112');
    expect(dw.replacement.text).toBe('Conv+BatchNormalization+Sigmoid+Mul without the depthwise Conv');
    const silu = counterfactualFor(
      {
        ruleId: 'G4',
        messageId: 'heavyElementwise',
        node: 'stage2.block1.expand.silu.mul',
        confirmation: 'removed-elementwise',
      },
      a,
      structure,
      { kernelNodes: ['stage2.block1.expand.silu.sigmoid', 'stage2.block1.expand.silu.mul'] },
    ) as CounterfactualSpec;
    expect(silu.removedOps).toBe('Sigmoid+Mul');
    expect(silu.original.text).toBe('Conv+BatchNormalization + Sigmoid+Mul on 1x16x112x112');
    const p = buildCounterfactualPair(silu, 2);
    expect(ops(p.originalOne.model)).toEqual({
      Conv: 1,
      BatchNormalization: 1,
      Sigmoid: 1,
      Mul: 1,
      MaxPool: 1,
      Slice: 1,
    });
    expect(ops(p.replacementOne.model)).toEqual({ Conv: 1, BatchNormalization: 1, MaxPool: 1, Slice: 1 });
    // expand 1x1 16 -> 96 at 112x112: 12544 * 16 * 96 = 19,267,584 multiply-adds in both.
    expect(p.replacement.flopsPerCopy).toBeGreaterThanOrEqual(19_267_584);
    expect(p.original.flopsPerCopy).toBeGreaterThan(p.replacement.flopsPerCopy);
  });

  it('E101: conv + BatchNormalization against the conv with the BN folded into a bias', () => {
    const b = new GraphBuilder({ name: 'bn' });
    const x = b.input('input', [1, 16, 28, 28]);
    const y = b.relu(b.batchNorm(b.conv(x, { name: 'conv', outChannels: 32, kernel: 3 }), { name: 'bn' }), 'relu');
    b.output(b.conv(y, { name: 'head', outChannels: 8, kernel: 1 }), 'out');
    const a = analyzeModel(loadModelBytes(b.toBytes(), { path: 'bn.onnx' }));
    const s = spec(a, findingOf(a, 'E101', 'foldableBatchNorm', 'bn', 'none'));
    const p = buildCounterfactualPair(s, 2);
    expect(ops(p.originalOne.model)).toEqual({ Conv: 1, BatchNormalization: 1, MaxPool: 1, Slice: 1 });
    expect(ops(p.replacementOne.model)).toEqual({ Conv: 1, MaxPool: 1, Slice: 1 });
    expect(p.original.outputShape).toEqual([1, 32, 28, 28]);
    expect(p.replacement.outputShape).toEqual([1, 32, 28, 28]);
    // 3x3 16 -> 32 at 28x28: 784 * 32 * 144 = 3,612,672 multiply-adds in both.
    expect(p.original.flopsPerCopy).toBeGreaterThanOrEqual(3_612_672);
    expect(p.replacement.flopsPerCopy).toBeGreaterThanOrEqual(3_612_672);
  });

  it('says why when there is no counterfactual', () => {
    const a = analyzeFile('zoo:exp_g4_relu_on_shortcut_on');
    const structure = analyzeStructure(a);
    const why = (f: Parameters<typeof counterfactualFor>[0]): string =>
      (counterfactualFor(f, a, structure) as CounterfactualUnavailable).unavailable;
    // The procedure follows the kind the finding's rule declares; without one there is nothing to build.
    expect(why({ ruleId: 'E103', messageId: 'channelShuffle', node: 'unit1.add' })).toBe(
      "this rule declares no measurement check for its 'channelShuffle' findings",
    );
    expect(
      why({ ruleId: 'G4', messageId: 'elementwiseShare', node: null, confirmation: 'elementwise-time-share' }),
    ).toBe('the elementwise-time-share check is decided from the measured model, not by a pair of its own');
    expect(why({ ruleId: 'G2', messageId: 'groupConvolution', node: 'unit1.conv1', confirmation: 'dense-conv' })).toBe(
      'unit1.conv1 is not a group convolution',
    );
    expect(
      why({ ruleId: 'G4', messageId: 'heavyElementwise', node: 'unit1.conv1', confirmation: 'removed-elementwise' }),
    ).toMatch(/is not element-wise under efflint's definition/);
    // A ReLU on the model input has no producer conv.
    const b = new GraphBuilder({ name: 'input-relu' });
    b.output(
      b.conv(b.relu(b.input('input', [1, 8, 16, 16]), 'relu'), { name: 'conv', outChannels: 8, kernel: 3 }),
      'out',
    );
    const r = analyzeModel(loadModelBytes(b.toBytes()));
    expect(
      (
        counterfactualFor(
          { ruleId: 'G4', messageId: 'heavyElementwise', node: 'relu', confirmation: 'removed-elementwise' },
          r,
          analyzeStructure(r),
        ) as CounterfactualUnavailable
      ).unavailable,
    ).toBe('no convolution produces the input of relu (the pair is its producer conv with and without the op)');
    expect(
      why({
        ruleId: 'G3',
        messageId: 'parallelBranches',
        node: 'unit1.conv1',
        data: { entry: 'nope', exit: 'nope' },
        confirmation: 'merged-block',
      }),
    ).toMatch(/not found/);
  });
});

describe('the confirmation rule', () => {
  it('confirms when the original is slower by more than max(5%, 2 x the interquartile range of the block ratios)', () => {
    const v = counterfactualVerdict([1.3, 1.32, 1.29, 1.31, 1.3], [1, 1, 1, 1, 1]);
    expect(v).toMatchObject({ confirmed: true, margin: 0.05 });
    expect(v?.ratio).toBeCloseTo(1.3, 9);
    // 4% slower: under the 5% floor of the margin.
    expect(counterfactualVerdict([1.04, 1.04, 1.04], [1, 1, 1])?.confirmed).toBe(false);
    // 20% slower, but blocks between 1.0 and 1.5: IQR 0.2 (linear), margin 40%.
    const noisy = counterfactualVerdict([1.0, 1.1, 1.2, 1.3, 1.5], [1, 1, 1, 1, 1]);
    expect(noisy?.confirmed).toBe(false);
    expect(noisy?.spread).toBeCloseTo(0.2, 9);
    expect(noisy?.margin).toBeCloseTo(0.4, 9);
    // Faster original: not confirmed.
    expect(counterfactualVerdict([0.8, 0.8, 0.8], [1, 1, 1])?.confirmed).toBe(false);
    // A block whose per-copy time is not positive: no verdict.
    expect(counterfactualVerdict([1, -0.1, 1], [1, 1, 1])).toBeNull();
  });

  it('takes the time of one copy from runs with N copies and runs with one', () => {
    // 4 copies at 0.4 ms each over a fixed 0 ms (block 1) and 0.1 ms (block 2) per run: (1.6 - 0.4) / 3, (1.7 - 0.5) / 3.
    const t = perCopyMs([0.4, 0.5], [1.6, 1.7], 4);
    expect(t).toHaveLength(2);
    for (const x of t) expect(x).toBeCloseTo(0.4, 12);
  });
});
