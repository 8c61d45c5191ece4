import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { deviceProfileProblem } from '../analyzers/device-profile-check.js';
import type { DeviceProfile } from '../analyzers/roofline.js';
import { ConfigError } from '../errors.js';
import { at } from '../util/at.js';
import { quoteUserInput } from '../util/escape.js';

/**
 * Reads `--device-profile FILE` (the JSON that `efflint calibrate` writes, or one written by hand:
 * { "schemaVersion": 1, "name": "...", "peakFlopsPerSecond": 1e12, "bandwidthBytesPerSecond": 5e11,
 * "perOpOverheadUs": 5 }, optionally with "convRoofs", "copyBandwidthBytesPerSecond" and "activationBandwidthBytesPerSecond") and checks
 * it key by key.
 */
export function readDeviceProfile(path: string, cwd: string): DeviceProfile {
  const shown = relative(cwd, resolve(cwd, path)) || path;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(resolve(cwd, path), 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'not found'
        : (code ?? `invalid JSON: ${quoteUserInput(at((err as Error).message.split('\n'), 0))}`);
    throw new ConfigError(`${quoteUserInput(shown)}: cannot read device profile (${why})`, { cause: err });
  }
  const problem = deviceProfileProblem(raw);
  if (problem !== null) throw new ConfigError(`${quoteUserInput(shown)}: ${problem}`);
  return raw as DeviceProfile;
}
