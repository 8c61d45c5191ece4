import type { LintResult } from '../../src/rules/lint.js';
import { lintAnalysis } from '../../src/rules/lint.js';
import { RULES } from '../../src/rules/registry.js';
import type { LintFormatContext } from '../../src/report/lint/lint-formats.js';
import { AnalysisBuilder } from '../rules/analysis-builder.js';

/** A small ResNet-like unit with a grouped conv: G1, G2, G4 and E101 findings. */
export function sampleResult(path = 'models/net.onnx', rules = {}): LintResult {
  const b = new AnalysisBuilder();
  const x = b.relu('stem', b.input('input', [1, 64, 28, 28]));
  let y = b.relu('relu1', b.bn('bn1', b.conv('conv1', x, { cOut: 384 })));
  y = b.bn('bn2', b.conv('gconv|2', y, { cOut: 64, group: 8 }));
  const out = b.relu('relu2', b.binary('add', 'Add', x, y));
  return lintAnalysis(b.build([out], path), { model: path, rules });
}

/** A model with nothing to report. */
export function cleanResult(path = 'models/clean.onnx'): LintResult {
  const b = new AnalysisBuilder();
  const x = b.input('input', [1, 64, 28, 28]);
  return lintAnalysis(b.build([b.conv('conv', b.conv('conv0', x, { cOut: 64, k: 3 }), { cOut: 64, k: 3 })], path), {
    model: path,
  });
}

export const context: LintFormatContext = { color: false, rules: RULES, version: '9.9.9' };
