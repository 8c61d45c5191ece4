import { UsageError } from '../errors.js';

/**
 * Parses repeatable `--input name=1x3x224x224` flags. A bare `1x3x224x224` binds the key ''
 * (resolved to the model's only input by `resolveInputNames`, src/analyzers/input-shapes.ts).
 */
export function parseInputShapes(values: readonly string[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const v of values) {
    const eq = v.lastIndexOf('=');
    const name = eq >= 0 ? v.slice(0, eq) : '';
    const dimsText = eq >= 0 ? v.slice(eq + 1) : v;
    const dims = dimsText.split(/[x,]/).map((d) => Number(d));
    if (dimsText === '' || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new UsageError(`--input '${v}': expected name=DxDxD with non-negative integers, e.g. input=1x3x224x224`);
    }
    out[name] = dims;
  }
  return out;
}
