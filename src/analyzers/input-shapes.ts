import { UsageError } from '../errors.js';

/**
 * Resolves the unnamed binding (key '', from a bare `--input 1x3x224x224`) to the single graph
 * input. Used wherever shapes are bound before analysis: the library API, the profiler, the CLI.
 */
export function resolveInputNames(
  shapes: Record<string, number[]>,
  inputNames: readonly string[],
): Record<string, number[]> {
  const { '': dims, ...rest } = shapes;
  if (dims === undefined) return shapes;
  const [name] = inputNames;
  if (inputNames.length !== 1 || name === undefined) {
    throw new UsageError(`--input without a name needs a model with one input; this one has: ${inputNames.join(', ')}`);
  }
  return { ...rest, [name]: dims };
}
