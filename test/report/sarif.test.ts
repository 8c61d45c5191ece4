import { describe, expect, it } from 'vitest';
import { formatSarif, toSarif } from '../../src/report/lint/sarif.js';
import { RULES } from '../../src/rules/registry.js';
import { at } from '../../src/util/at.js';
import { context, sampleResult } from './fixtures.js';

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: {
    physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
    logicalLocations: { name: string; kind: string }[];
  }[];
  partialFingerprints: Record<string, string>;
  properties: {
    opType?: string;
    metrics: Record<string, number>;
    suggestion: string;
    messageId: string;
    impact: { estimatedUs: number; share: number };
    efflintFingerprint: string;
  };
}

/** A result's location and its logical location: efflint writes exactly one of each. */
const location = (r: SarifResult) => at(r.locations, 0);
const logical = (r: SarifResult) => at(location(r).logicalLocations, 0);

describe('SARIF 2.1.0', () => {
  const results = [
    sampleResult('models\\b.onnx'),
    sampleResult('zoo:shufflenet_v1_g8', { G2: { severity: 'error' }, E102: { severity: 'info' } }),
  ];
  const log = JSON.parse(formatSarif(results, context)) as {
    $schema: string;
    version: string;
    runs: {
      tool: { driver: { name: string; version: string; informationUri: string; rules: Record<string, unknown>[] } };
      results: SarifResult[];
    }[];
  };

  it('has the top-level structure and one run', () => {
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
  });

  it('describes efflint and every rule from the rule meta', () => {
    const driver = at(log.runs, 0).tool.driver;
    expect(driver).toMatchObject({
      name: 'efflint',
      version: '9.9.9',
      informationUri: 'https://github.com/efflint/efflint',
    });
    expect(driver.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.meta.id));
    for (const [i, r] of driver.rules.entries()) {
      const meta = at(RULES, i).meta;
      expect(r).toMatchObject({
        id: meta.id,
        name: meta.name,
        shortDescription: { text: meta.description },
        helpUri: meta.docsUrl,
        defaultConfiguration: {
          level: { warn: 'warning', info: 'note', error: 'error', off: 'none' }[meta.defaultSeverity],
        },
      });
    }
  });

  it('has one result per finding with rule index, level, message and locations', () => {
    const rs = at(log.runs, 0).results;
    expect(rs).toHaveLength(results.reduce((n, r) => n + r.findings.length, 0));
    const driverRules = at(log.runs, 0).tool.driver.rules;
    for (const r of rs) {
      expect(at(driverRules, r.ruleIndex).id).toBe(r.ruleId);
      expect(['error', 'warning', 'note']).toContain(r.level);
      expect(r.message.text.length).toBeGreaterThan(0);
      expect(location(r).physicalLocation.region.startLine).toBe(1);
      expect(r.partialFingerprints.primaryLocationLineHash).toMatch(/^[0-9a-f]{32}:1$/);
    }
    const g2 = rs.filter((r) => r.ruleId === 'G2');
    expect(g2.map((r) => r.level).sort()).toEqual(['error', 'warning']);
    const zoo = g2.find((r) => r.level === 'error')!;
    expect(location(zoo).physicalLocation.artifactLocation.uri).toBe('zoo:shufflenet_v1_g8');
    expect(location(zoo).logicalLocations).toEqual([
      { name: 'gconv|2', fullyQualifiedName: 'zoo:shufflenet_v1_g8#gconv|2', kind: 'function' },
    ]);
    const file = g2.find((r) => r.level === 'warning')!;
    expect(location(file).physicalLocation.artifactLocation.uri).toBe('models/b.onnx');
    const model = rs.find((r) => r.ruleId === 'G4' && logical(r).kind === 'module')!;
    expect(logical(model).name).toMatch(/models\/b\.onnx|zoo:/);
  });

  it('carries the message id, impact and fingerprint of each finding in its properties', () => {
    const rs = at(log.runs, 0).results;
    const findings = results.flatMap((r) => r.findings);
    for (const r of rs) {
      const node = logical(r).kind === 'module' ? null : logical(r).name;
      const f = findings.find((x) => x.fingerprint === r.properties.efflintFingerprint && x.node === node)!;
      expect(f).toBeDefined();
      expect(r.properties.efflintFingerprint).toBe(
        `${f.ruleId}:${node ?? '(model)'}:${f.fingerprint.split(':').at(-1)}`,
      );
      expect(r.properties.messageId).toBe(f.messageId);
      expect(r.properties.impact).toEqual({ estimatedUs: f.impact.estimatedUs, share: f.impact.share });
    }
    const g2 = rs.find((r) => r.ruleId === 'G2')!;
    expect(g2.properties).toMatchObject({
      messageId: 'groupConvolution',
      efflintFingerprint: 'G2:gconv|2:groupConvolution',
    });
    expect(g2.properties.impact.share).toBeGreaterThan(0);
  });

  it('is deterministic: sorted by model, node, rule; same input, same bytes', () => {
    const rs = at(log.runs, 0).results;
    const keys = rs.map((r): [string, string] => [location(r).physicalLocation.artifactLocation.uri, logical(r).name]);
    const sorted = [...keys].sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]));
    // Model-level results name the model itself; compare within models only on node names.
    expect(keys.map((k) => k[0])).toEqual(sorted.map((k) => k[0]));
    expect(formatSarif([...results].reverse(), context)).toBe(formatSarif(results, context));
    const fps = rs.map((r) => r.partialFingerprints.primaryLocationLineHash);
    expect(new Set(fps).size).toBe(fps.length);
  });

  it('lists rules even when there are no results', () => {
    const empty = toSarif([], context) as { runs: { results: unknown[]; tool: { driver: { rules: unknown[] } } }[] };
    expect(at(empty.runs, 0).results).toEqual([]);
    expect(at(empty.runs, 0).tool.driver.rules).toHaveLength(RULES.length);
  });
});
