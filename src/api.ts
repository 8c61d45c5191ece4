import type { AnalyzeOptions, Analysis } from './analyzers/analyze.js';
import { analyzeModel } from './analyzers/analyze.js';
import { resolveInputNames } from './cli/input-shapes.js';
import { loadModel } from './load-model.js';
import type { ZooBuildOptions } from './zoo/index.js';

export interface AnalyzeFileOptions {
  /** Input shapes by graph input name; the key '' binds the model's only input. */
  readonly inputShapes?: Readonly<Record<string, readonly number[]>>;
  /** Options for `zoo:NAME` arguments. */
  readonly zoo?: ZooBuildOptions;
}

/** Loads a model file (or `zoo:NAME`) and analyses it: shapes, per-layer cost, totals. */
export function analyzeFile(path: string, options: AnalyzeFileOptions = {}): Analysis {
  const model = loadModel(path, options.zoo);
  const shapes = options.inputShapes
    ? resolveInputNames(
        Object.fromEntries(Object.entries(options.inputShapes).map(([k, v]) => [k, [...v]])),
        model.graph.inputs.map((i) => i.name),
      )
    : undefined;
  const analyzeOptions: AnalyzeOptions = { inputShapes: shapes };
  return analyzeModel(model, analyzeOptions);
}
