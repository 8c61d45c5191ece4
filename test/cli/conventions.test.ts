import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { floatInit, node, tensorInfo, tinyModel } from '../helpers/tiny-model.js';
import { escapeGithubData, escapeGithubProperty } from '../../src/util/escape.js';
import { useColor } from '../../src/cli/io.js';

// Spawns the built CLI (`npm run build` first): ESLint/Ruff conventions and output that survives pipes.
const BIN = fileURLToPath(new URL('../../bin/efflint.js', import.meta.url));
const MODEL = 'zoo:shufflenet_v1_g8';

let dir: string;
let symbolic: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'efflint-conventions-'));
  mkdirSync(join(dir, 'models', 'nested'), { recursive: true });
  symbolic = join(dir, 'models', 'nested', 'sym.onnx');
  writeFileSync(
    symbolic,
    tinyModel({
      inputs: [tensorInfo('x', [1, 3, 'H', 'W'])],
      outputs: [tensorInfo('y', [])],
      initializers: [floatInit('w', [16, 3, 3, 3])],
      nodes: [
        node('Conv', ['x', 'w'], ['c'], { pads: [1, 1, 1, 1] }, 'conv1'),
        node('Relu', ['c'], ['y'], {}, 'relu1'),
      ],
    }),
  );
  writeFileSync(join(dir, 'models', 'README.txt'), 'not a model');
});

/** Runs `efflint ARGS | head -c 100` in bash and returns efflint's own exit status and stderr. */
function throughHead(args: string): { code: number; stderr: string; stdout: string } {
  const r = spawnSync(
    'bash',
    ['-c', `"${process.execPath}" "${BIN}" ${args} 2>"${dir}/err.txt" | head -c 100; echo "rc=\${PIPESTATUS[0]}" >&2`],
    {
      env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
      encoding: 'utf8',
    },
  );
  const code = Number(/rc=(\d+)/.exec(r.stderr)?.[1]);
  return { code, stderr: readFileSync(join(dir, 'err.txt'), 'utf8'), stdout: r.stdout };
}

describe('closed pipes (EPIPE)', () => {
  it.each([
    [`lint zoo:shufflenet_v1_g3 --format json`, 0],
    [`lint zoo:shufflenet_v1_g3 --format json --fail-on warn`, 1],
    [`analyze zoo:shufflenet_v1_g3 --format json`, 0],
    [`zoo list --format json`, 0],
  ])('efflint %s | head -c 100 ends quietly with exit %i', (args, code) => {
    const r = throughHead(args);
    expect(r.stdout.length).toBe(100);
    expect(r.code).toBe(code);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled|at .*\.js:\d+/);
  });
});

describe('exit 1 says which limit failed; --quiet counts what it hid', () => {
  it('names --fail-on and --max-warnings with the counts', () => {
    const failOn = runCli(['lint', MODEL, '--fail-on', 'warn']);
    expect(failOn.code).toBe(1);
    expect(failOn.stderr).toMatch(/^efflint: exit 1: --fail-on warn: \d+ warnings\n$/);
    const max = runCli(['lint', MODEL, '--max-warnings', '5']);
    expect(max.code).toBe(1);
    expect(max.stderr).toMatch(/^efflint: exit 1: --max-warnings 5: \d+ warnings\n$/);
    expect(runCli(['lint', MODEL]).stderr).toBe('');
  });

  it('names the diff threshold', () => {
    const r = runCli([
      'diff',
      'zoo:exp_g2_g1',
      'zoo:exp_g2_g8',
      '--max-memaccess-increase',
      '100',
      '--fail-on-new',
      'warn',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^efflint: exit 1: .*exceeds the 100% limit \(--max-memaccess-increase\); \d+ new findings? at or above warn \(--fail-on-new\)[^\n]*\n$/,
    );
  });

  it('--quiet shows errors only and its summary counts the hidden findings', () => {
    const r = runCli(['lint', MODEL, '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^no errors in 1 model; --quiet hid [1-9]\d* warnings, \d+ info\n/);
    expect(r.stdout).not.toMatch(/no findings/);
    const json = JSON.parse(runCli(['lint', MODEL, '--quiet', '--format', 'json']).stdout);
    expect(json.results[0].findings).toEqual([]);
    expect(json.results[0].quieted.warn).toBeGreaterThan(0);
  });

  it('--exit-zero exits 0 where --fail-on would exit 1, and prints no limit line', () => {
    const r = runCli(['lint', MODEL, '--fail-on', 'warn', '--exit-zero']);
    expect([r.code, r.stderr]).toEqual([0, '']);
  });
});

describe('colour', () => {
  it('--color forces colour, --no-color and FORCE_COLOR=0 turn it off', () => {
    const ansi = /\u001b\[/;
    expect(runCli(['lint', MODEL, '--color']).stdout).toMatch(ansi);
    expect(runCli(['--color', 'lint', MODEL]).stdout).toMatch(ansi);
    expect(runCli(['lint', MODEL, '--no-color'], { env: { FORCE_COLOR: '1' } }).stdout).not.toMatch(ansi);
    expect(runCli(['lint', MODEL], { env: { FORCE_COLOR: '1' } }).stdout).toMatch(ansi);
    expect(runCli(['lint', MODEL], { env: { FORCE_COLOR: '0' } }).stdout).not.toMatch(ansi);
  });

  it('decides like chalk on a terminal: FORCE_COLOR=0/false off, NO_COLOR off, flags win', () => {
    const tty = { stdout: () => undefined, stderr: () => undefined, stdoutIsTTY: true, stderrIsTTY: true, cwd: '/' };
    expect(useColor({ ...tty, env: {} })).toBe(true);
    expect(useColor({ ...tty, env: { FORCE_COLOR: '0' } })).toBe(false);
    expect(useColor({ ...tty, env: { FORCE_COLOR: 'false' } })).toBe(false);
    expect(useColor({ ...tty, env: { NO_COLOR: '1' } })).toBe(false);
    expect(useColor({ ...tty, env: { NO_COLOR: '' } })).toBe(true);
    expect(useColor({ ...tty, stdoutIsTTY: false, env: { FORCE_COLOR: '' } })).toBe(true);
    expect(useColor({ ...tty, env: { NO_COLOR: '1' }, colorFlag: true })).toBe(true);
    expect(useColor({ ...tty, env: { FORCE_COLOR: '3' }, colorFlag: false })).toBe(false);
  });
});

describe('-o, directories and globs', () => {
  it('writes the report to -o FILE; an unwritable path is one line and exit 2', () => {
    const out = join(dir, 'lint.json');
    const r = runCli(['lint', MODEL, '--format', 'json', '-o', out]);
    expect([r.code, r.stdout]).toEqual([0, '']);
    expect(JSON.parse(readFileSync(out, 'utf8')).results[0].model).toBe(MODEL);
    const bad = runCli(['lint', MODEL, '--output-file', join(dir, 'missing-dir', 'x.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      `efflint: cannot write ${join(dir, 'missing-dir', 'x.json')}: folder ${join(dir, 'missing-dir')} does not exist\n`,
    );
  });

  it('recurses into directories for *.onnx and expands ** globs', () => {
    const byDir = runCli(['lint', 'models', '--format', 'json'], { cwd: dir });
    expect(byDir.code).toBe(0);
    expect(JSON.parse(byDir.stdout).results.map((r: { model: string }) => r.model)).toEqual(['models/nested/sym.onnx']);
    const byGlob = runCli(['lint', 'models/**/*.onnx', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(byGlob.stdout).results.map((r: { model: string }) => r.model)).toEqual([
      'models/nested/sym.onnx',
    ]);
    mkdirSync(join(dir, 'empty'), { recursive: true });
    const empty = runCli(['lint', 'empty'], { cwd: dir });
    expect([empty.code, empty.stderr]).toEqual([2, "efflint: no .onnx files under 'empty'\n"]);
  });
});

describe('incomplete shapes and costs', () => {
  it('lint warns on stderr and in JSON when dims are symbolic', () => {
    const r = runCli(['lint', symbolic, '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^efflint: .*sym\.onnx: warning: .+/m);
    const warnings: string[] = JSON.parse(r.stdout).results[0].warnings;
    expect(warnings.length).toBeGreaterThan(0);
    const bound = runCli(['lint', symbolic, '--format', 'json', '--input', 'x=1x3x32x32']);
    expect(JSON.parse(bound.stdout).results[0].warnings).toEqual([]);
    expect(bound.stderr).toBe('');
  });
});

describe('rule selection, --print-config, baseline', () => {
  const ruleIds = (args: string[]): string[] =>
    [
      ...new Set<string>(
        JSON.parse(runCli(['lint', MODEL, '--format', 'json', ...args]).stdout).results[0].findings.map(
          (f: { ruleId: string }) => f.ruleId,
        ),
      ),
    ].sort();

  it('--select, --ignore and --rule choose rules and severities', () => {
    expect(ruleIds(['--select', 'G2'])).toEqual(['G2']);
    expect(ruleIds(['--select', 'G'])).toEqual(ruleIds([]).filter((id) => id.startsWith('G')));
    expect(ruleIds(['--ignore', 'G2,G4'])).not.toContain('G2');
    const r = runCli(['lint', MODEL, '--rule', 'G2:error']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^efflint: exit 1: --fail-on error: \d+ errors\n$/);
    const bad = runCli(['lint', MODEL, '--select', 'X9']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^efflint: --select X9: no such rule/);
    expect(runCli(['lint', MODEL, '--rule', 'G2']).stderr).toMatch(/^efflint: --rule G2: expected ID:SEVERITY/);
  });

  it('--print-config prints the resolved configuration as JSON', () => {
    const r = runCli(['lint', '--print-config', '--rule', 'G2:error', '--ignore', 'E103'], { cwd: dir });
    expect(r.code).toBe(0);
    const config = JSON.parse(r.stdout);
    expect(config).toMatchObject({
      configFile: null,
      runtime: 'onnxruntime-cpu',
      failOn: 'error',
      rules: { G2: { severity: 'error' }, E103: { severity: 'off' } },
    });
  });

  it('--print-config FILE names the model it describes; a missing FILE is a usage error', () => {
    const r = runCli(['lint', '--print-config', MODEL, '--rule', 'G2:error'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ file: MODEL, rules: { G2: { severity: 'error' } } });
    const missing = runCli(['lint', '--print-config', 'nope.onnx'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('efflint: --print-config nope.onnx: no such file\n');
  });

  it('--write-baseline then --baseline fails only on new findings', () => {
    const file = join(dir, 'baseline.json');
    const w = runCli(['lint', MODEL, '--fail-on', 'warn', '--write-baseline', file]);
    expect(w.code).toBe(0);
    expect(w.stderr).toMatch(/wrote .*baseline\.json \(\d+ findings\)/);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc.efflintBaseline).toBe(1);
    const again = runCli(['lint', MODEL, '--fail-on', 'warn', '--baseline', file]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/no new findings in 1 model; \d+ findings in the baseline not shown/);
    // One accepted finding removed from the baseline is new again.
    const fps: string[] = doc.findings[MODEL];
    const warnFp = JSON.parse(runCli(['lint', MODEL, '--format', 'json']).stdout).results[0].findings.find(
      (f: { severity: string }) => f.severity === 'warn',
    ).fingerprint;
    fps.splice(fps.indexOf(warnFp), 1);
    writeFileSync(file, JSON.stringify(doc));
    const one = runCli(['lint', MODEL, '--fail-on', 'warn', '--baseline', file]);
    expect(one.code).toBe(1);
    expect(one.stderr).toBe('efflint: exit 1: --fail-on warn: 1 warning\n');
    expect(runCli(['lint', MODEL, '--baseline', join(dir, 'nope.json')]).code).toBe(2);
  });
});

describe('--format github', () => {
  it('prints one workflow command per finding', () => {
    const r = runCli(['lint', MODEL, '--format', 'github']);
    const json = JSON.parse(runCli(['lint', MODEL, '--format', 'json']).stdout);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.length).toBe(json.results[0].findings.length);
    for (const line of lines)
      expect(line).toMatch(
        /^::(error|warning|notice) title=efflint [GE]\d+ \([a-z-]+\)::zoo:shufflenet_v1_g8 \S+: [^\n\r]+$/,
      );
    const withFile = runCli(['lint', symbolic, '--format', 'github', '--input', 'x=1x3x32x32', '--rule', 'G1:error']);
    for (const line of withFile.stdout.trimEnd().split('\n').filter(Boolean))
      expect(line).toMatch(/^::\w+ file=.*sym\.onnx,title=/);
  });

  it("escapes data and properties by GitHub's rules", () => {
    expect(escapeGithubData('50% a\r\nb: c, d')).toBe('50%25 a%0D%0Ab: c, d');
    expect(escapeGithubProperty('a:b,c%\n')).toBe('a%3Ab%2Cc%25%0A');
  });
});

describe('usage errors and zoo', () => {
  it('prints one line prefixed efflint: and exits 2', () => {
    const r = runCli(['lint', MODEL, '--fail-onn', 'warn']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^efflint: unknown option '--fail-onn'[^\n]*\n$/);
    const cmd = runCli(['lnt']);
    expect([cmd.code, cmd.stderr]).toEqual([2, "efflint: unknown command 'lnt' (Did you mean lint?)\n"]);
    const missing = runCli(['analyze']);
    expect(missing.stderr).toBe("efflint: missing required argument 'model'\n");
    expect(runCli(['lint']).stderr).toBe("efflint: missing required argument 'models'\n");
  });

  it('`efflint zoo` alone lists the models', () => {
    const r = runCli(['zoo']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^name\s+family/);
    expect(r.stdout).toContain('shufflenet_v1_g8');
    expect(existsSync(BIN)).toBe(true);
  });
});
