import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { at } from '../../src/util/at.js';
import { buildZooModel } from '../../src/zoo/index.js';
import { runCli } from '../helpers/cli.js';

const CI_DOC = readFileSync(new URL('../../docs/ci.md', import.meta.url), 'utf8');

function block(lang: string, after = ''): string {
  const from = after ? CI_DOC.indexOf(after) : 0;
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)\\n```').exec(CI_DOC.slice(from));
  if (!m) throw new Error(`docs/ci.md: no \`\`\`${lang} block${after ? ` after "${after}"` : ''}`);
  return at(m, 1);
}

/** Splits a one-line shell command: quotes, and `>` / `>>` redirection of stdout. */
function parseCommand(
  line: string,
  env: Record<string, string>,
): { args: string[]; redirect?: { file: string; append: boolean } } {
  const tokens: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(>>|>)|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line))
    tokens.push(
      m[1] ??
        (m[2] !== undefined ? m[2].replace(/\$(\w+)/g, (_, v: string) => env[v] ?? '') : undefined) ??
        m[3] ??
        at(m, 4),
    );
  const redirectAt = tokens.findIndex((t) => t === '>' || t === '>>');
  const args = redirectAt >= 0 ? tokens.slice(0, redirectAt) : tokens;
  expect(args.slice(0, 2)).toEqual(['npx', 'efflint']);
  return {
    args: args.slice(2),
    redirect: redirectAt >= 0 ? { file: at(tokens, redirectAt + 1), append: tokens[redirectAt] === '>>' } : undefined,
  };
}

interface Step {
  name: string;
  run: string;
  continueOnError: boolean;
}

/** The workflow's steps that run efflint, in order. */
function efflintSteps(workflow: string): Step[] {
  const steps: Step[] = [];
  for (const chunk of workflow.split(/\n\s+- /).slice(1)) {
    const run = /(?:^|\n)\s*run: (.+)/.exec(chunk)?.[1];
    if (!run || !/\bnpx efflint\b/.test(run)) continue;
    steps.push({
      name: /name: (.+)/.exec(chunk)?.[1] ?? '',
      run,
      continueOnError: chunk.includes('continue-on-error: true'),
    });
  }
  return steps;
}

/** Runs the workflow's efflint steps in a model repository like the one the page describes. */
function runWorkflow(models: Record<string, string>, config?: string) {
  const repo = mkdtempSync(join(tmpdir(), 'efflint-ci-doc-'));
  for (const [path, zoo] of Object.entries(models)) {
    mkdirSync(join(repo, path, '..'), { recursive: true });
    writeFileSync(join(repo, path), buildZooModel(zoo));
  }
  if (config) writeFileSync(join(repo, 'efflint.config.json'), config);
  const env = { GITHUB_STEP_SUMMARY: join(repo, 'summary.md') };
  writeFileSync(env.GITHUB_STEP_SUMMARY, '');
  const results = efflintSteps(block('yaml')).map((step) => {
    const { args, redirect } = parseCommand(step.run, env);
    const r = runCli(args, { cwd: repo });
    if (redirect)
      (redirect.append ? appendFileSync : writeFileSync)(
        isAbsolute(redirect.file) ? redirect.file : join(repo, redirect.file),
        r.stdout,
      );
    return { step, args, redirect, ...r };
  });
  return { repo, env, results };
}

describe('docs/ci.md workflow, run with the real CLI', () => {
  const steps = efflintSteps(block('yaml'));

  it('has the SARIF, summary and gate steps, and uploads the file the SARIF step writes', () => {
    expect(steps.map((s) => s.name)).toEqual(['Lint for code scanning', 'Job summary', 'Fail on errors']);
    const [sarifStep, summaryStep, gateStep] = [at(steps, 0), at(steps, 1), at(steps, 2)];
    expect(sarifStep.run).toMatch(/--format sarif > (\S+)$/);
    const sarifFile = /> (\S+)$/.exec(sarifStep.run)?.[1] ?? '';
    expect(block('yaml')).toMatch(
      new RegExp(`uses: github/codeql-action/upload-sarif@v\\d+[\\s\\S]*sarif_file: ${sarifFile.replace('.', '\\.')}`),
    );
    expect(summaryStep.run).toMatch(/--format markdown >> "\$GITHUB_STEP_SUMMARY"$/);
    expect(sarifStep.continueOnError && summaryStep.continueOnError && !gateStep.continueOnError).toBe(true);
  });

  it('passes on a clean repository', () => {
    const { repo, env, results } = runWorkflow({ 'models/a.onnx': 'exp_g3_1frag', 'models/b/c.onnx': 'exp_g3_1frag' });
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    const sarif = JSON.parse(readFileSync(join(repo, 'efflint.sarif'), 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results).toEqual([]);
    expect(readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8')).toMatch(
      /^## ✅ efflint: 0 errors, 0 warnings, 0 info in 2 models/,
    );
  });

  it('fails the gate on errors from the documented config, after writing SARIF and the summary', () => {
    const { repo, env, results } = runWorkflow(
      { 'models/v1.onnx': 'shufflenet_v1_g8', 'models/v2.onnx': 'shufflenet_v2_x1_0' },
      block('json', '## Configuration'),
    );
    expect(results.map((r) => r.code)).toEqual([1, 1, 1]);
    expect(at(results, 2).stdout).toMatch(/error +G2 +stage2/);
    const sarif = JSON.parse(readFileSync(join(repo, 'efflint.sarif'), 'utf8'));
    const errors = sarif.runs[0].results.filter((r: { level: string }) => r.level === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0].locations[0].physicalLocation.artifactLocation.uri).toBe('models/v1.onnx');
    expect(readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8')).toMatch(/^## ❌ efflint: \d+ errors/);
  });

  it('the netron example command works', () => {
    const m = /efflint lint (\S+) --format netron > (\S+)/.exec(CI_DOC);
    if (!m) throw new Error('docs/ci.md: no `efflint lint ... --format netron >` example');
    const model = at(m, 1);
    const repo = mkdtempSync(join(tmpdir(), 'efflint-ci-netron-'));
    mkdirSync(join(repo, 'models'));
    writeFileSync(join(repo, model), buildZooModel('exp_g3_4frag_parallel'));
    const r = runCli(['lint', model, '--format', 'netron'], { cwd: repo });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).signature).toBe('netron:attachment');
  });
});
