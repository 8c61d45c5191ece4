import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildZooModel } from '../../src/zoo/index.js';
import { runCli } from '../helpers/cli.js';

// Spawns the built CLI (`npm run build` first), NO_COLOR=1, scrubbed environment.
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'efflint-lint-cli-'));
  mkdirSync(join(dir, 'models', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'models', 'v1.onnx'), buildZooModel('shufflenet_v1_g8'));
  writeFileSync(join(dir, 'models', 'sub', 'one.onnx'), buildZooModel('exp_g3_1frag'));
  writeFileSync(join(dir, 'models', 'broken.txt'), 'not a model');
  writeFileSync(join(dir, 'gpu.json'), JSON.stringify({ schemaVersion: 1, name: 'test-gpu', peakFlopsPerSecond: 5.67e12, bandwidthBytesPerSecond: 4.84e11, perOpOverheadUs: 5 }));
});

describe('efflint lint (spawned CLI)', () => {
  it('reports findings as text and exits 0 when nothing reaches --fail-on error', () => {
    const r = runCli(['lint', 'zoo:shufflenet_v1_g8']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^zoo:shufflenet_v1_g8  [\d.]+M FLOPs, /);
    expect(r.stdout).toMatch(/warning +G2 +stage2\.unit1\.conv3 +1x1 group conv with g=8/);
    expect(r.stdout).toMatch(/\d+ findings \(0 errors, \d+ warnings, \d+ info\) in 1 model/);
    expect(r.stdout).not.toMatch(/\u001b\[/);
    expect(r.stderr).toBe('');
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
    expect(r.stdout).toMatch(/^no findings in 1 model/);
  });

  it.each([
    ['json', (out: string) => expect(JSON.parse(out)).toMatchObject({ schemaVersion: 1, results: [{ model: 'zoo:exp_g3_4frag_parallel' }] })],
    ['sarif', (out: string) => expect(JSON.parse(out)).toMatchObject({ version: '2.1.0', runs: [{ tool: { driver: { name: 'efflint' } } }] })],
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
    expect(JSON.parse(r.stdout).results.map((x: { model: string }) => x.model)).toEqual(['models/sub/one.onnx', 'models/v1.onnx']);
    const none = runCli(['lint', 'models/*.pb'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe("efflint: no files match 'models/*.pb'\n");
  });

  it('a bad model among several: one line naming it, the others still reported, exit 2', () => {
    const r = runCli(['lint', 'zoo:exp_g3_1frag', 'models/broken.txt', 'zoo:no_such_model', '--format', 'json'], { cwd: dir });
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
      JSON.stringify({ rules: { G2: 'error', G4: 'off', E101: 'off', E102: 'off', E103: 'off', G1: 'off' }, ignore: [{ rule: 'G2', nodes: ['stage3.*', 'stage4.*'] }] }),
    );
    const r = runCli(['lint', 'zoo:shufflenet_v1_g8', '--format', 'json'], { cwd: join(project, 'nested') });
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout).results[0].findings as { ruleId: string; severity: string; node: string }[];
    expect(findings.length).toBeGreaterThan(0);
    expect(findings.every((f) => f.ruleId === 'G2' && f.severity === 'error' && f.node.startsWith('stage2.'))).toBe(true);
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
    const e104 = JSON.parse(r.stdout).results[0].findings.filter((f: { ruleId: string }) => f.ruleId === 'E104');
    expect(e104.length).toBeGreaterThan(0);
    expect(e104[0].message).toMatch(/is memory-bound on test-gpu/);
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
    for (const id of ['G1', 'G2', 'G3', 'G4', 'E101', 'E102', 'E103', 'E104']) expect(r.stdout).toContain(`docs: https://github.com/efflint/efflint/blob/main/docs/rules/${id}.md`);
    expect(r.stdout).toMatch(/G2 +group-convolution +warn +Grouped convolutions/);
  });

  it('--format json', () => {
    const r = runCli(['rules', '--format', 'json']);
    const rules = JSON.parse(r.stdout) as { id: string; name: string; defaultSeverity: string; options: Record<string, { default: unknown }> }[];
    expect(rules.map((x) => x.id)).toEqual(['G1', 'G2', 'G3', 'G4', 'E101', 'E102', 'E103', 'E104']);
    expect(rules[0]).toMatchObject({ name: 'unbalanced-channels', defaultSeverity: 'warn', options: { maxRatio: { default: 2 } } });
  });
});
