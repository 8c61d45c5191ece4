import * as nodePath from 'node:path';
import {
  checkExternalData,
  externalTensors,
  refuseUnsafeExternalData as refuseModelExternalData,
  summariseExternalDataProblems,
} from './model/external-data.js';
import { loadModelBytes, loadModelFile } from './model/load.js';
import type { Model } from './model/ir.js';
import type { ZooBuildOptions } from './zoo/index.js';
import { buildZooModel, ZOO_PREFIX } from './zoo/index.js';

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

/**
 * The external-data problems of a model file, one line per kind (external-data.ts), for commands
 * that do not show the model's load warnings themselves (diff). Zoo models have no external data.
 */
export function externalDataWarnings(arg: string): string[] {
  if (arg.startsWith(ZOO_PREFIX)) return [];
  const model = loadModelFile(arg);
  return summariseExternalDataProblems(
    checkExternalData(externalTensors(model.graph, model.functions), nodePath.dirname(arg)),
  );
}

/** Refuses a model file whose external data is unsafe to read (see model/external-data.ts). */
export function refuseUnsafeExternalData(arg: string): void {
  if (arg.startsWith(ZOO_PREFIX)) return;
  refuseModelExternalData(arg, loadModelFile(arg), nodePath.dirname(arg));
}
