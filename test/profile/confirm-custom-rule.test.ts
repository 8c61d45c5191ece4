import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeModel } from '../../src/analyzers/analyze.js';
import { loadModelBytes } from '../../src/model/load.js';
import { confirmFindings } from '../../src/profile/confirm-findings.js';
import { profileModel } from '../../src/profile/profile.js';
import { defineRule } from '../../src/rules/define-rule.js';
import { lintAnalysis } from '../../src/rules/lint.js';
import { at } from '../../src/util/at.js';
import { GraphBuilder } from '../../src/zoo/builder.js';

const dir = mkdtempSync(join(tmpdir(), 'efflint-confirm-custom-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A rule of a user's own: every grouped conv, with the measurement check it asks for declared in its meta. */
const groupedConvs = defineRule<Record<string, never>, { groupedConv: { group: number } }>({
  meta: {
    id: 'E901',
    name: 'grouped-conv',
    category: 'extra',
    description: 'Convs with more than one group.',
    defaultSeverity: 'warn',
    options: {},
    messages: { groupedConv: 'conv with g={{group}}' },
    fix: 'use g=1 at equal FLOPs',
    confirmation: { groupedConv: 'dense-conv' },
  },
  check(context) {
    for (const layer of context.analysis.layers) {
      const group = layer.attributes.group;
      if (layer.opType === 'Conv' && typeof group === 'number' && group > 1)
        context.report({ node: layer, messageId: 'groupedConv', data: { group }, excessUs: 1 });
    }
  },
});

/** The same finding from a rule that declares no measurement check. */
const undeclared = defineRule<Record<string, never>, { anyConv: Record<string, never> }>({
  meta: {
    id: 'E902',
    name: 'any-conv',
    category: 'extra',
    description: 'Every conv.',
    defaultSeverity: 'info',
    options: {},
    messages: { anyConv: 'a conv' },
    fix: 'none',
  },
  check(context) {
    for (const layer of context.analysis.layers)
      if (layer.opType === 'Conv') context.report({ node: layer, messageId: 'anyConv', data: {}, excessUs: 0 });
  },
});

describe('confirmation declared by a rule, run by the profiler (real onnxruntime)', () => {
  it("confirms a custom rule's finding with the check its meta declares, and says when a rule declares none", async () => {
    // One 1x1 conv 360 -> 360, g = 8 at 56x56 (as each layer of zoo:exp_g2_g8): 3136 * 360 * 45 = 50,803,200
    // multiply-adds; dense-conv builds g = 1 with 360 / 8 = 45 outputs on the same input, the same FLOPs.
    const b = new GraphBuilder({ name: 'one-grouped-conv' });
    b.output(
      b.conv(b.input('input', [1, 360, 56, 56]), { name: 'gconv', outChannels: 360, kernel: 1, group: 8 }),
      'out',
    );
    const path = join(dir, 'one-grouped-conv.onnx');
    writeFileSync(path, b.toBytes());
    const analysis = analyzeModel(loadModelBytes(b.toBytes(), { path }));
    const { findings } = lintAnalysis(analysis, { ruleSet: [groupedConvs, undeclared] });
    expect(findings.map((f) => [f.ruleId, f.messageId, f.node, f.confirmation])).toEqual([
      ['E901', 'groupedConv', 'gconv', 'dense-conv'],
      ['E902', 'anyConv', 'gconv', undefined],
    ]);

    const profile = await profileModel(path, { threads: 1, warmup: 1, runs: 2 });
    const confirmed = await confirmFindings(findings, analysis, profile, {
      top: 1,
      blocks: 3,
      runsPerBlock: 4,
      warmup: 1,
    });
    expect(confirmed).toHaveLength(2);
    const declared = at(confirmed, 0);
    const none = at(confirmed, 1);

    // The pair was built and measured for E901 although src/profile names no such rule.
    expect(typeof declared.confirmed).toBe('boolean');
    expect(declared.evidence).toMatch(
      /^counterfactual 1x1 conv 360->360 g=8 on 1x360x56x56 vs 1x1 conv 360->45 \(dense, equal FLOPs\), 50\.8M vs 50\.8M multiply-adds: /,
    );
    // The verdict is the documented rule applied to the measured numbers.
    const { measuredRatio, measuredMargin } = declared.metrics;
    if (measuredRatio === undefined || measuredMargin === undefined)
      throw new Error('E901: no measuredRatio / measuredMargin metric');
    expect(declared.confirmed).toBe(measuredRatio - 1 > measuredMargin);
    expect(measuredMargin).toBeGreaterThanOrEqual(0.05);

    expect(none.confirmed).toBeNull();
    expect(none.evidence).toMatch(
      /^this rule declares no measurement check for its 'anyConv' findings; its kernel '.+' took \d+(\.\d)? µs, 100% of measured time \(profile: CPUExecutionProvider, opt all\)$/,
    );
  });
});
