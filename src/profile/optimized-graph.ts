import { loadModelFile } from '../model/load.js';
import type { OptimizedNode } from './join.js';

/**
 * Reads the optimized model onnxruntime saved (`optimizedModelFilePath`) with efflint's own loader
 * (weights are not read). The loader names unnamed nodes `<opType>_<file position>`; onnxruntime
 * traces an unnamed node as `<opType>_<runtime index>`, which differs once the optimizer has
 * removed nodes, so such names are turned back into '' and matched by op type and order instead.
 */
export function readOptimizedGraph(path: string): OptimizedNode[] {
  const model = loadModelFile(path);
  return model.graph.nodes.map((n) => ({
    name: n.name === `${n.opType}_${n.index}` ? '' : n.name,
    opType: n.opType,
    domain: n.domain,
    inputs: n.inputs,
    outputs: n.outputs,
    attributeNames: [...n.attributes.keys()],
  }));
}
