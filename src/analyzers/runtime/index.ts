import type { Analysis } from '../analyze.js';
import { buildNonePlan } from './none.js';
import { buildOnnxruntimeCpuPlan } from './onnxruntime-cpu.js';
import { buildTensorrtPlan } from './tensorrt.js';
import type { ExecutionPlan, RuntimeName } from './types.js';

export * from './types.js';
export { buildNonePlan } from './none.js';
export { buildOnnxruntimeCpuPlan, detectNchwcBlock } from './onnxruntime-cpu.js';
export type { NchwcBlockDetection, OnnxruntimeCpuOptions } from './onnxruntime-cpu.js';
export { buildTensorrtPlan } from './tensorrt.js';

/** Options of the static runtime models. */
export interface PlanOptions {
  /** onnxruntime's NCHWc block size (default: detected from this CPU; 0 or 1 turns NCHWc off). */
  readonly nchwcBlock?: number;
}

/** The execution plan of `runtime` for an analysed model: efflint's static model of that runtime. */
export function buildExecutionPlan(analysis: Analysis, runtime: RuntimeName, options: PlanOptions = {}): ExecutionPlan {
  switch (runtime) {
    case 'onnxruntime-cpu':
      return buildOnnxruntimeCpuPlan(analysis, { nchwcBlock: options.nchwcBlock });
    case 'tensorrt':
      return buildTensorrtPlan(analysis);
    case 'none':
      return buildNonePlan(analysis);
  }
}
