import { readFileSync } from 'node:fs';

interface PackageFacts {
  readonly version: string;
  readonly bugs?: { readonly url?: string };
}

let cached: PackageFacts | undefined;

function packageFacts(): PackageFacts {
  cached ??= JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as PackageFacts;
  return cached;
}

/** efflint's version from package.json (--version, SARIF tool.driver.version, report footers). */
export function efflintVersion(): string {
  return packageFacts().version;
}

/** Where efflint's bugs are reported: package.json `bugs.url`. */
export function bugReportUrl(): string {
  return packageFacts().bugs?.url ?? 'https://github.com/efflint/efflint/issues';
}

/**
 * What the CLI says about an exception that is not an EfflintError, which is a bug in efflint (a TypeError, a stack
 * overflow), never the user's fault: one line, without the `efflint: ` prefix, naming the version and where to
 * report it. The stack is printed separately, under `--debug` only.
 */
export function internalErrorMessage(err: unknown): string {
  const what =
    err instanceof Error
      ? `${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}`
      : `a thrown ${typeof err}: ${String(err)}`;
  return `internal error: ${what.split('\n')[0]} (this is a bug in efflint ${efflintVersion()}; please report it at ${bugReportUrl()} with the model or --debug output)`;
}
