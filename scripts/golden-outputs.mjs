#!/usr/bin/env node
// Digests of what efflint prints for every zoo model (analyze JSON and text, lint JSON and text,
// report Markdown and HTML without profiling), computed in one process through the built CLI.
// Refactors must leave them unchanged: test/golden/zoo-outputs.test.ts compares them with
// fixtures/golden/zoo-outputs.json. Regenerate deliberately, after an intended output change:
//   npm run build && node scripts/golden-outputs.mjs --write fixtures/golden/zoo-outputs.json
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The commands whose output is pinned; `{out}` is a scratch file the command writes. */
export const GOLDEN_COMMANDS = {
  'analyze-json': ['analyze', '{model}', '--format', 'json'],
  'analyze-text': ['analyze', '{model}'],
  'lint-json': ['lint', '{model}', '--format', 'json', '--exit-zero'],
  'lint-text': ['lint', '{model}', '--min-impact', '0', '--exit-zero'],
  'report-md': ['report', '{model}', '--no-profile', '-o', '{out}.md'],
  'report-html': ['report', '{model}', '--no-profile', '-o', '{out}.html'],
};

/** Volatile parts of an output (the time a report was made, the scratch path) replaced by placeholders. */
function normalise(text, dir) {
  return text
    .split(dir)
    .join('<tmp>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>');
}

/** { model: { command: sha256 } } for every zoo model, or for `models` when given. */
export async function goldenDigests(models) {
  const { main } = await import(join(root, 'dist/cli/main.js'));
  const { listZoo } = await import(join(root, 'dist/zoo/index.js'));
  const names = models ?? listZoo().map((e) => e.name);
  const dir = mkdtempSync(join(tmpdir(), 'efflint-golden-'));
  const digests = {};
  try {
    for (const name of names) {
      digests[name] = {};
      for (const [id, template] of Object.entries(GOLDEN_COMMANDS)) {
        const out = join(dir, `${name}-${id}`);
        const argv = template.map((a) => a.replace('{model}', `zoo:${name}`).replace('{out}', out));
        let stdout = '';
        let stderr = '';
        const io = {
          stdout: (t) => {
            stdout += t;
          },
          stderr: (t) => {
            stderr += t;
          },
          stdoutIsTTY: false,
          stderrIsTTY: false,
          env: { NO_COLOR: '1' },
          cwd: dir,
        };
        const code = await main(argv, io);
        const file = argv.find((a) => a.startsWith(out));
        const written = file ? readFileSync(file, 'utf8') : '';
        const text = normalise(`exit ${code}\n--stdout\n${stdout}\n--stderr\n${stderr}\n--file\n${written}`, dir);
        digests[name][id] = createHash('sha256').update(text).digest('hex').slice(0, 16);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return digests;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const at = process.argv.indexOf('--write');
  const digests = await goldenDigests();
  const json = JSON.stringify(digests, null, 1) + '\n';
  if (at > 0) writeFileSync(process.argv[at + 1], json);
  else process.stdout.write(json);
}
