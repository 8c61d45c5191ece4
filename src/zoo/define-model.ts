import { UsageError } from '../errors.js';
import { GraphBuilder, type TensorHandle } from './builder.js';
import type { PublishedFigures, ZooBuildOptions, ZooEntry } from './types.js';

/** What a model file declares; defineZooModel turns it into a ZooEntry. */
export interface ZooModelSpec {
  readonly name: string;
  readonly family: string;
  readonly description: string;
  readonly source: string;
  /** Input channels (3 for images). */
  readonly inputChannels: number;
  /** Default input height = width. */
  readonly resolution: number;
  readonly published?: PublishedFigures;
  readonly paperMeasurements?: Readonly<Record<string, number | string>>;
  /** Name of the graph output tensor (default `logits`). */
  readonly outputName?: string;
  /** Builds the graph from the `input` tensor and returns the output tensor. */
  body(b: GraphBuilder, input: TensorHandle): TensorHandle;
}

function positiveInteger(value: number | undefined, fallback: number, what: string, model: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new UsageError(`zoo:${model}: ${what} must be a positive integer, got ${value}`);
  }
  return value;
}

/**
 * Wraps a model body into a ZooEntry: input `input` [batch, C, res, res], output renamed to
 * `logits` (or `outputName`), and the metadata_props every zoo model carries.
 */
export function defineZooModel(spec: ZooModelSpec): ZooEntry {
  return {
    name: spec.name,
    family: spec.family,
    description: spec.description,
    inputShape: [1, spec.inputChannels, spec.resolution, spec.resolution],
    source: spec.source,
    ...(spec.published ? { published: spec.published } : {}),
    ...(spec.paperMeasurements ? { paperMeasurements: spec.paperMeasurements } : {}),
    build(options: ZooBuildOptions = {}): Uint8Array {
      const batch = positiveInteger(options.batch, 1, 'batch', spec.name);
      const resolution = positiveInteger(options.resolution, spec.resolution, 'resolution', spec.name);
      const deploy = options.deploy ?? false;
      const b = new GraphBuilder({
        name: spec.name,
        seed: options.seed,
        deploy,
        weights: options.weights ?? true,
        docString: spec.description,
      });
      const input = b.input('input', [batch, spec.inputChannels, resolution, resolution]);
      let out: TensorHandle;
      try {
        out = spec.body(b, input);
      } catch (err) {
        throw new UsageError(
          `zoo:${spec.name} cannot be built at ${resolution}x${resolution}: ${(err as Error).message}`,
          {
            cause: err,
          },
        );
      }
      b.output(out, spec.outputName ?? 'logits');
      const meta: [string, string][] = [
        ['efflint.zoo.name', spec.name],
        ['efflint.zoo.family', spec.family],
        ['efflint.zoo.source', spec.source],
        ['efflint.zoo.deploy', String(deploy)],
        ['efflint.zoo.batch', String(batch)],
        ['efflint.zoo.resolution', String(resolution)],
        ['efflint.zoo.weights', b.weights ? `seeded random, seed ${b.seed}` : 'zeros'],
      ];
      if (spec.published?.params !== undefined)
        meta.push(['efflint.zoo.published.params', String(spec.published.params)]);
      if (spec.published?.flops !== undefined) meta.push(['efflint.zoo.published.flops', String(spec.published.flops)]);
      if (spec.published?.reference !== undefined)
        meta.push(['efflint.zoo.published.reference', spec.published.reference]);
      for (const [key, value] of Object.entries(spec.paperMeasurements ?? {})) {
        meta.push([`efflint.zoo.paper.${key}`, String(value)]);
      }
      for (const [key, value] of meta) b.setMetadata(key, value);
      return b.toBytes();
    },
  };
}
