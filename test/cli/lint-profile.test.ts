import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('efflint lint --profile (spawned CLI, real onnxruntime-node)', () => {
  it('confirms findings by counterfactual pairs: the shortcut Add of a bottleneck costs real time on this CPU', () => {
    // One pair is measured (the largest estimated impact: the ten identically shaped Adds share it).
    const r = runCli(
      ['lint', 'zoo:exp_g4_relu_on_shortcut_on', '--profile', '--runs', '3', '--confirm-top', '1', '--format', 'json'],
      { timeoutMs: 120_000 },
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const findings = doc.results[0].findings as {
      ruleId: string;
      messageId: string;
      node: string | null;
      confirmed: boolean | null;
      evidence: string;
      message: string;
      metrics: Record<string, number>;
    }[];
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect([true, false, null]).toContain(f.confirmed);
      expect(f.evidence).toMatch(/CPUExecutionProvider/);
      expect(f.message).toContain('Measured: ');
    }
    // conv3 1x1 16->64 + Add against conv3 alone: in the model and in the pair the Add runs outside
    // onnxruntime's NCHWc conv, with layout conversions around it (measured 1.4-2.8x here).
    // An Add whose profiled time came out under the floor (1% of the model) is null, and says so.
    const adds = findings.filter((f) => f.ruleId === 'G4' && f.messageId === 'heavyElementwise');
    const measured = adds.filter((f) => !f.evidence.startsWith('below the floor: '));
    expect(measured.length).toBeGreaterThan(0);
    for (const f of measured) {
      expect([f.confirmed, f.evidence]).toEqual([
        true,
        expect.stringMatching(/^counterfactual Conv \+ Add on 1x16x56x56 vs Conv without the Add: /),
      ]);
      expect(f.metrics.measuredRatio).toBeGreaterThan(1.05);
      expect(f.metrics.measuredSpread).toBeGreaterThanOrEqual(0);
    }
    // The model-level G4 finding rests on them and on the measured time share of element-wise kernels.
    const model = findings.find((f) => f.ruleId === 'G4' && f.node === null && f.messageId === 'elementwiseShare');
    expect(model?.confirmed).toBe(true);
    expect(model?.evidence).toMatch(
      /^element-wise kernels \(depthwise convs included\) take \d+% of measured time; \d+ of \d+ node-level G4 counterfactuals confirmed/,
    );
    // The G1 pairs were not among the top 1.
    for (const f of findings.filter((x) => x.ruleId === 'G1'))
      expect([f.confirmed, f.evidence]).toEqual([
        null,
        expect.stringMatching(/^not measured: beyond the 1 counterfactual pairs measured per model \(--confirm-top\)/),
      ]);
  });

  it('prints a measured column in text output', () => {
    const r = runCli(['lint', 'zoo:exp_g4_relu_on_shortcut_on', '--profile', '--runs', '2', '--confirm-top', '1'], {
      timeoutMs: 120_000,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ (confirmed|not confirmed|not measured) /);
    expect(r.stdout).toMatch(/; \d+ of \d+ confirmed by measured time\n/);
  });

  it('lints the graph onnxruntime ran: its optimized graph is the plan, and findings on layers it fused are not warnings', () => {
    // A small ShuffleNet v1 (41M FLOPs, ~1 s measured): every BatchNormalization follows a Conv, and
    // onnxruntime folds them all; on the raw graph (--runtime none) E101 warns about each.
    interface JsonFinding {
      ruleId: string;
      messageId: string;
      severity: string;
      node: string | null;
      fixedByRuntime: boolean;
      impact: { estimatedUs: number; share: number };
      confirmed?: boolean | null;
      evidence?: string;
    }
    const model = 'zoo:shufflenet_v1_g3_x0_5';
    // --confirm-top 0: no counterfactual pairs; fused and folded layers are null all the same.
    const r = runCli(
      ['lint', model, '--profile', '--runs', '2', '--warmup', '1', '--confirm-top', '0', '--format', 'json'],
      { timeoutMs: 120_000 },
    );
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout).results[0];
    expect(result.target).toMatchObject({ runtime: 'onnxruntime-cpu', planSource: 'onnxruntime-optimized-graph' });
    expect(result.target.fusedLayers).toBeGreaterThan(0);
    expect(result.target.modelEstimatedUs).toBeGreaterThan(0);
    const findings = result.findings as JsonFinding[];
    // Real onnxruntime ran: every finding carries measured evidence.
    for (const f of findings) {
      expect([true, false, null]).toContain(f.confirmed);
      expect(f.evidence).toMatch(/CPUExecutionProvider/);
    }
    // Layers onnxruntime fused (so said by its own optimized graph) get no warning, cost nothing, and
    // have nothing of their own to measure (confirmed null, with the reason).
    const fused = findings.filter((f) => f.fixedByRuntime);
    expect(fused.length).toBeGreaterThan(0);
    for (const f of fused) {
      expect([f.severity, f.impact.estimatedUs, f.confirmed]).toEqual(['info', 0, null]);
      expect(f.evidence).toMatch(/runtime already removes this work/);
    }
    // The same BatchNormalizations are warnings on the raw graph.
    const raw = runCli(['lint', model, '--runtime', 'none', '--format', 'json']);
    expect(raw.code).toBe(0);
    const rawBn = (JSON.parse(raw.stdout).results[0].findings as JsonFinding[]).filter((f) => f.ruleId === 'E101');
    expect(rawBn.length).toBeGreaterThan(0);
    expect(rawBn.every((f) => f.severity === 'warn' && f.messageId === 'foldableBatchNorm' && !f.fixedByRuntime)).toBe(
      true,
    );
    const measuredBn = findings.filter((f) => f.ruleId === 'E101');
    expect(measuredBn.map((f) => f.node).sort()).toEqual(rawBn.map((f) => f.node).sort());
    // Folded away, a BatchNormalization has no time of its own to confirm or refute the finding with.
    for (const f of measuredBn)
      expect([f.messageId, f.severity, f.fixedByRuntime, f.confirmed]).toEqual(['foldedByRuntime', 'info', true, null]);
  });
});
