import { beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import type { ValidationResult } from '../../src/profile/measure/validate.js';
import { VERDICTS } from '../../src/profile/measure/verdict.js';
import { at } from '../../src/util/at.js';
import { formatValidateMarkdown } from '../../src/report/validate/validate-markdown.js';
import { formatValidateText } from '../../src/report/validate/validate-text.js';

function captureIO(stderrIsTTY = false): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    stdoutIsTTY: false,
    stderrIsTTY,
    env: { NO_COLOR: '1' },
    cwd: process.cwd(),
    out: () => out,
    err: () => err,
  };
}

const IDS = ['G1', 'G2', 'G3-series', 'G3-parallel', 'G4'];

describe('efflint validate (in process, real onnxruntime, tiny budget)', () => {
  let result: ValidationResult;
  let stderr: string;
  let code: number;

  beforeAll(async () => {
    const io = captureIO(true);
    code = await main(
      [
        'validate',
        '--quick',
        '--blocks',
        '2',
        '--runs',
        '2',
        '--warmup',
        '0',
        '--models',
        'shufflenet_v2_x1_0,mobilenet_v2',
        '--format',
        'json',
      ],
      io,
    );
    stderr = io.err();
    result = JSON.parse(io.out()) as ValidationResult;
  }, 120_000);

  it('prints the documented JSON with a verdict for every guideline at both opt levels', () => {
    expect(code).toBe(0);
    expect(result).toMatchObject({ schemaVersion: 1, clock: 'cpu', quick: true, optLevels: ['all', 'disabled'] });
    expect(result.device).toMatchObject({ executionProvider: 'cpu', intraOpThreads: 1 });
    expect(typeof result.device.cpu).toBe('string');
    expect(result.guidelines.map((g) => `${g.id}/${g.optLevel}`)).toEqual(
      IDS.flatMap((id) => [`${id}/all`, `${id}/disabled`]),
    );
    for (const g of result.guidelines) {
      expect(VERDICTS).toContain(g.verdict);
      expect(g.rule).toMatch(/margin = max\(5%, 2 x block spread/);
      expect(g.columns).toHaveLength(1);
      expect(g.setups.length).toBeGreaterThanOrEqual(3);
      for (const s of g.setups) {
        expect(Object.keys(s)).toEqual(
          expect.arrayContaining([
            'label',
            'measuredPerSec',
            'ratio',
            'spread',
            'paperGpu',
            'paperArm',
            'predictedRank',
            'measuredRank',
          ]),
        );
        expect(s.measuredPerSec).toBeGreaterThan(0);
      }
      // Normalised to the baseline row.
      expect(at(g.setups, 0).ratio).toBe(1);
      expect(at(g.setups, 0).spread).toBe(0);
    }
    const g2 = result.guidelines.find((g) => g.id === 'G2' && g.optLevel === 'all')!;
    expect(g2.setups.map((s) => s.label)).toEqual(['g = 1', 'g = 2', 'g = 4', 'g = 8']);
    expect(at(g2.setups, 3).paperGpu).toBeCloseTo(634 / 2451, 4);
    // Kernel choice is read at opt 'all' only.
    expect(at(g2.setups, 0).kernels).not.toBeNull();
    expect(at(result.guidelines.find((g) => g.id === 'G2' && g.optLevel === 'disabled')!.setups, 0).kernels).toBeNull();
  });

  it('measures the reference networks with FLOPs and memAccess beside latency', () => {
    expect(result.models.map((m) => `${m.name}/${m.optLevel}`)).toEqual([
      'shufflenet_v2_x1_0/all',
      'mobilenet_v2/all',
      'shufflenet_v2_x1_0/disabled',
      'mobilenet_v2/disabled',
    ]);
    for (const m of result.models) {
      expect(m.flops).toBeGreaterThan(1e8);
      expect(m.memAccess).toBeGreaterThan(1e6);
      expect(m.latencyMs).toBeGreaterThan(0);
    }
    expect(Array.isArray(result.flopsMispredictions)).toBe(true);
  });

  it('draws progress on a TTY stderr and erases it', () => {
    expect(stderr).toContain('Table 1 GPU x1, opt all');
    expect(stderr.endsWith('\r\u001b[K')).toBe(true);
  });

  it('formats the same result as text and Markdown', () => {
    const text = formatValidateText(result);
    expect(text).toMatch(/^efflint validate --quick/);
    for (const id of IDS) expect(text).toContain(`${id}  `);
    expect(text).toContain('Reference networks');
    expect(text).toContain('rule: per column');
    const md = formatValidateMarkdown(result);
    expect(md).toMatch(/^## efflint validate --quick/);
    expect(md).toContain('| guideline | opt all | opt disabled |');
    expect(md).toContain('### G3-parallel, opt disabled: ');
  });
});

describe('efflint validate usage errors (exit 2, one line)', () => {
  it.each([
    [['validate', '--opt-level', 'fast'], /--opt-level/],
    [['validate', '--models', 'resnet_9000'], /^efflint: --models: unknown zoo model 'resnet_9000'/],
    [['validate', '--guideline', 'G9', '--models', 'none'], /^efflint: unknown guideline 'G9'/],
    [['validate', '--blocks', '0'], /--blocks/],
  ])('%j', async (args, message) => {
    const io = captureIO();
    expect(await main(args, io)).toBe(2);
    expect(io.err()).toMatch(message);
    expect(io.out()).toBe('');
  });
});
