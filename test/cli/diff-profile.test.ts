import { describe, expect, it } from 'vitest';
import { documentedDiffSchema, validate } from '../diff/json-schema.js';
import { runCli } from '../helpers/cli.js';

describe('efflint diff --profile (spawned CLI, real onnxruntime-node)', () => {
  it('measures both models with the same settings and compares median latency', () => {
    const r = runCli(
      [
        'diff',
        'zoo:exp_g3_1frag',
        'zoo:exp_g3_4frag_series',
        '--profile',
        '--runs',
        '3',
        '--warmup',
        '1',
        '--threads',
        '1',
        '--format',
        'json',
      ],
      {
        timeoutMs: 120_000,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(validate(doc, documentedDiffSchema())).toEqual([]);
    const lat = doc.latency;
    expect(lat.settings).toMatchObject({
      ep: 'cpu',
      provider: 'CPUExecutionProvider',
      runs: 3,
      warmup: 1,
      threads: 1,
      optLevel: 'all',
    });
    for (const side of [lat.before, lat.after]) {
      expect(side.runs).toBe(3);
      expect(side.median).toBeGreaterThan(0);
      expect(side.cv).toBeGreaterThanOrEqual(0);
    }
    // The change itself comes from base and head measured interleaved in one process, on CPU time.
    expect(lat).toMatchObject({ measuredBy: 'interleaved', clock: 'cpu' });
    expect(lat.median.before).toBeGreaterThan(0);
    expect(lat.median.delta).toBeCloseTo(lat.median.after - lat.median.before, 9);
    expect(lat.noisePercent).toBeGreaterThanOrEqual(0);
    expect(lat.withinNoise).toBe(Math.abs(lat.median.percent) < lat.noisePercent);
    expect(doc.warnings).not.toContain(
      'the two models were profiled with different settings (provider, runs, warm-up, threads or opt level)',
    );
  });

  it('shows the latency row in text and applies --max-latency-increase', () => {
    const r = runCli(
      ['diff', 'zoo:exp_g3_1frag', 'zoo:exp_g3_1frag', '--profile', '--runs', '3', '--max-latency-increase', '100000'],
      { timeoutMs: 120_000 },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /\nlatency \(median, CPU time, interleaved\) +\d+\.\d{3} ms +\d+\.\d{3} ms +[-+]?\d+\.\d{3} ms +/,
    );
    expect(r.stdout).toMatch(
      /\nlatency: CPUExecutionProvider, 3 runs after 5 warm-up each, CV \d+\.\d% \(base\) \/ \d+\.\d% \(head\); (within|outside) noise/,
    );
    expect(r.stdout).toMatch(/2 x block spread of the interleaved ratio/);
    expect(r.stdout).toContain('PASS: within 1 threshold');
  });
});
