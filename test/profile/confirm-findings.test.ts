import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../../src/analyzers/analyze.js';
import { analyzeFile } from '../../src/api.js';
import { loadModelBytes } from '../../src/model/load.js';
import { confirmFindings } from '../../src/profile/confirm-findings.js';
import { profileModel } from '../../src/profile/profile.js';
import { lintAnalysis } from '../../src/rules/lint.js';
import { GraphBuilder } from '../../src/zoo/builder.js';

/**
 * Real onnxruntime, no mocks. Small measurement settings (3 blocks of 4 runs) keep each case to about
 * a second on a 2-core machine.
 */
const QUICK = { blocks: 3, runsPerBlock: 4, warmup: 1 } as const;

const dir = mkdtempSync(join(tmpdir(), 'efflint-confirm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('confirmFindings (counterfactual pairs, real onnxruntime)', () => {
  it('confirms G2 on exp_g2_g8: grouped 1x1 convs (g=8, 360 ch, 56x56) are slower than dense ones of equal FLOPs here', async () => {
    const analysis = analyzeFile('zoo:exp_g2_g8');
    const lint = lintAnalysis(analysis);
    const g2 = lint.findings.filter((f) => f.ruleId === 'G2');
    expect(g2).toHaveLength(10);
    const profile = await profileModel('zoo:exp_g2_g8', { threads: 1, warmup: 1, runs: 2 });
    // One pair serves all ten identically shaped layers.
    const progress: number[] = [];
    // The engine's default 5 blocks of 8 runs: the pair takes about 0.4 s.
    const confirmed = await confirmFindings(g2, analysis, profile, {
      top: 1,
      onProgress: (done) => progress.push(done),
    });
    for (const f of confirmed) {
      expect([f.confirmed, f.evidence]).toEqual([true, expect.any(String)]);
      const spread = f.metrics.measuredSpread;
      if (spread === undefined) throw new Error(`${f.node ?? '(model)'}: no measuredSpread metric`);
      expect(f.metrics.measuredRatio).toBeGreaterThan(1 + Math.max(0.05, 2 * spread));
      expect(f.evidence).toMatch(
        /^counterfactual 1x1 conv 360->360 g=8 on 1x360x56x56 vs 1x1 conv 360->45 \(dense, equal FLOPs\), 50\.8M vs 50\.8M multiply-adds: /,
      );
      expect(f.evidence).toMatch(
        /ratio \d\.\d\d \(block spread \d\.\d{3}, margin \d+(\.\d)?%\): the original is \d+(\.\d)?% slower, more than the margin \(CPUExecutionProvider, opt all, 1 thread, CPU time, 5 blocks of 8 runs\)$/,
      );
      expect(f.message).toContain('Measured: counterfactual');
    }
    expect(progress.length).toBeGreaterThan(0);
  });

  it('returns null with the reason for a ReLU onnxruntime fuses into its conv, and for a layer below the floor', async () => {
    // conv 3x3 64->64 at 112x112 (462M multiply-adds, about 4 ms; 1% of it is 40 µs) + ReLU (onnxruntime
    // fuses it at opt all), then a tiny grouped conv on the pooled 1x1 map (5-20 µs: below the floor).
    const b = new GraphBuilder({ name: 'fused-and-tiny' });
    const x = b.input('input', [1, 64, 112, 112]);
    const r = b.relu(b.conv(x, { name: 'conv', outChannels: 64, kernel: 3 }), 'relu');
    b.output(b.conv(b.globalAvgPool(r, 'gap'), { name: 'gconv', outChannels: 32, kernel: 1, group: 4 }), 'out');
    const path = join(dir, 'fused-and-tiny.onnx');
    writeFileSync(path, b.toBytes());
    const analysis = analyzeModel(loadModelBytes(b.toBytes(), { path }));
    // The raw graph (runtime none) has a G4 warning on the ReLU; onnxruntime's graph would not.
    const findings = lintAnalysis(analysis, { runtime: 'none' }).findings;
    const profile = await profileModel(path, { threads: 1, warmup: 1, runs: 5 });
    const confirmed = await confirmFindings(findings, analysis, profile, QUICK);
    const relu = confirmed.find((f) => f.ruleId === 'G4' && f.node === 'relu');
    expect(relu?.confirmed).toBeNull();
    expect(relu?.evidence, relu?.evidence).toMatch(
      /^onnxruntime fused it into kernel '.*' \(Conv\+Relu\); not separately measurable \(profile: CPUExecutionProvider, opt all\)$/,
    );
    const tiny = confirmed.find((f) => f.ruleId === 'G2' && f.node === 'gconv');
    expect([tiny?.confirmed, tiny?.evidence]).toEqual([
      null,
      expect.stringMatching(
        /^below the floor: \d+(\.\d)? µs, \d+(\.\d)?% of measured time \(floor: 20 µs and 1\.0%\); per-kernel overhead/,
      ),
    ]);
    expect(tiny?.metrics.measuredTimeSharePercent).toBeLessThan(1);
    // The whole-model G4 finding has no measured node-level counterfactual: null, with the time share.
    const model = confirmed.find((f) => f.ruleId === 'G4' && f.node === null);
    expect(model?.confirmed === null || model?.confirmed === false).toBe(true);
    expect(model?.evidence).toMatch(/^element-wise kernels \(depthwise convs included\) take \d/);
  });

  it('measures nothing with top 0, and nothing for a profile from another provider', async () => {
    const analysis = analyzeFile('zoo:exp_g2_g8');
    const findings = lintAnalysis(analysis).findings.slice(0, 2);
    const profile = await profileModel('zoo:exp_g2_g8', { threads: 1, warmup: 0, runs: 1 });
    const off = await confirmFindings(findings, analysis, profile, { top: 0 });
    expect(off.map((f) => [f.confirmed, f.evidence])).toEqual(
      findings.map(() => [
        null,
        'counterfactual confirmation is off (--confirm-top 0) (profile: CPUExecutionProvider, opt all)',
      ]),
    );
    const gpu = await confirmFindings(findings, analysis, { ...profile, ep: 'cuda' });
    for (const f of gpu)
      expect(f.evidence).toMatch(
        /^counterfactual pairs run on onnxruntime's CPU provider only; this profile ran on --ep cuda/,
      );
  });
});
