import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('efflint lint --profile (spawned CLI, real onnxruntime-node)', () => {
  it('marks each finding confirmed or not by measured time', () => {
    const r = runCli(['lint', 'zoo:exp_g4_relu_on_shortcut_on', '--profile', '--runs', '3', '--format', 'json'], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const findings = doc.results[0].findings as { ruleId: string; confirmed: boolean | null; evidence: string; message: string }[];
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) {
      expect([true, false, null]).toContain(f.confirmed);
      expect(f.evidence).toMatch(/CPUExecutionProvider/);
      expect(f.message).toContain('Measured: ');
    }
    // the model-level G4 finding carries the measured time share of element-wise ops
    const g4 = findings.find((f) => f.ruleId === 'G4');
    expect(g4?.evidence).toMatch(/%/);
  });

  it('prints a measured column in text output', () => {
    const r = runCli(['lint', 'zoo:exp_g4_relu_on_shortcut_on', '--profile', '--runs', '2'], { timeoutMs: 120_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ (confirmed|not confirmed|not measured) /);
    expect(r.stdout).toMatch(/; \d+ of \d+ confirmed by measured time\n/);
  });

  it("lints the graph onnxruntime ran: its optimized graph is the plan, and findings on layers it fused are not warnings", () => {
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
    const r = runCli(['lint', model, '--profile', '--runs', '2', '--warmup', '1', '--format', 'json'], { timeoutMs: 120_000 });
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
    expect(rawBn.every((f) => f.severity === 'warn' && f.messageId === 'foldableBatchNorm' && !f.fixedByRuntime)).toBe(true);
    const measuredBn = findings.filter((f) => f.ruleId === 'E101');
    expect(measuredBn.map((f) => f.node).sort()).toEqual(rawBn.map((f) => f.node).sort());
    // Folded away, a BatchNormalization has no time of its own to confirm or refute the finding with.
    for (const f of measuredBn) expect([f.messageId, f.severity, f.fixedByRuntime, f.confirmed]).toEqual(['foldedByRuntime', 'info', true, null]);
  });
});
