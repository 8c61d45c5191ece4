import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** src/ when this module runs from its TypeScript source, dist/ when it runs compiled. */
const OWN_ROOT = new URL('../', import.meta.url);
/** Where `npm run build` (tsconfig.build.json: rootDir src, outDir dist) puts the compiled tree. */
const DIST_ROOT = new URL('../../dist/', import.meta.url);

/**
 * The file to start a child process or worker thread from, given its compiled URL next to the caller
 * (`new URL('./session-process.js', import.meta.url)`). Compiled, that file is there. Run from the
 * TypeScript sources (vitest), the caller is a `.ts` file with no `.js` beside it, and a child Node
 * process or worker thread cannot load TypeScript: the same relative path under dist/ is used instead,
 * which `npm test` builds first. A missing dist file throws, naming `npm run build`; a stale one (sources
 * edited since the last build) is not detected.
 */
export function compiledEntry(entry: URL): string {
  if (!new URL(import.meta.url).pathname.endsWith('.ts')) return fileURLToPath(entry);
  if (!entry.href.startsWith(OWN_ROOT.href))
    throw new Error(`compiledEntry: ${entry.href} is outside ${OWN_ROOT.href}`);
  const compiled = new URL(entry.href.slice(OWN_ROOT.href.length), DIST_ROOT);
  if (!existsSync(compiled)) {
    throw new Error(
      `${fileURLToPath(compiled)} does not exist: run \`npm run build\` (measurements run compiled JavaScript, also from the TypeScript sources)`,
    );
  }
  return fileURLToPath(compiled);
}
