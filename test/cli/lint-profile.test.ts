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
});
