import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { quoteUserInput } from '../report/escape.js';
import { findConfigFile } from './locate.js';
import type { ResolvedConfig } from './schema.js';
import { EMPTY_CONFIG, validateConfig } from './schema.js';

export interface LoadConfigOptions {
  /** `--config FILE`: wins over discovery; a missing file is an error. */
  readonly explicitPath?: string;
  /** Where discovery starts (the working directory). */
  readonly cwd: string;
}

/** Reads and validates a config file; errors name the file as the user would write it. */
export function readConfigFile(path: string, cwd: string): ResolvedConfig {
  const shown = relative(cwd, path) || path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`${quoteUserInput(shown)}: cannot read config file${code === 'ENOENT' ? ' (not found)' : code ? ` (${code})` : ''}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${quoteUserInput(shown)}: invalid JSON: ${quoteUserInput((err as Error).message.split('\n')[0])}`, { cause: err });
  }
  return { ...validateConfig(raw, shown), path };
}

/** `--config FILE` if given, else the nearest efflint.config.json from cwd upward, else defaults. */
export function loadConfig(options: LoadConfigOptions): ResolvedConfig {
  if (options.explicitPath !== undefined) return readConfigFile(resolve(options.cwd, options.explicitPath), options.cwd);
  const found = findConfigFile(options.cwd);
  return found ? readConfigFile(found, options.cwd) : EMPTY_CONFIG;
}
