import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../src/api.js';
import { at } from '../../src/util/at.js';

/**
 * `efflint analyze zoo:NAME` against published figures (../shared/reference/paper-facts.md):
 * parameters exactly as torchvision's num_params (Megvii's for ShuffleNet V1), and conv+gemm
 * multiply-adds within 2% of the published FLOPs.
 */
interface Published {
  name: string;
  params?: number;
  /** Published multiply-adds (paper or torchvision `_ops`). */
  flops: number;
}

const PUBLISHED: Published[] = [
  { name: 'shufflenet_v2_x0_5', params: 1_366_792, flops: 41e6 },
  { name: 'shufflenet_v2_x1_0', params: 2_278_604, flops: 146e6 },
  { name: 'shufflenet_v2_x1_5', params: 3_503_624, flops: 299e6 },
  { name: 'shufflenet_v2_x2_0', params: 7_393_996, flops: 591e6 },
  { name: 'shufflenet_v1_g1', flops: 143e6 },
  { name: 'shufflenet_v1_g2', flops: 140e6 },
  { name: 'shufflenet_v1_g3', flops: 137e6 },
  { name: 'shufflenet_v1_g4', flops: 133e6 },
  { name: 'shufflenet_v1_g8', flops: 137e6 },
  { name: 'shufflenet_v1_g3_x0_5', params: 717_324, flops: 38e6 },
  { name: 'shufflenet_v1_g3_x2_0', params: 5_449_776, flops: 524e6 },
  { name: 'mobilenet_v2', params: 3_504_872, flops: 300e6 },
  { name: 'efficientnet_b0', params: 5_288_548, flops: 0.39e9 },
  { name: 'efficientnet_b1', params: 7_794_184, flops: 0.7e9 },
  { name: 'efficientnet_b2', params: 9_109_994, flops: 1.0e9 },
  { name: 'efficientnet_b3', params: 12_233_232, flops: 1.8e9 },
  { name: 'efficientnet_b4', params: 19_341_616, flops: 4.4e9 },
  { name: 'efficientnet_b5', params: 30_389_784, flops: 10.3e9 },
  { name: 'efficientnet_b6', params: 43_040_704, flops: 19.1e9 },
  { name: 'efficientnet_b7', params: 66_347_960, flops: 37.7e9 },
  { name: 'efficientnet_v2_s', params: 21_458_488, flops: 8.4e9 },
  { name: 'efficientnet_v2_m', params: 54_139_356, flops: 24.58e9 },
  { name: 'resnet50', params: 25_557_032, flops: 4.09e9 },
];

describe('zoo models match published parameter counts and FLOPs', () => {
  for (const p of PUBLISHED) {
    // Built with zero weights (same graph): every model, B7 at 600x600 included, analyses in well under a second.
    it(`zoo:${p.name}`, () => {
      const a = analyzeFile(`zoo:${p.name}`, { zoo: { weights: false } });
      if (p.params !== undefined) expect(a.totals.params).toBe(p.params);
      const convGemm = a.layers
        .filter((l) => l.category === 'conv' || l.category === 'gemm')
        .reduce((s, l) => s + (l.flops ?? 0), 0);
      expect(Math.abs(convGemm - p.flops) / p.flops).toBeLessThan(0.02);
      expect(a.totals.unknownCostLayers).toEqual([]);
      expect(at(a.outputs, 0).shape).toEqual([1, 1000]);
    });
  }
});
