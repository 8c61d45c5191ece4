import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { at } from '../../src/util/at.js';

/**
 * README's library examples, as written: they type-check against src/index.ts (strict), and they run
 * against the built package (dist/index.js; `npm run build` first) with onnxruntime-node installed, as
 * it is here. test/cli/install.test.ts runs them again from the packed tarball, without onnxruntime-node.
 * Every name the docs import from 'efflint' is exported.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = join(ROOT, 'dist/index.js');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The ```js blocks of README's "## Library API" section. */
function libraryExamples(): string[] {
  const from = README.indexOf('## Library API');
  const section = README.slice(from, README.indexOf('\n## ', from + 5));
  return [...section.matchAll(/```js\n([\s\S]*?)\n```/g)].map((m) => at(m, 1));
}

const EXAMPLES = libraryExamples();

describe("README's library examples", () => {
  it('cover every step: load, analyse, lint, your own rule, formats, diff, zoo, profile and report', () => {
    expect(EXAMPLES).toHaveLength(7);
    const used = new Set(
      EXAMPLES.flatMap((code) =>
        [...code.matchAll(/import \{([^}]+)\} from 'efflint'/g)].flatMap((m) =>
          at(m, 1)
            .split(',')
            .map((n) => n.trim()),
        ),
      ),
    );
    for (const name of [
      'loadModel',
      'analyze',
      'lint',
      'defineRule',
      'RULES',
      'loadConfig',
      'formatLint',
      'formatAnalysis',
      'diff',
      'formatDiff',
      'buildZooModel',
      'profile',
      'report',
    ])
      expect(used, name).toContain(name);
  });

  it('type-check against src/index.ts (strict)', () => {
    const files = new Map(EXAMPLES.map((code, i) => [join(ROOT, 'test/api', `readme-example-${i}.ts`), code]));
    const options: ts.CompilerOptions = {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts'],
      types: ['node'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      paths: { efflint: [join(ROOT, 'src/index.ts')] },
    };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    const fileExists = host.fileExists.bind(host);
    const readFile = host.readFile.bind(host);
    host.getSourceFile = (name, version, onError, create) =>
      files.has(name)
        ? ts.createSourceFile(name, files.get(name)!, version)
        : getSourceFile(name, version, onError, create);
    host.fileExists = (name) => files.has(name) || fileExists(name);
    host.readFile = (name) => files.get(name) ?? readFile(name);
    const program = ts.createProgram([...files.keys()], options, host);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && files.has(d.file.fileName))
      .map(
        (d) =>
          `${d.file!.fileName.slice(ROOT.length)}:${d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
      );
    expect(problems).toEqual([]);
  });

  it('run against the built package', () => {
    expect(existsSync(DIST), 'dist/ is missing: run npm run build').toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'efflint-readme-'));
    const entry = pathToFileURL(DIST).href;
    EXAMPLES.forEach((code, i) =>
      writeFileSync(join(dir, `example${i}.mjs`), code.replaceAll("from 'efflint'", `from '${entry}'`)),
    );
    writeFileSync(
      join(dir, 'run.mjs'),
      `for (let i = 0; i < ${EXAMPLES.length}; i++) {\n` +
        `  try { await import(\`./example\${i}.mjs\`); console.log(\`example\${i}: ok\`); }\n` +
        `  catch (e) { console.log(\`example\${i}: \${e.name}: \${e.message}\`); }\n}\n`,
    );
    const r = spawnSync(process.execPath, ['run.mjs'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 240_000,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1' },
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter((l) => /^example\d: /.test(l))).toEqual(
      EXAMPLES.map((_, i) => `example${i}: ok`),
    );
    expect(r.stdout).toMatch(/^\d+ nodes$/m);
    // The rule of one's own, configured by the efflint.config.json the example wrote: MobileNet V2's
    // 1x1 expansions to 384, 576 and 960 channels and its final 1280-channel Conv exceed 256.
    expect(r.stdout).toMatch(/^[1-9]\d* Convs wider than 256 channels$/m);
    expect(r.stdout).toMatch(/^\d+ SARIF results$/m);
    expect(r.stdout).toMatch(/^fail [\d.]+ % FLOPs$/m);
    expect(r.stdout).toMatch(/^[\d.]+ ms median; \d+ layers timed$/m);
    expect(readdirSync(dir).sort()).toEqual(
      expect.arrayContaining(['efflint.config.json', 'report.html', 'shufflenet_v2.onnx']),
    );
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it("every name README and docs/ import from 'efflint' is exported", async () => {
    const exported = new Set(Object.keys((await import(pathToFileURL(DIST).href)) as object));
    const docs = [
      join(ROOT, 'README.md'),
      ...readdirSync(join(ROOT, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => join(ROOT, 'docs', f)),
    ];
    const missing: string[] = [];
    for (const file of docs) {
      for (const m of readFileSync(file, 'utf8').matchAll(/import \{([^}]+)\} from 'efflint'/g)) {
        for (const name of at(m, 1)
          .split(',')
          .map((n) => n.trim().replace(/^type /, '')))
          if (!exported.has(name)) missing.push(`${file.slice(ROOT.length)}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
