import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readDeviceProfile } from '../../src/config/device-profile.js';
import { loadConfig } from '../../src/config/load.js';
import { findConfigFile } from '../../src/config/locate.js';
import { ConfigError } from '../../src/errors.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'efflint-config-'));
});

describe('config discovery and loading', () => {
  it('finds efflint.config.json from the working directory upward', () => {
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    writeFileSync(join(root, 'efflint.config.json'), JSON.stringify({ rules: { G1: 'error' } }));
    expect(findConfigFile(join(root, 'a', 'b'))).toBe(join(root, 'efflint.config.json'));
    expect(loadConfig({ cwd: join(root, 'a', 'b') })).toMatchObject({
      path: join(root, 'efflint.config.json'),
      rules: { G1: { severity: 'error' } },
    });
  });

  it('prefers the nearest file', () => {
    mkdirSync(join(root, 'a'), { recursive: true });
    writeFileSync(join(root, 'efflint.config.json'), JSON.stringify({ rules: { G1: 'error' } }));
    writeFileSync(join(root, 'a', 'efflint.config.json'), JSON.stringify({ rules: { G1: 'off' } }));
    expect(loadConfig({ cwd: join(root, 'a') }).rules).toEqual({ G1: { severity: 'off' } });
  });

  it('an explicit --config wins over discovery', () => {
    writeFileSync(join(root, 'efflint.config.json'), JSON.stringify({ rules: { G1: 'error' } }));
    writeFileSync(join(root, 'ci.json'), JSON.stringify({ rules: { G1: 'info' } }));
    expect(loadConfig({ cwd: root, explicitPath: 'ci.json' }).rules).toEqual({ G1: { severity: 'info' } });
  });

  it('uses defaults when there is no file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'efflint-noconfig-'));
    // A config somewhere above the temp dir would leak in; only assert when there is none.
    if (findConfigFile(dir) === null)
      expect(loadConfig({ cwd: dir })).toMatchObject({ path: null, rules: {}, ignore: [] });
  });

  it('reports a missing explicit file, invalid JSON and invalid content as one-line ConfigErrors naming the file', () => {
    expect(() => loadConfig({ cwd: root, explicitPath: 'nope.json' })).toThrow(
      new ConfigError('nope.json: cannot read config file (not found)'),
    );
    writeFileSync(join(root, 'bad.json'), '{ "rules": ');
    expect(() => loadConfig({ cwd: root, explicitPath: 'bad.json' })).toThrow(/^bad\.json: invalid JSON: /);
    writeFileSync(join(root, 'wrong.json'), JSON.stringify({ rules: { G1: 'loud' } }));
    expect(() => loadConfig({ cwd: root, explicitPath: 'wrong.json' })).toThrow(
      'wrong.json: rules.G1: severity "loud" is not one of off, info, warn, error',
    );
  });
});

describe('readDeviceProfile', () => {
  const good = {
    schemaVersion: 1,
    name: 'gpu',
    peakFlopsPerSecond: 1e13,
    bandwidthBytesPerSecond: 1e12,
    perOpOverheadUs: 5,
  };
  it('reads a valid profile', () => {
    writeFileSync(join(root, 'p.json'), JSON.stringify(good));
    expect(readDeviceProfile('p.json', root)).toEqual(good);
  });
  it.each([
    [{ ...good, schemaVersion: 2 }, /p\.json: schemaVersion: expected 1, got 2/],
    [{ ...good, name: '' }, /name: expected a non-empty string/],
    [{ ...good, peakFlopsPerSecond: 0 }, /peakFlopsPerSecond: expected a positive number, got 0/],
    [{ ...good, bandwidthBytesPerSecond: '1e12' }, /bandwidthBytesPerSecond: expected a positive number/],
    [{ ...good, perOpOverheadUs: -1 }, /perOpOverheadUs: expected a non-negative number, got -1/],
  ])('rejects %j', (profile, message) => {
    writeFileSync(join(root, 'p.json'), JSON.stringify(profile));
    expect(() => readDeviceProfile('p.json', root)).toThrow(message);
  });
  it('rejects a missing file', () => {
    expect(() => readDeviceProfile('missing.json', root)).toThrow(
      'missing.json: cannot read device profile (not found)',
    );
  });
});
