import type { ValidationResult } from '../profile/measure/validate.js';

/** Rounds measured floats to 6 significant digits: timer noise, not information, lives beyond that. */
function round(_key: string, value: unknown): unknown {
  if (typeof value !== 'number' || Number.isInteger(value) || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(6));
}

/** `efflint validate --format json` (schema in docs/cli.md, "validate"). */
export function formatValidateJson(result: ValidationResult): string {
  return JSON.stringify(result, round, 2) + '\n';
}
