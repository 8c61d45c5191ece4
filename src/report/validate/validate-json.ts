import type { ValidationResult } from '../../profile/measure/validate.js';
import { roundMeasuredJson } from '../shared/numbers.js';

/** `efflint validate --format json` (schema in docs/cli.md, "validate"). */
export function formatValidateJson(result: ValidationResult): string {
  return JSON.stringify(result, roundMeasuredJson, 2) + '\n';
}
