import { describe, expect, it } from 'vitest';
import { analyzeFile } from '../../src/api.js';
import { lintAnalysis } from '../../src/rules/lint.js';
import { listZoo } from '../../src/zoo/index.js';

/**
 * The acceptance test of the rules: ShuffleNet V2 §3 says which guidelines each network breaks
 * (../shared/reference/paper-facts.md §1.7), and Tables 1-4 say which setups are slow. Every model is
 * linted in its deploy form (BN folded, as exporters emit in eval mode) at default settings for the
 * default runtime (onnxruntime CPU), with both NCHWc block sizes onnxruntime uses on x86 (8: AVX2,
 * 16: AVX-512), so the verdicts do not depend on the machine the test runs on.
 */
type Guideline = 'G1' | 'G2' | 'G3' | 'G4';
const GUIDELINES: readonly Guideline[] = ['G1', 'G2', 'G3', 'G4'];

function firingGuidelines(model: string, nchwcBlock: number): Guideline[] {
  const analysis = analyzeFile(`zoo:${model}`, { zoo: { deploy: true, weights: false } });
  const { findings } = lintAnalysis(analysis, { nchwcBlock });
  return GUIDELINES.filter((g) => findings.some((f) => f.ruleId === g && f.severity === 'warn'));
}

/** Reference networks: exactly these guidelines fire (the paper's §3 verdicts). */
const NETWORKS: readonly { model: string; fire: readonly Guideline[]; why: string }[] = [
  {
    model: 'shufflenet_v1_g3',
    fire: ['G1', 'G2', 'G4'],
    why: 'group convs (G2), bottlenecks (G1), the shortcut Add (G4)',
  },
  {
    model: 'shufflenet_v1_g8',
    fire: ['G1', 'G2', 'G4'],
    why: 'group convs (G2), bottlenecks (G1), the shortcut Add (G4)',
  },
  {
    model: 'mobilenet_v2',
    fire: ['G1', 'G4'],
    why: 'inverted bottleneck (G1); depthwise convs and ReLUs on thick maps (G4)',
  },
  {
    model: 'efficientnet_b0',
    fire: ['G1', 'G4'],
    why: 'inverted bottleneck (G1); depthwise convs and activations on thick maps (G4)',
  },
  ...['x0_5', 'x1_0', 'x1_5', 'x2_0'].map((w) => ({
    model: `shufflenet_v2_${w}`,
    fire: [] as Guideline[],
    why: 'designed to follow all four guidelines',
  })),
];

/** Guideline experiments (Tables 1-4, every column): the named guideline fires, or does not. */
const EXPERIMENTS: readonly { prefix: string; guideline: Guideline; fires: boolean; why: string }[] = [
  { prefix: 'exp_g1_1to1_', guideline: 'G1', fires: false, why: 'Table 1 baseline' },
  { prefix: 'exp_g1_1to6_', guideline: 'G1', fires: true, why: 'Table 1: 0.59-0.91 of 1:1 speed' },
  { prefix: 'exp_g1_1to12_', guideline: 'G1', fires: true, why: 'Table 1: 0.51-0.83 of 1:1 speed' },
  // Decision (docs/rules/G1.md): 1:2 is 5.9% above the MAC bound, 0.81-0.96 of 1:1 speed: not flagged.
  { prefix: 'exp_g1_1to2_', guideline: 'G1', fires: false, why: 'decision: 1:2 is within the excess threshold' },
  { prefix: 'exp_g2_g1', guideline: 'G2', fires: false, why: 'Table 2 baseline' },
  { prefix: 'exp_g2_g8', guideline: 'G2', fires: true, why: 'Table 2: 0.26-0.78 of g=1 speed' },
  // Decision (docs/rules/G2.md): g=2 and g=4 are slower on both of the paper's devices (0.42-0.94).
  { prefix: 'exp_g2_g2', guideline: 'G2', fires: true, why: 'decision: g=2 is 0.68-0.96 of g=1 speed' },
  { prefix: 'exp_g2_g4', guideline: 'G2', fires: true, why: 'decision: g=4 is 0.42-0.91 of g=1 speed' },
  { prefix: 'exp_g3_1frag', guideline: 'G3', fires: false, why: 'Table 3 baseline' },
  { prefix: 'exp_g3_4frag_parallel', guideline: 'G3', fires: true, why: 'Table 3: 0.28-0.91 of 1-fragment speed' },
  // Decision (docs/rules/G3.md): series fragments are flat on ARM (0.95-1.0) and on this CPU.
  {
    prefix: 'exp_g3_4frag_series',
    guideline: 'G3',
    fires: false,
    why: 'decision: series fragments are not fragmentation',
  },
  { prefix: 'exp_g4_relu_on_shortcut_on', guideline: 'G4', fires: true, why: 'Table 4: removing both gives +8-24%' },
  { prefix: 'exp_g4_relu_off_shortcut_off', guideline: 'G4', fires: false, why: 'Table 4 fastest row' },
];

describe("the paper's verdicts (ShuffleNet V2 §3, deploy form, default settings)", () => {
  for (const nchwcBlock of [8, 16]) {
    describe(`onnxruntime CPU, NCHWc block ${nchwcBlock}`, () => {
      for (const n of NETWORKS) {
        it(`${n.model}: ${n.fire.length ? n.fire.join(', ') : 'no G1-G4 warning'} (${n.why})`, () => {
          expect(firingGuidelines(n.model, nchwcBlock)).toEqual(n.fire);
        });
      }
      for (const e of EXPERIMENTS) {
        const models = listZoo()
          .map((z) => z.name)
          .filter((name) => name.startsWith(e.prefix));
        it(`${e.prefix}*: ${e.guideline} ${e.fires ? 'fires' : 'does not fire'} (${e.why}; ${models.length} setups)`, () => {
          expect(models.length).toBeGreaterThan(0);
          const wrong = models.filter((m) => firingGuidelines(m, nchwcBlock).includes(e.guideline) !== e.fires);
          expect(wrong).toEqual([]);
        });
      }
    });
  }
});
