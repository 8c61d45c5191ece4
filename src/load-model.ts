import { loadModelBytes, loadModelFile } from './model/load.js';
import type { Model } from './model/ir.js';
import type { ZooBuildOptions } from './zoo/index.js';
import { buildZooModel } from './zoo/index.js';

export const ZOO_PREFIX = 'zoo:';

/**
 * Loads a model argument: a file path, or `zoo:NAME` (built in memory by the reference zoo,
 * no file written).
 */
export function loadModel(arg: string, zooOptions?: ZooBuildOptions): Model {
  if (arg.startsWith(ZOO_PREFIX)) {
    const name = arg.slice(ZOO_PREFIX.length);
    return loadModelBytes(buildZooModel(name, zooOptions), { path: arg });
  }
  return loadModelFile(arg);
}
