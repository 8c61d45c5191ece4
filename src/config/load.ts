import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { at } from '../util/at.js';
import type { AnyRule } from '../rules/define-rule.js';
import { quoteUserInput } from '../util/escape.js';
import { findConfigFile } from './locate.js';
import type { ResolvedConfig } from './schema.js';
import { EMPTY_CONFIG, validateConfig } from './schema.js';

/** Where `loadConfig` looks for efflint.config.json, and which rules the file may name. */
export interface LoadConfigOptions {
  /** `--config FILE`: wins over discovery; a missing file is an error. */
  readonly explicitPath?: string;
  /** Where discovery starts (the working directory). */
  readonly cwd: string;
  /**
   * The rules the config may name (default: the built-in RULES). Library callers pass their own rules
   * (defineRule) here too, so `"rules": { "my-rule": "warn" }` validates like a built-in rule's setting.
   */
  readonly ruleSet?: readonly AnyRule[];
}

/** Reads and validates a config file against `ruleSet`; errors name the file as the user would write it. */
export function readConfigFile(path: string, cwd: string, ruleSet?: readonly AnyRule[]): ResolvedConfig {
  const shown = relative(cwd, path) || path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(
      `${quoteUserInput(shown)}: cannot read config file${code === 'ENOENT' ? ' (not found)' : code ? ` (${code})` : ''}`,
      { cause: err },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(
      `${quoteUserInput(shown)}: invalid JSON: ${quoteUserInput(at((err as Error).message.split('\n'), 0))}`,
      { cause: err },
    );
  }
  return { ...validateConfig(raw, shown, ruleSet), path };
}

/** `--config FILE` if given, else the nearest efflint.config.json from cwd upward, else defaults. */
export function loadConfig(options: LoadConfigOptions): ResolvedConfig {
  if (options.explicitPath !== undefined)
    return readConfigFile(resolve(options.cwd, options.explicitPath), options.cwd, options.ruleSet);
  const found = findConfigFile(options.cwd);
  return found ? readConfigFile(found, options.cwd, options.ruleSet) : EMPTY_CONFIG;
}
