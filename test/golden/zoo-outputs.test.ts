import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script shared with the command line (no declaration file)
import { goldenDigests } from '../../scripts/golden-outputs.mjs';

/**
 * What efflint prints for every zoo model (analyze JSON/text, lint JSON/text, report Markdown/HTML)
 * is pinned by digest: refactors of the source tree must not change a byte. An intended output change
 * regenerates the file (command in scripts/golden-outputs.mjs) in the same commit, which shows it in review.
 */
const expected = JSON.parse(
  readFileSync(new URL('../../fixtures/golden/zoo-outputs.json', import.meta.url), 'utf8'),
) as Record<string, Record<string, string>>;

describe('outputs on every zoo model are unchanged (fixtures/golden/zoo-outputs.json)', () => {
  it('digests match for every model and command', { timeout: 600_000 }, async () => {
    const actual = (await goldenDigests()) as Record<string, Record<string, string>>;
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    const changed: string[] = [];
    for (const [model, commands] of Object.entries(expected)) {
      for (const [command, digest] of Object.entries(commands)) {
        if (actual[model]?.[command] !== digest) changed.push(`${model} ${command}`);
      }
    }
    expect(changed).toEqual([]);
  });
});
