import { UsageError } from '../errors.js';
import { at } from '../util/at.js';
import { efficientnetModels } from './models/efficientnet.js';
import { guidelineExperiments } from './models/guideline-experiments.js';
import { mobilenetV2Models } from './models/mobilenet-v2.js';
import { resnetModels } from './models/resnet.js';
import { shufflenetV1Models } from './models/shufflenet-v1.js';
import { shufflenetV2Models } from './models/shufflenet-v2.js';
import type { ZooBuildOptions, ZooEntry } from './types.js';

export type { PublishedFigures, ZooBuildOptions, ZooEntry } from './types.js';
export { GraphBuilder, ZOO_IR_VERSION, ZOO_OPSET, ZOO_PRODUCER } from './builder.js';
export type { TensorHandle, GraphBuilderOptions } from './builder.js';

/** The prefix of a model argument that names a zoo model (`zoo:NAME`), built in memory instead of read from a file. */
export const ZOO_PREFIX = 'zoo:';

const ENTRIES: readonly ZooEntry[] = Object.freeze([
  ...shufflenetV1Models,
  ...shufflenetV2Models,
  ...efficientnetModels,
  ...mobilenetV2Models,
  ...resnetModels,
  ...guidelineExperiments,
]);

const BY_NAME: ReadonlyMap<string, ZooEntry> = (() => {
  const map = new Map<string, ZooEntry>();
  for (const e of ENTRIES) {
    if (map.has(e.name)) throw new Error(`zoo: duplicate model name '${e.name}'`);
    map.set(e.name, e);
  }
  return map;
})();

/** Every zoo model: reference networks first, then the ShuffleNet V2 guideline experiments. */
export function listZoo(): readonly ZooEntry[] {
  return ENTRIES;
}

/** The zoo entry of that name (description, source, published parameter count), or undefined. */
export function getZooEntry(name: string): ZooEntry | undefined {
  return BY_NAME.get(name);
}

/** Builds a zoo model by name; throws UsageError (listing close names) for an unknown one. */
export function buildZooModel(name: string, options?: ZooBuildOptions): Uint8Array {
  const entry = BY_NAME.get(name);
  if (entry === undefined) {
    const close = closeZooNames(name);
    const hint = close.length > 0 ? ` Did you mean: ${close.join(', ')}?` : '';
    throw new UsageError(`Unknown zoo model '${name}'.${hint} Run 'efflint zoo' to list all ${ENTRIES.length} models.`);
  }
  return entry.build(options);
}

/** Up to 5 zoo names close to `name`: shared prefix, containment, or small edit distance. */
export function closeZooNames(name: string, limit = 5): string[] {
  const query = name.toLowerCase().replace(/[-.]/g, '_');
  const scored = ENTRIES.map((e) => {
    let score = editDistance(query, e.name);
    if (e.name.startsWith(query) || (query.length >= 4 && e.name.includes(query))) score = Math.min(score, 1);
    return { name: e.name, score };
  });
  const threshold = Math.max(2, Math.floor(query.length / 4));
  return scored
    .filter((s) => s.score <= threshold)
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map((s) => s.name);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(at(prev, j) + 1, at(cur, j - 1) + 1, at(prev, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return at(prev, b.length);
}
