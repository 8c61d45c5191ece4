import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildZooModel } from '../../src/zoo/index.js';
import { documentedDiffSchema, validate } from '../diff/json-schema.js';
import { runCli } from '../helpers/cli.js';

// Spawns the built CLI (`npm run build` first), NO_COLOR=1, scrubbed environment.
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'efflint-diff-cli-'));
  writeFileSync(join(dir, 'small.onnx'), buildZooModel('shufflenet_v2_x0_5'));
  writeFileSync(join(dir, 'small-deploy.onnx'), buildZooModel('shufflenet_v2_x0_5', { deploy: true }));
  writeFileSync(join(dir, 'broken.onnx'), 'not a model');
});

describe('efflint diff (spawned CLI)', () => {
  it('exits 0 and prints the text report when no threshold is exceeded', () => {
    const r = runCli([
      'diff',
      'zoo:shufflenet_v2_x1_0',
      'zoo:shufflenet_v2_x0_5',
      '--max-flops-increase',
      '0',
      '--max-params-increase',
      '0',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]).toBe('efflint diff  zoo:shufflenet_v2_x1_0 -> zoo:shufflenet_v2_x0_5');
    expect(r.stdout).toMatch(/\nparams +2\.28M +1\.37M +-911\.8K +-40\.0%\n/);
    expect(r.stdout).toContain('\nPASS: within 2 thresholds\n');
    expect(r.stdout).toMatch(/FLOPs = multiply-adds/);
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });

  it('exits 1 naming the exceeded threshold with its numbers', () => {
    const r = runCli([
      'diff',
      'zoo:shufflenet_v2_x0_5',
      'zoo:shufflenet_v2_x1_0',
      '--max-params-increase',
      '10',
      '--max-flops-increase',
      '500',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'efflint: exit 1: params +66.7% (1,366,792 -> 2,278,604) exceeds the 10% limit (--max-params-increase)\n',
    );
    expect(r.stdout).toContain(
      'FAIL: 1 threshold exceeded\n  x params +66.7% (1,366,792 -> 2,278,604) exceeds the 10% limit (--max-params-increase)',
    );
  });

  it('--fail-on-new fails on new findings at or above the severity', () => {
    expect(runCli(['diff', 'zoo:exp_g2_g1', 'zoo:exp_g2_g8', '--fail-on-new', 'warn']).code).toBe(1);
    expect(runCli(['diff', 'zoo:exp_g2_g1', 'zoo:exp_g2_g8', '--fail-on-new', 'error']).code).toBe(0);
    // the other way round every finding is fixed, none new
    expect(runCli(['diff', 'zoo:exp_g2_g8', 'zoo:exp_g2_g1', '--fail-on-new', 'info']).code).toBe(0);
  });

  it('--format json: the documented schema, exit code matching the verdict', () => {
    const r = runCli(['diff', 'zoo:exp_g2_g1', 'zoo:exp_g2_g8', '--format', 'json', '--max-memaccess-increase', '100']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(validate(doc, documentedDiffSchema())).toEqual([]);
    expect(doc).toMatchObject({
      schemaVersion: 1,
      base: { model: 'zoo:exp_g2_g1' },
      head: { model: 'zoo:exp_g2_g8' },
      verdict: { pass: false },
    });
    expect(doc.totals.memAccess).toMatchObject({ before: 8_192_000, after: 22_741_200 });
    expect(doc.verdict.violations[0]).toMatchObject({
      threshold: 'maxMemAccessIncrease',
      flag: '--max-memaccess-increase',
      limit: 100,
    });
    // (22,741,200 - 8,192,000) / 8,192,000 = 177.6025%, rounded to 6 significant digits
    expect(doc.verdict.violations[0].actual).toBe(177.603);
    expect(doc.layers.changed).toHaveLength(10);
    expect('latency' in doc).toBe(false);
  });

  it('--format markdown: verdict line, totals table, collapsed layer changes', () => {
    const r = runCli(['diff', 'small.onnx', 'small-deploy.onnx', '--format', 'markdown'], { cwd: dir });
    expect(r.code).toBe(0);
    const md = r.stdout;
    expect(md.split('\n')[0]).toBe('## ✅ efflint diff passes: `small.onnx` → `small-deploy.onnx`');
    expect(md).toMatch(/\| layers \| 229 \| 173 \| -56 \| ▼ -24\.5% \|/);
    expect(md).toContain(
      '<details><summary>Layer changes: 0 added, 56 removed, 0 changed (matched by node name)</summary>',
    );
    expect(md).toMatch(/\| removed \| `conv1\.bn` \| `BatchNormalization` \|/);
    expect(md).toMatch(/<details><summary>Fixed findings \(\d+\)<\/summary>/);
  });

  it('reads thresholds from the diff section of efflint.config.json; a flag wins over its key', () => {
    const repo = mkdtempSync(join(tmpdir(), 'efflint-diff-config-'));
    writeFileSync(
      join(repo, 'efflint.config.json'),
      JSON.stringify({ diff: { maxMemAccessIncrease: 50, failOnNew: 'error' } }),
    );
    const fromConfig = runCli(['diff', 'zoo:exp_g2_g1', 'zoo:exp_g2_g8'], { cwd: repo });
    expect(fromConfig.code).toBe(1);
    expect(fromConfig.stdout).toContain(
      'memAccess +177.6% (8,192,000 -> 22,741,200) exceeds the 50% limit (--max-memaccess-increase)',
    );
    expect(
      runCli(['diff', 'zoo:exp_g2_g1', 'zoo:exp_g2_g8', '--max-memaccess-increase', '200'], { cwd: repo }).code,
    ).toBe(0);
  });

  it('config rules apply to both models', () => {
    const repo = mkdtempSync(join(tmpdir(), 'efflint-diff-rules-'));
    writeFileSync(join(repo, 'efflint.config.json'), JSON.stringify({ rules: { G2: 'error' } }));
    const r = runCli(['diff', 'zoo:exp_g2_g1', 'zoo:exp_g2_g8', '--fail-on-new', 'error', '--format', 'json'], {
      cwd: repo,
    });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings.new.filter((f: { severity: string }) => f.severity === 'error')).toHaveLength(
      10,
    );
  });

  it('colours the text output only when asked (FORCE_COLOR), never with NO_COLOR', () => {
    const coloured = runCli(['diff', 'zoo:exp_g2_g1', 'zoo:exp_g2_g8'], { env: { FORCE_COLOR: '1' } });
    expect(coloured.stdout).toMatch(/\u001b\[31m\+14\.55M/); // memAccess up: red
    expect(coloured.stdout).toMatch(/\u001b\[32m-5\.77M/); // FLOPs down: green
    expect(runCli(['diff', 'zoo:exp_g2_g1', 'zoo:exp_g2_g8']).stdout).not.toMatch(/\u001b\[/);
  });

  describe('exit 2 on bad input, with one line naming the problem and nothing on stdout', () => {
    it.each([
      ['a missing file', ['diff', 'missing.onnx', 'small.onnx'], /^efflint: missing\.onnx: /],
      ['a file that is not ONNX', ['diff', 'small.onnx', 'broken.onnx'], /^efflint: .*broken\.onnx/],
      [
        'an unknown zoo model',
        ['diff', 'zoo:no_such_model', 'small.onnx'],
        /^efflint: zoo:no_such_model: Unknown zoo model/,
      ],
      [
        '--max-latency-increase without --profile',
        ['diff', 'small.onnx', 'small.onnx', '--max-latency-increase', '5'],
        /^efflint: --max-latency-increase needs --profile/,
      ],
      [
        'a percentage that is not a number',
        ['diff', 'small.onnx', 'small.onnx', '--max-flops-increase', 'lots'],
        /argument 'lots' is invalid\. expected a percentage >= 0/,
      ],
      [
        'a negative percentage',
        ['diff', 'small.onnx', 'small.onnx', '--max-params-increase=-3'],
        /argument '-3' is invalid/,
      ],
      [
        'an unknown severity',
        ['diff', 'small.onnx', 'small.onnx', '--fail-on-new', 'warning'],
        /argument 'warning' is invalid/,
      ],
      ['a missing head argument', ['diff', 'small.onnx'], /missing required argument 'head'/],
      ['an unknown format', ['diff', 'small.onnx', 'small.onnx', '--format', 'sarif'], /argument 'sarif' is invalid/],
    ])('%s', (_name, args, message) => {
      const r = runCli(args, { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n')[0]).toMatch(message);
    });

    it('both models bad: one line each', () => {
      const r = runCli(['diff', 'missing.onnx', 'broken.onnx', '--format', 'json'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/missing\.onnx/);
      expect(lines[1]).toMatch(/broken\.onnx/);
    });

    it('a bad diff section in the config', () => {
      const repo = mkdtempSync(join(tmpdir(), 'efflint-diff-badconfig-'));
      writeFileSync(join(repo, 'efflint.config.json'), JSON.stringify({ diff: { maxFlopsIncrease: '5%' } }));
      const r = runCli(['diff', 'zoo:exp_g2_g1', 'zoo:exp_g2_g8'], { cwd: repo });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        'efflint: efflint.config.json: diff.maxFlopsIncrease: expected a percentage >= 0 (e.g. 5 for +5%), got "5%"\n',
      );
    });
  });

  it('is listed in --help', () => {
    const r = runCli(['--help']);
    expect(r.stdout).toMatch(/\n {2}diff \[options\] <base> <head> +compare two models/);
  });
});
