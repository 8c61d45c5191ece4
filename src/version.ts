import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** efflint's version from package.json (--version, SARIF tool.driver.version, report footers). */
export function efflintVersion(): string {
  cached ??= (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cached;
}
