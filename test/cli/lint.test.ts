import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MIN_IMPACT_PERCENT } from '../../src/rules/lint.js';
import { at } from '../../src/util/at.js';
import { buildZooModel } from '../../src/zoo/index.js';
import type { CliResult } from '../helpers/cli.js';
import { runCli } from '../helpers/cli.js';

// Spawns the built CLI (`npm run build` first), NO_COLOR=1, scrubbed environment.
let dir: string;

/** A text finding row: share of estimated time, severity, rule, node, message. */
const ROW = /^ +(\d+\.\d%|<0\.1%|0%) {2}(warning|error|info) +([GE]\d+) /;
/** `lint zoo:shufflenet_v1_g8` as text with the defaults, spawned once for the tests that read it. */
let defaultText: CliResult | undefined;
const lintV1G8 = (): CliResult => (defaultText ??= runCli(['lint', 'zoo:shufflenet_v1_g8']));

interface JsonFinding {
  ruleId: string;
  messageId: string;
  severity: string;
  node: string | null;
  opType: string | null;
  message: string;
  fixedByRuntime: boolean;
  fingerprint: string;
  impact: { estimatedUs: number; share: number };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'efflint-lint-cli-'));
  mkdirSync(join(dir, 'models', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'models', 'v1.onnx'), buildZooModel('shufflenet_v1_g8'));
  writeFileSync(join(dir, 'models', 'sub', 'one.onnx'), buildZooModel('exp_g3_1frag'));
  writeFileSync(join(dir, 'models', 'broken.txt'), 'not a model');
  writeFileSync(
    join(dir, 'gpu.json'),
    JSON.stringify({
      schemaVersion: 1,
      name: 'test-gpu',
      peakFlopsPerSecond: 5.67e12,
      bandwidthBytesPerSecond: 4.84e11,
      perOpOverheadUs: 5,
    }),
  );
});

describe('efflint lint (spawned CLI)', () => {
  it('reports findings as text and exits 0 when nothing reaches --fail-on error', () => {
    const r = lintV1G8();
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^zoo:shufflenet_v1_g8 {2}[\d.]+M FLOPs, /);
    expect(lines[1]).toMatch(
      /^ {2}on onnxruntime-cpu \(static model\): \d+ kernels, [1-9]\d* layers fused; est\. [\d.]+ (us|ms|s) on default CPU /,
    );
    expect(r.stdout).toMatch(
      /^ +[\d.]+% {2}warning {2}G2 +stage2\.unit1\.conv3 +1x1 group conv g=8 96->360 ch: MAC \d+% above a dense conv of equal FLOPs/m,
    );
    // One row per finding, largest estimated share of time first.
    const rows = lines.filter((l) => ROW.test(l));
    expect(rows.length).toBeGreaterThan(3);
    const shares = rows.map((l) => Number(/^ +([\d.]+)%/.exec(l)![1]));
    expect(shares).toEqual([...shares].sort((a, b) => b - a));
    // Then one fix line per rule that has a row, after the rows.
    const fixes = lines.filter((l) => l.startsWith('  fix '));
    const fixRules = fixes.map((l) => /^ {2}fix ([GE]\d+) \(/.exec(l)![1]);
    expect(new Set(fixRules).size).toBe(fixRules.length);
    expect([...fixRules].sort()).toEqual([...new Set(rows.map((l) => ROW.exec(l)![3]))].sort());
    expect(lines.findIndex((l) => l.startsWith('  fix '))).toBeGreaterThan(lines.indexOf(rows.at(-1)!));
    expect(fixes.find((l) => l.startsWith('  fix G2 ('))).toMatch(
      /^ {2}fix G2 \(\d+ shown of \d+, group-convolution\): use g=1 /,
    );
    // Then what --min-impact (default DEFAULT_MIN_IMPACT_PERCENT) left out, and the summary of what is shown.
    expect(r.stdout).toMatch(
      new RegExp(
        `\\n {2}\\d+ findings \\(0 errors, \\d+ warnings, \\d+ info\\) below ${DEFAULT_MIN_IMPACT_PERCENT}% of est\\. time not shown: --min-impact 0 shows all\\n`,
      ),
    );
    expect(r.stdout).toContain(`\n${rows.length} findings (0 errors, `);
    expect(r.stdout).toMatch(/\d+ findings \(0 errors, \d+ warnings, \d+ info\) in 1 model/);
    expect(r.stdout).not.toMatch(/\u001b\[/);
    expect(r.stderr).toBe('');
  });

  it('has no stdout line wider than 160 columns when stdout is not a terminal, cutting long ones with an ellipsis', () => {
    const lines = lintV1G8().stdout.split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(160);
    const cut = lines.filter((l) => l.endsWith('\u2026'));
    expect(cut.length).toBeGreaterThan(0);
    for (const l of cut) expect(l).toHaveLength(160);
    const all = runCli(['lint', 'zoo:shufflenet_v1_g8', '--min-impact', '0']).stdout.split('\n');
    expect(Math.max(...all.map((l) => l.length))).toBeLessThanOrEqual(160);
  });

  it('--min-impact 0 prints every finding; the default leaves out the smallest and says so', () => {
    const byDefault = lintV1G8()
      .stdout.split('\n')
      .filter((l) => ROW.test(l));
    const r = runCli(['lint', 'zoo:shufflenet_v1_g8', '--min-impact', '0']);
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => ROW.test(l));
    expect(rows.length).toBeGreaterThan(byDefault.length);
    expect(r.stdout).toContain(`\n${rows.length} findings (0 errors, `);
    expect(r.stdout).not.toContain('not shown');
    expect(r.stdout).not.toMatch(/ shown of /);
    // The default keeps the largest rows: they open the full list too.
    expect(rows.slice(0, 3)).toEqual(byDefault.slice(0, 3));
    // Not a percentage: a usage error.
    const bad = runCli(['lint', 'zoo:shufflenet_v1_g8', '--min-impact', '120']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /^efflint: option '--min-impact <percent>' argument '120' is invalid\. expected a percentage between 0 and 100\n$/,
    );
  });

  it('--min-impact never changes the exit code: it only shortens what people read', () => {
    const warn = runCli(['lint', 'zoo:shufflenet_v1_g8', '--fail-on', 'warn']);
    const cut = runCli(['lint', 'zoo:shufflenet_v1_g8', '--fail-on', 'warn', '--min-impact', '50']);
    expect(warn.code).toBe(1);
    expect(cut.code).toBe(warn.code);
    // At 50% nothing is shown, and the summary does not pretend there is nothing to report.
    expect(cut.stdout.split('\n').filter((l) => ROW.test(l))).toEqual([]);
    expect(cut.stdout).toMatch(
      /\n {2}\d+ findings \(0 errors, [1-9]\d* warnings, \d+ info\) below 50% of est\. time not shown/,
    );
    expect(cut.stdout).toMatch(
      /\nno findings shown in 1 model; \d+ findings \(0 errors, [1-9]\d* warnings, \d+ info\) below --min-impact\n/,
    );
    expect(cut.stdout).not.toContain('no findings in');
    // JSON gets every finding whatever --min-impact says.
    const full = JSON.parse(runCli(['lint', 'zoo:exp_g3_4frag_parallel', '--format', 'json']).stdout);
    const cutJson = JSON.parse(
      runCli(['lint', 'zoo:exp_g3_4frag_parallel', '--format', 'json', '--min-impact', '100']).stdout,
    );
    expect(cutJson).toEqual(full);
    expect(cutJson.results[0].belowMinImpact).toBeUndefined();
  });

  it('--statistics prints one row per rule and message instead of one per finding', () => {
    const r = runCli(['lint', 'zoo:shufflenet_v1_g8', '--statistics', '--min-impact', '0']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.filter((l) => ROW.test(l))).toEqual([]);
    const rows = lines.filter((l) => /^ +\d+ {2}[GE]\d+ /.test(l)).map((l) => l.trim().split(/ {2,}/));
    expect(rows.length).toBeGreaterThan(2);
    for (const row of rows)
      expect(row).toEqual([
        expect.stringMatching(/^\d+$/),
        expect.stringMatching(/^[GE]\d+$/),
        expect.stringMatching(/^[a-z-]+$/),
        expect.stringMatching(/^[a-zA-Z]+$/),
        expect.stringMatching(/^(error|warning|info)$/),
        expect.stringMatching(/^(\d+\.\d%|<0\.1%|0%)$/),
      ]);
    // One row per rule, message and severity; the counts add up to every finding.
    expect(new Set(rows.map((x) => `${x[1]} ${x[3]} ${x[4]}`)).size).toBe(rows.length);
    const total = Number(/\n(\d+) findings \(0 errors, \d+ warnings, \d+ info\) in 1 model/.exec(r.stdout)![1]);
    expect(rows.reduce((s, x) => s + Number(x[0]), 0)).toBe(total);
    expect(rows).toContainEqual(['31', 'G2', 'group-convolution', 'groupConvolution', 'warning', expect.any(String)]);
    // Largest summed share of time first; the fix lines are still there.
    const shares = rows.map((x) => (x[5] === '<0.1%' ? 0.05 : Number(at(x, 5).replace('%', ''))));
    expect(shares).toEqual([...shares].sort((a, b) => b - a));
    expect(lines.some((l) => l.startsWith('  fix G2 (31 findings, group-convolution): '))).toBe(true);
  });

  it('--runtime none judges the raw graph: BatchNormalizations a runtime folds are warnings there, infos for onnxruntime-cpu', () => {
    const lint = (args: string[]) => {
      const r = runCli(['lint', 'zoo:shufflenet_v1_g3', '--format', 'json', ...args]);
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout).results[0] as {
        target: { runtime: string; planSource: string; fusedLayers: number; kernels: number };
        findings: JsonFinding[];
      };
    };
    const none = lint(['--runtime', 'none']);
    const ort = lint([]);
    expect(none.target).toMatchObject({ runtime: 'none', planSource: 'static-model', fusedLayers: 0 });
    expect(ort.target).toMatchObject({ runtime: 'onnxruntime-cpu', planSource: 'static-model' });
    expect(ort.target.fusedLayers).toBeGreaterThan(0);
    expect(ort.target.kernels).toBeLessThan(none.target.kernels);
    const bn = (r: typeof none) => r.findings.filter((f) => f.ruleId === 'E101');
    expect(bn(none).length).toBeGreaterThan(0);
    expect(
      bn(ort)
        .map((f) => f.node)
        .sort(),
    ).toEqual(
      bn(none)
        .map((f) => f.node)
        .sort(),
    );
    for (const f of bn(none))
      expect([f.severity, f.messageId, f.fixedByRuntime, f.impact.estimatedUs > 0]).toEqual([
        'warn',
        'foldableBatchNorm',
        false,
        true,
      ]);
    for (const f of bn(ort))
      expect([f.severity, f.messageId, f.fixedByRuntime, f.impact.estimatedUs]).toEqual([
        'info',
        'foldedByRuntime',
        true,
        0,
      ]);
    // Whatever the runtime fixes is an info at most; findings come largest impact first.
    for (const r of [none, ort]) {
      for (const f of r.findings.filter((x) => x.fixedByRuntime)) expect(f.severity).toBe('info');
      const us = r.findings.map((f) => f.impact.estimatedUs);
      expect(us).toEqual([...us].sort((a, b) => b - a));
      // E102 (channel alignment) is for TensorRT or a device profile with a channel multiple.
      expect(r.findings.some((f) => f.ruleId === 'E102')).toBe(false);
    }
    // TensorRT: E102, but never on a layer reading a model input (the stem conv, 3 input channels).
    const trt = lint(['--runtime', 'tensorrt']);
    expect(trt.target.runtime).toBe('tensorrt');
    const e102 = trt.findings.filter((f) => f.ruleId === 'E102');
    expect(e102.length).toBeGreaterThan(0);
    expect(e102.map((f) => f.node)).not.toContain('conv1.conv');
  });

  it('rejects an unknown --runtime as a usage error naming the choices', () => {
    const r = runCli(['lint', 'zoo:exp_g3_1frag', '--runtime', 'cuda']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    // One line prefixed efflint:, like every other error.
    expect(r.stderr).toBe(
      "efflint: option '--runtime <name>' argument 'cuda' is invalid. Allowed choices are onnxruntime-cpu, tensorrt, none.\n",
    );
  });

  it('reads the runtime from the config; --runtime wins; a bad one exits 2 with one line', () => {
    const project = mkdtempSync(join(tmpdir(), 'efflint-lint-runtime-'));
    writeFileSync(join(project, 'efflint.config.json'), JSON.stringify({ runtime: 'none' }));
    const fromConfig = runCli(['lint', 'zoo:exp_g3_1frag', '--format', 'json'], { cwd: project });
    expect(fromConfig.code).toBe(0);
    expect(JSON.parse(fromConfig.stdout).results[0].target.runtime).toBe('none');
    const flag = runCli(['lint', 'zoo:exp_g3_1frag', '--format', 'json', '--runtime', 'tensorrt'], { cwd: project });
    expect(JSON.parse(flag.stdout).results[0].target.runtime).toBe('tensorrt');
    writeFileSync(join(project, 'efflint.config.json'), JSON.stringify({ runtime: 'cuda' }));
    const bad = runCli(['lint', 'zoo:exp_g3_1frag'], { cwd: project });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'efflint: efflint.config.json: runtime: "cuda" is not one of onnxruntime-cpu, tensorrt, none\n',
    );
    expect(bad.stdout).toBe('');
  });

  it('exits 1 at --fail-on warn, and with --max-warnings below the count', () => {
    expect(runCli(['lint', 'zoo:shufflenet_v1_g8', '--fail-on', 'warn']).code).toBe(1);
    expect(runCli(['lint', 'zoo:shufflenet_v1_g8', '--max-warnings', '3']).code).toBe(1);
    expect(runCli(['lint', 'zoo:shufflenet_v1_g8', '--max-warnings', '100000']).code).toBe(0);
    expect(runCli(['lint', 'zoo:exp_g3_1frag', '--fail-on', 'info']).code).toBe(0);
  });

  it('prints only errors with --quiet', () => {
    const r = runCli(['lint', 'zoo:shufflenet_v1_g8', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^no errors in 1 model; --quiet hid \d+ warnings, \d+ info/);
  });

  it.each([
    [
      'json',
      (out: string) => {
        const doc = JSON.parse(out);
        expect(doc).toMatchObject({
          schemaVersion: 2,
          results: [
            { model: 'zoo:exp_g3_4frag_parallel', target: { runtime: 'onnxruntime-cpu', planSource: 'static-model' } },
          ],
        });
        const r = doc.results[0];
        expect(r.target.modelEstimatedUs).toBeGreaterThan(0);
        expect(r.findings.length).toBeGreaterThan(0);
        // Every finding: impact, fingerprint, fixedByRuntime; largest impact first; --min-impact does not apply.
        for (const f of r.findings as JsonFinding[]) {
          expect(f.impact.share).toBeCloseTo(f.impact.estimatedUs / r.target.modelEstimatedUs, 12);
          const prefix = `${f.ruleId}:${f.node ?? '(model)'}:`;
          expect([f.fingerprint.startsWith(prefix), f.fingerprint.length > prefix.length]).toEqual([true, true]);
          expect(typeof f.fixedByRuntime).toBe('boolean');
        }
        const us = (r.findings as JsonFinding[]).map((f) => f.impact.estimatedUs);
        expect(us).toEqual([...us].sort((a, b) => b - a));
        expect(r.belowMinImpact).toBeUndefined();
      },
    ],
    [
      'sarif',
      (out: string) =>
        expect(JSON.parse(out)).toMatchObject({ version: '2.1.0', runs: [{ tool: { driver: { name: 'efflint' } } }] }),
    ],
    ['markdown', (out: string) => expect(out).toMatch(/^## ⚠️ efflint: 0 errors, \d+ warnings/)],
    ['netron', (out: string) => expect(JSON.parse(out).signature).toBe('netron:attachment')],
  ])('--format %s', (format, check) => {
    const r = runCli(['lint', 'zoo:exp_g3_4frag_parallel', '--format', format]);
    expect(r.code).toBe(0);
    check(r.stdout);
  });

  it('--format netron takes one model', () => {
    const r = runCli(['lint', 'zoo:exp_g3_1frag', 'zoo:exp_g3_2frag_series', '--format', 'netron']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^efflint: --format netron describes one model; got 2/);
  });

  it('expands globs itself, relative to the working directory', () => {
    const r = runCli(['lint', 'models/**/*.onnx', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).results.map((x: { model: string }) => x.model)).toEqual([
      'models/sub/one.onnx',
      'models/v1.onnx',
    ]);
    const none = runCli(['lint', 'models/*.pb'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe("efflint: no files match 'models/*.pb'\n");
  });

  it('a bad model among several: one line naming it, the others still reported, exit 2', () => {
    const r = runCli(['lint', 'zoo:exp_g3_1frag', 'models/broken.txt', 'zoo:no_such_model', '--format', 'json'], {
      cwd: dir,
    });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^efflint: .*models\/broken\.txt/);
    expect(lines[1]).toMatch(/^efflint: zoo:no_such_model: /);
    expect(JSON.parse(r.stdout).results.map((x: { model: string }) => x.model)).toEqual(['zoo:exp_g3_1frag']);
  });

  it('reads efflint.config.json from the working directory upward', () => {
    const project = mkdtempSync(join(tmpdir(), 'efflint-lint-config-'));
    mkdirSync(join(project, 'nested'));
    writeFileSync(
      join(project, 'efflint.config.json'),
      JSON.stringify({
        rules: { G2: 'error', G4: 'off', E101: 'off', E102: 'off', E103: 'off', G1: 'off' },
        ignore: [{ rule: 'G2', nodes: ['stage3.*', 'stage4.*'] }],
      }),
    );
    const r = runCli(['lint', 'zoo:shufflenet_v1_g8', '--format', 'json'], { cwd: join(project, 'nested') });
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout).results[0].findings as { ruleId: string; severity: string; node: string }[];
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.ruleId === 'G2' && f.severity === 'error' && f.node.startsWith('stage2.'))).toBe(
      true,
    );
  });

  it('--config FILE wins; a bad config exits 2 with one line listing the choices', () => {
    writeFileSync(join(dir, 'lenient.json'), JSON.stringify({ rules: { G2: 'off' } }));
    const r = runCli(['lint', 'zoo:shufflenet_v1_g8', '--config', 'lenient.json', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).results[0].findings.some((f: { ruleId: string }) => f.ruleId === 'G2')).toBe(false);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ rules: { G2: 'warning' } }));
    const bad = runCli(['lint', 'zoo:shufflenet_v1_g8', '--config', 'bad.json'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('efflint: bad.json: rules.G2: severity "warning" is not one of off, info, warn, error\n');
    expect(bad.stdout).toBe('');
  });

  it('--device-profile enables E104', () => {
    const r = runCli(['lint', 'zoo:mobilenet_v2', '--device-profile', 'gpu.json', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout).results[0];
    // Impacts are estimated on the given profile.
    expect(result.target.deviceProfile).toBe('test-gpu');
    const findings = result.findings as JsonFinding[];
    const e104 = findings.filter((f) => f.ruleId === 'E104');
    expect(e104.length).toBeGreaterThan(0);
    expect(at(e104, 0).message).toMatch(
      /^(Conv|Gemm|MatMul) memory-bound on test-gpu: [\d.]+ FLOPs\/byte < ridge [\d.]+; [\d.]+ us, [\d.]+% of est\. time$/,
    );
    // Element-wise layers (depthwise convs included) are G4's, not E104's.
    const g4Nodes = new Set(findings.filter((f) => f.ruleId === 'G4' && f.node !== null).map((f) => f.node));
    expect(g4Nodes.size).toBeGreaterThan(0);
    for (const f of e104) {
      expect(g4Nodes.has(f.node)).toBe(false);
      expect(['Relu', 'Clip', 'Add', 'Mul', 'BatchNormalization', 'Transpose']).not.toContain(f.opType);
    }
    // Without a device profile there is no E104, and impacts use a built-in CPU profile.
    const plain = JSON.parse(runCli(['lint', 'zoo:mobilenet_v2', '--format', 'json']).stdout).results[0];
    expect(plain.findings.some((f: JsonFinding) => f.ruleId === 'E104')).toBe(false);
    expect(plain.target.deviceProfile).toMatch(/CPU/);
    const missing = runCli(['lint', 'zoo:mobilenet_v2', '--device-profile', 'nope.json'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('efflint: nope.json: cannot read device profile (not found)\n');
  });

  it('binds --input shapes and rejects bad ones', () => {
    expect(runCli(['lint', 'zoo:exp_g3_1frag', '--input', 'input=2x128x28x28']).code).toBe(0);
    const r = runCli(['lint', 'zoo:exp_g3_1frag', '--input', 'input=axb']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--input 'input=axb'/);
  });

  it('rejects an unknown format as a usage error', () => {
    const r = runCli(['lint', 'zoo:exp_g3_1frag', '--format', 'xml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Allowed choices are text, json, sarif, markdown, netron/);
  });
});

describe('efflint rules (spawned CLI)', () => {
  it('lists every rule with id, name, default severity, description and docs', () => {
    const r = runCli(['rules']);
    expect(r.code).toBe(0);
    for (const id of ['G1', 'G2', 'G3', 'G4', 'E101', 'E102', 'E103', 'E104'])
      expect(r.stdout).toContain(`docs: https://github.com/efflint/efflint/blob/main/docs/rules/${id}.md`);
    expect(r.stdout).toMatch(/G2 +group-convolution +warn +Grouped convolutions/);
  });

  it('--format json', () => {
    const r = runCli(['rules', '--format', 'json']);
    const rules = JSON.parse(r.stdout) as {
      id: string;
      name: string;
      defaultSeverity: string;
      options: Record<string, { default: unknown }>;
    }[];
    expect(rules.map((x) => x.id)).toEqual(['G1', 'G2', 'G3', 'G4', 'E101', 'E102', 'E103', 'E104']);
    expect(rules[0]).toMatchObject({
      name: 'unbalanced-channels',
      defaultSeverity: 'warn',
      options: { maxRatio: { default: 2 } },
    });
  });
});
