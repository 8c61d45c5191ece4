import { quoteUserInput } from '../util/escape.js';
import { CONV_FAMILIES } from './roofline.js';

/**
 * The first thing wrong with a parsed device profile, key by key, or null when it is valid. One check
 * for every reader: `--device-profile FILE` (config/device-profile.ts) and calibration (profile/calibrate.ts).
 */
export function deviceProfileProblem(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return 'expected a JSON object with schemaVersion, name, peakFlopsPerSecond, bandwidthBytesPerSecond, perOpOverheadUs';
  }
  const p = raw as Record<string, unknown>;
  if (p.schemaVersion !== 1) return `schemaVersion: expected 1, got ${shownJson(p.schemaVersion)}`;
  if (typeof p.name !== 'string' || p.name === '') return 'name: expected a non-empty string';
  for (const key of ['peakFlopsPerSecond', 'bandwidthBytesPerSecond'] as const) {
    if (typeof p[key] !== 'number' || !Number.isFinite(p[key]) || p[key] <= 0) {
      return `${key}: expected a positive number, got ${shownJson(p[key])}`;
    }
  }
  if (typeof p.perOpOverheadUs !== 'number' || !Number.isFinite(p.perOpOverheadUs) || p.perOpOverheadUs < 0) {
    return `perOpOverheadUs: expected a non-negative number, got ${shownJson(p.perOpOverheadUs)}`;
  }
  // Optional since efflint calibrate measured kernel families; profiles without them load as before.
  for (const key of ['copyBandwidthBytesPerSecond', 'activationBandwidthBytesPerSecond', 'inNetworkFactor'] as const) {
    if (p[key] !== undefined && !positive(p[key]))
      return `${key}: expected a positive number, got ${shownJson(p[key])}`;
  }
  if (
    p.convOverheadUs !== undefined &&
    (typeof p.convOverheadUs !== 'number' || !Number.isFinite(p.convOverheadUs) || p.convOverheadUs < 0)
  ) {
    return `convOverheadUs: expected a non-negative number, got ${shownJson(p.convOverheadUs)}`;
  }
  if (p.convRoofs !== undefined) {
    const roofs = p.convRoofs as Record<string, unknown> | null;
    if (typeof roofs !== 'object' || roofs === null || Array.isArray(roofs))
      return 'convRoofs: expected an object of multiply-adds per second by family';
    for (const family of CONV_FAMILIES) {
      const v = roofs[family];
      if (v === undefined && family === 'depthwiseUnaligned') continue;
      if (!positive(v)) return `convRoofs.${family}: expected a positive number, got ${shownJson(v)}`;
    }
    const unknown = Object.keys(roofs).find((k) => !(CONV_FAMILIES as readonly string[]).includes(k));
    if (unknown !== undefined)
      return `convRoofs.${quoteUserInput(unknown)}: unknown family (expected ${CONV_FAMILIES.join(', ')})`;
  }
  return null;
}

/** A value from the file as JSON, as an error message quotes it (at most 200 characters). */
function shownJson(v: unknown): string {
  return quoteUserInput(jsonText(v) ?? String(v));
}

/** JSON text of a value; undefined for undefined, a function or a symbol (JSON.stringify's lib.d.ts type omits it). */
function jsonText(v: unknown): string | undefined {
  return JSON.stringify(v);
}

function positive(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}
