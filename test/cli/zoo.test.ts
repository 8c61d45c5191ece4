import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listZoo } from '../../src/zoo/index.js';
import { runCli } from '../helpers/cli.js';

describe('efflint zoo (spawned CLI)', () => {
  it('lists every zoo model with params and FLOPs measured on the built graph', () => {
    const r = runCli(['zoo', 'list', '--format', 'json']);
    expect(r.code).toBe(0);
    const { schemaVersion, models } = JSON.parse(r.stdout) as {
      schemaVersion: number;
      models: { name: string; params: number; convGemmFlops: number; source: string }[];
    };
    expect(schemaVersion).toBe(1);
    expect(models.map((m) => m.name)).toEqual(listZoo().map((e) => e.name));
    const v2 = models.find((m) => m.name === 'shufflenet_v2_x1_0');
    expect(v2?.params).toBe(2_278_604);
    // torchvision layout: 144.91M conv+fc multiply-adds (paper-facts section 7)
    expect(Math.abs((v2?.convGemmFlops ?? 0) - 144.91e6) / 144.91e6).toBeLessThan(0.001);
    for (const m of models) expect(m.source.length).toBeGreaterThan(0);
  });

  it('lists as a text table', () => {
    const r = runCli(['zoo', 'list', '--filter', 'shufflenet_v2']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('shufflenet_v2_'))).toHaveLength(4);
  });

  it('builds a model file that analyze reads back, with --deploy and --batch', () => {
    const dir = mkdtempSync(join(tmpdir(), 'efflint-zoo-'));
    const file = join(dir, 'v2.onnx');
    const built = runCli(['zoo', 'build', 'shufflenet_v2_x0_5', '-o', file, '--deploy', '--batch', '2']);
    expect(built.code).toBe(0);
    expect(existsSync(file)).toBe(true);
    const r = runCli(['analyze', file, '--format', 'json']);
    const a = JSON.parse(r.stdout);
    expect(a.inputs[0].shape).toEqual([2, 3, 224, 224]);
    expect(a.outputs[0].shape).toEqual([2, 1000]);
    expect(a.layers.some((l: { opType: string }) => l.opType === 'BatchNormalization')).toBe(false);
  });

  it('rejects an unknown model name with exit 2 and suggestions', () => {
    const r = runCli(['zoo', 'build', 'shufflenet_v2_x1', '-o', join(tmpdir(), 'x.onnx')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/shufflenet_v2_x1_0/);
  });
});
