import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONNXRUNTIME_MISSING } from '../../src/profile/providers.js';
import { at } from '../../src/util/at.js';
import { buildZooModel } from '../../src/zoo/index.js';

/**
 * The install path docs/ci.md documents, end to end: pack the working tree (the built dist/, as
 * `npm test` leaves it), install the tarball with docs/ci.md's own install line in a scratch folder (no
 * onnxruntime-node: it is an optional peer dependency), and run both workflows' `efflint` steps there
 * through a shell, as a runner would. The measuring commands must fail with one line naming the install
 * command. README's library examples run against the same installation.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CI_DOC = readFileSync(join(ROOT, 'docs/ci.md'), 'utf8');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

const npmVersion = spawnSync('npm', ['--version'], { encoding: 'utf8', timeout: 30_000 });
const NPM_MISSING =
  npmVersion.status !== 0 ? `npm is not available (${npmVersion.error?.message ?? npmVersion.stderr.trim()})` : null;
if (NPM_MISSING) console.warn(`test/cli/install.test.ts skipped: ${NPM_MISSING}`);

/**
 * A clean environment for npm and the shell: no npm_config_* or npm_package_* from the `npm test` that
 * runs us (npm_config_local_prefix would install into this repository), no node_modules/.bin on PATH
 * (npx must find the scratch folder's efflint), the user's npm cache, and the cache first.
 */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const path = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((p) => !/node_modules[\\/]\.bin/.test(p))
    .join(delimiter);
  const env: Record<string, string> = {
    PATH: path,
    HOME: process.env.HOME ?? tmpdir(),
    NO_COLOR: '1',
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
  };
  for (const key of [
    'TMPDIR',
    'npm_config_cache',
    'npm_config_registry',
    'HTTPS_PROXY',
    'HTTP_PROXY',
    'NO_PROXY',
    'https_proxy',
    'http_proxy',
    'no_proxy',
  ]) {
    const v = process.env[key];
    if (v) env[key] = v;
  }
  return { ...env, ...extra };
}

function sh(line: string, cwd: string, env: Record<string, string> = {}, timeout = 60_000) {
  const r = spawnSync('bash', ['-o', 'pipefail', '-c', line], {
    cwd,
    env: cleanEnv(env),
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 * 2 ** 20,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, error: r.error };
}

/** The first fenced block of `lang` after the heading `after`. */
function block(text: string, lang: string, after: string): string {
  const from = text.indexOf(after);
  if (from < 0) throw new Error(`no "${after}"`);
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)\\n```').exec(text.slice(from));
  if (!m) throw new Error(`no \`\`\`${lang} block after "${after}"`);
  return at(m, 1);
}

interface Step {
  name: string;
  run: string;
}

/** The named steps of a GitHub Actions workflow with a one-line `run:`. */
function runSteps(workflow: string): Step[] {
  const steps: Step[] = [];
  for (const chunk of workflow.split(/\n\s+- /).slice(1)) {
    const run = /(?:^|\n)\s*run: (.+)/.exec(chunk)?.[1];
    if (run) steps.push({ name: /name: (.+)/.exec(chunk)?.[1] ?? '', run });
  }
  return steps;
}

const LINT_WORKFLOW = runSteps(block(CI_DOC, 'yaml', '## GitHub Actions'));
const DIFF_WORKFLOW = runSteps(block(CI_DOC, 'yaml', '## Gate a model pull request'));
const INSTALL = LINT_WORKFLOW.find((s) => s.name === 'Install efflint')!;

describe.skipIf(NPM_MISSING !== null)(
  'efflint packed and installed as docs/ci.md says, without onnxruntime-node',
  () => {
    let scratch = '';
    let install: ReturnType<typeof sh>;

    beforeAll(() => {
      if (!existsSync(join(ROOT, 'dist/cli/main.js')))
        throw new Error('dist/ is missing: run npm run build (npm test does)');
      scratch = mkdtempSync(join(tmpdir(), 'efflint-install-'));
      // --ignore-scripts: `prepare` would clean and rebuild dist/ under the other test files' feet.
      const pack = spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratch], {
        cwd: ROOT,
        env: cleanEnv(),
        encoding: 'utf8',
        timeout: 60_000,
      });
      if (pack.status !== 0) throw new Error(`npm pack failed: ${pack.stderr}`);
      const filename = at(JSON.parse(pack.stdout) as { filename: string }[], 0).filename;
      const documented = `vendor/efflint-${PKG.version}.tgz`;
      expect(/\.\/(\S+\.tgz)/.exec(INSTALL.run)?.[1]).toBe(documented);
      mkdirSync(join(scratch, 'vendor'));
      renameSync(join(scratch, filename), join(scratch, documented));
      install = sh(INSTALL.run, scratch, {}, 110_000);
    }, 180_000);

    afterAll(() => {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    });

    it("installs with docs/ci.md's install line, without onnxruntime-node", () => {
      expect(INSTALL.run).toMatch(/^npm install --no-save .*\.\/vendor\/efflint-[\d.]+\.tgz$/);
      expect(DIFF_WORKFLOW.find((s) => s.name === 'Install efflint')?.run).toBe(INSTALL.run);
      expect(install.stderr + (install.error?.message ?? '')).not.toMatch(/ERR!/);
      expect(install.code).toBe(0);
      expect(existsSync(join(scratch, 'node_modules/efflint/dist/index.js'))).toBe(true);
      expect(existsSync(join(scratch, 'node_modules/onnxruntime-node'))).toBe(false);
      const r = sh('npx efflint --version', scratch);
      expect(r).toMatchObject({ code: 0, stdout: `${PKG.version}\n`, stderr: '' });
    });

    it("runs the lint workflow's efflint steps: SARIF, job summary, gate", () => {
      const repo = join(scratch, 'lint-repo');
      mkdirSync(join(repo, 'models/v2'), { recursive: true });
      writeFileSync(join(repo, 'models/v1.onnx'), buildZooModel('shufflenet_v1_g8'));
      writeFileSync(join(repo, 'models/v2/v2.onnx'), buildZooModel('shufflenet_v2_x1_0'));
      writeFileSync(join(repo, 'efflint.config.json'), block(CI_DOC, 'json', '## Configuration'));
      const summary = join(repo, 'summary.md');
      writeFileSync(summary, '');
      const steps = LINT_WORKFLOW.filter((s) => /\bnpx efflint\b/.test(s.run));
      expect(steps.map((s) => s.name)).toEqual(['Lint for code scanning', 'Job summary', 'Fail on errors']);
      // npx from the scratch folder's node_modules: the repository is a subfolder, as a monorepo's would be.
      const results = steps.map((s) => sh(s.run, repo, { GITHUB_STEP_SUMMARY: summary }));
      for (const r of results) expect(r.stderr).not.toMatch(/npm (warn|WARN|ERR)|Error:/);
      expect(results.map((r) => r.code)).toEqual([1, 1, 1]);
      const sarif = JSON.parse(readFileSync(join(repo, 'efflint.sarif'), 'utf8'));
      expect(sarif.runs[0].results.some((x: { level: string }) => x.level === 'error')).toBe(true);
      expect(readFileSync(summary, 'utf8')).toMatch(/^## ❌ efflint: \d+ errors/);
      expect(at(results, 2).stdout).toMatch(/error +G2 +stage2/);
    });

    it("runs the diff workflow's efflint step and gates on the documented thresholds", () => {
      const repo = join(scratch, 'diff-repo');
      mkdirSync(repo);
      // The `git show` step is test/cli/diff-ci-docs.test.ts's; here the base model is written directly.
      writeFileSync(join(repo, 'base.onnx'), buildZooModel('shufflenet_v2_x0_5'));
      writeFileSync(join(repo, 'model.onnx'), buildZooModel('shufflenet_v2_x1_0'));
      writeFileSync(join(repo, 'efflint.config.json'), block(CI_DOC, 'json', '## Gate a model pull request'));
      const summary = join(repo, 'summary.md');
      writeFileSync(summary, '');
      const steps = DIFF_WORKFLOW.filter((s) => /\bnpx efflint\b/.test(s.run));
      expect(steps).toHaveLength(1);
      const r = sh(at(steps, 0).run, repo, { GITHUB_STEP_SUMMARY: summary });
      expect(r.stderr).not.toMatch(/npm (warn|WARN|ERR)|Error:/);
      expect(r.code).toBe(1);
      expect(readFileSync(summary, 'utf8')).toMatch(/FLOPs/);
      const same = sh('npx efflint diff base.onnx base.onnx --format markdown', repo);
      expect(same.code).toBe(0);
    });

    it.each([
      ['profile zoo:exp_g2_g1'],
      ['lint zoo:exp_g2_g1 --profile'],
      ['diff zoo:exp_g2_g1 zoo:exp_g2_g2 --profile'],
      ['report zoo:exp_g2_g1 -o r.html'],
      ['calibrate'],
      ['validate --quick'],
    ])('efflint %s fails with one line naming the install command, exit 2', (args) => {
      // The installed bin link itself (npx adds a second of npm start-up per call; the workflow steps use it).
      const r = sh(`node_modules/.bin/efflint ${args}`, scratch);
      expect(r.stdout).toBe('');
      // Commands that take several models name the model the error belongs to.
      expect(r.stderr.replace(/^efflint: zoo:\w+: /, 'efflint: ')).toBe(`efflint: ${ONNXRUNTIME_MISSING}\n`);
      expect(ONNXRUNTIME_MISSING).toMatch(/: npm install onnxruntime-node$/);
      expect(r.code).toBe(2);
    });

    it('report --no-profile needs no onnxruntime-node', () => {
      const r = sh('node_modules/.bin/efflint report zoo:exp_g2_g1 --no-profile -o r.md', scratch);
      expect(r.code).toBe(0);
      expect(readFileSync(join(scratch, 'r.md'), 'utf8')).toMatch(/^# efflint/);
    });

    it("README's library examples run against the installed package (ESM; import() from CommonJS)", () => {
      const api = README.slice(
        README.indexOf('## Library API'),
        README.indexOf('\n## ', README.indexOf('## Library API') + 5),
      );
      const examples = [...api.matchAll(/```js\n([\s\S]*?)\n```/g)].map((m) => at(m, 1));
      expect(examples.length).toBe(7);
      const dir = join(scratch, 'api');
      mkdirSync(dir);
      // One process imports the examples in turn (a Node start-up each would double the time).
      examples.forEach((code, i) => writeFileSync(join(dir, `example${i}.mjs`), code));
      writeFileSync(
        join(dir, 'run.mjs'),
        `for (let i = 0; i < ${examples.length}; i++) {\n` +
          `  try { await import(\`./example\${i}.mjs\`); console.log(\`example\${i}: ok\`); }\n` +
          `  catch (e) { console.log(\`example\${i}: \${e.name}: \${e.message}\`); }\n}\n`,
      );
      const r = sh('node run.mjs', dir);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const verdicts = r.stdout.split('\n').filter((l) => /^example\d: /.test(l));
      expect(verdicts).toEqual(
        examples.map((code, i) =>
          code.includes('await profile(') ? `example${i}: ProfilerError: ${ONNXRUNTIME_MISSING}` : `example${i}: ok`,
        ),
      );
      expect(r.stdout).toMatch(/\d+ nodes\n/);
      expect(r.stdout).toMatch(/SARIF results\n/);
      expect(existsSync(join(dir, 'shufflenet_v2.onnx'))).toBe(true);
      writeFileSync(
        join(dir, 'cjs.cjs'),
        "import('efflint').then((m) => console.log(typeof m.lint));\ntry { require('efflint'); } catch (e) { console.log(e.code); }\n",
      );
      const cjs = sh('node cjs.cjs', dir);
      expect(cjs.stdout).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED\nfunction\n');
    });
  },
);
