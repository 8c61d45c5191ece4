import type { ProfileResult } from '../profile/types.js';

/** Rounds measured floats to 6 significant digits: timer noise, not information, lives beyond that. */
function round(_key: string, value: unknown): unknown {
  if (typeof value !== 'number' || Number.isInteger(value) || !Number.isFinite(value)) return value;
  return Number(value.toPrecision(6));
}

/** `efflint profile --format json` (schema in docs/profile.md). */
export function formatProfileJson(result: ProfileResult): string {
  return JSON.stringify(result, round, 2) + '\n';
}
