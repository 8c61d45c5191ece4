import type { ProfileResult } from '../../profile/types.js';
import { roundMeasuredJson } from '../shared/numbers.js';

/** `efflint profile --format json` (schema in docs/profile.md). */
export function formatProfileJson(result: ProfileResult): string {
  return JSON.stringify(result, roundMeasuredJson, 2) + '\n';
}
