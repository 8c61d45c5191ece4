import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/schema.js';
import { at } from '../../src/util/at.js';
import type { ZooBuildOptions } from '../../src/zoo/index.js';
import { buildZooModel } from '../../src/zoo/index.js';
import { runCli } from '../helpers/cli.js';

const CI_DOC = readFileSync(new URL('../../docs/ci.md', import.meta.url), 'utf8');
const SECTION = '## Gate a model pull request with efflint diff';

/** The first ```lang block of the diff section of docs/ci.md. */
function block(lang: string): string {
  const from = CI_DOC.indexOf(SECTION);
  if (from < 0) throw new Error(`docs/ci.md: no "${SECTION}" section`);
  const m = new RegExp('```' + lang + '\\n([\\s\\S]*?)\\n```').exec(CI_DOC.slice(from));
  if (!m) throw new Error(`docs/ci.md: no \`\`\`${lang} block in "${SECTION}"`);
  return at(m, 1);
}

/** The workflow's `run:` lines, by step name. */
function runSteps(workflow: string): { name: string; run: string }[] {
  return workflow
    .split(/\n\s+- /)
    .slice(1)
    .map((chunk) => ({ name: /name: (.+)/.exec(chunk)?.[1] ?? '', run: /(?:^|\n)\s*run: (.+)/.exec(chunk)?.[1] ?? '' }))
    .filter((s) => s.run !== '');
}

const git = (cwd: string, ...args: string[]): string =>
  execFileSync(
    'git',
    ['-c', 'user.name=efflint-test', '-c', 'user.email=test@efflint.invalid', '-c', 'init.defaultBranch=main', ...args],
    { cwd, encoding: 'utf8' },
  );

/**
 * A repository whose main branch holds model.onnx (and the documented config), cloned, with the model
 * replaced on a pull-request branch; then the workflow's `git show` and `efflint diff` steps run in it.
 */
function runWorkflow(base: [string, ZooBuildOptions?], head: [string, ZooBuildOptions?]) {
  const origin = mkdtempSync(join(tmpdir(), 'efflint-diff-origin-'));
  git(origin, 'init', '-q');
  writeFileSync(join(origin, 'model.onnx'), buildZooModel(...base));
  writeFileSync(join(origin, 'efflint.config.json'), block('json'));
  git(origin, 'add', '.');
  git(origin, 'commit', '-q', '-m', 'base model');
  const repo = mkdtempSync(join(tmpdir(), 'efflint-diff-pr-'));
  git(repo, 'clone', '-q', origin, '.');
  git(repo, 'checkout', '-q', '-b', 'pr');
  writeFileSync(join(repo, 'model.onnx'), buildZooModel(...head));
  git(repo, 'commit', '-q', '-am', 'change the model');

  const summary = join(repo, 'summary.md');
  writeFileSync(summary, '');
  const steps = runSteps(block('yaml'));
  const show = steps.find((s) => s.run.startsWith('git show'))!;
  execFileSync('bash', ['-c', show.run.replace('${{ github.base_ref }}', 'main')], { cwd: repo });
  const diff = steps.find((s) => s.run.startsWith('npx efflint diff'))!;
  const m = /^npx efflint (.+?) >> \$GITHUB_STEP_SUMMARY$/.exec(diff.run);
  if (!m) throw new Error(`unexpected diff step: ${diff.run}`);
  const r = runCli(at(m, 1).split(/\s+/), { cwd: repo });
  appendFileSync(summary, r.stdout);
  return { ...r, summary: readFileSync(summary, 'utf8') };
}

describe('docs/ci.md "Gate a model pull request with efflint diff", run in a real Git repository', () => {
  it('documents the base checkout from the target branch and the Markdown job summary', () => {
    const runs = runSteps(block('yaml')).map((s) => s.run);
    expect(runs).toContain('git show origin/${{ github.base_ref }}:model.onnx > base.onnx');
    expect(runs).toContain('npx efflint diff base.onnx model.onnx --format markdown >> $GITHUB_STEP_SUMMARY');
    expect(block('yaml')).toMatch(/fetch-depth: 0/);
  });

  it('its config block is a valid efflint.config.json with a diff section', () => {
    expect(validateConfig(JSON.parse(block('json')), 'efflint.config.json').diff).toEqual({
      maxFlopsIncrease: 5,
      maxParamsIncrease: 10,
      maxMemAccessIncrease: 5,
      failOnNew: 'warn',
    });
  });

  it('passes a pull request that replaces group convolutions by dense ones of equal FLOPs (G2)', () => {
    // exp_g2_g8 -> exp_g2_g1: FLOPs and params +1.1%, memAccess -64%, every G2 finding fixed
    const r = runWorkflow(['exp_g2_g8'], ['exp_g2_g1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.summary).toMatch(/^## ✅ efflint diff passes: `base\.onnx` → `model\.onnx`\n/);
  });

  it('fails a pull request that doubles the width, naming the thresholds from the config', () => {
    const r = runWorkflow(['shufflenet_v2_x0_5'], ['shufflenet_v2_x1_0']);
    expect(r.code).toBe(1);
    expect(r.summary).toMatch(/^## ❌ efflint diff fails \d+ thresholds: `base\.onnx` → `model\.onnx`\n/);
    expect(r.summary).toContain(
      '- ❌ params +66.7% (1,366,792 -&gt; 2,278,604) exceeds the 10% limit (--max-params-increase)',
    );
    expect(r.summary).toMatch(
      /- ❌ FLOPs \+\d+\.\d% \([\d,]+ -&gt; [\d,]+\) exceeds the 5% limit \(--max-flops-increase\)/,
    );
  });
});
