import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { at } from '../../src/util/at.js';

/**
 * What `npm pack` would ship (`--dry-run --json`; --ignore-scripts because `prepare` cleans and rebuilds
 * dist/, which `npm test` has just built): the package's metadata, no test or source files, source maps
 * that carry their sources, LICENSE and README, a bin that runs.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

const npm = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
  cwd: ROOT,
  encoding: 'utf8',
  timeout: 60_000,
  env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', npm_config_update_notifier: 'false' },
});
const SKIP =
  npm.error || npm.status !== 0
    ? `npm pack --dry-run failed or npm is unavailable: ${npm.error?.message ?? npm.stderr}`
    : null;
if (SKIP) console.warn(`test/cli/pack.test.ts skipped: ${SKIP}`);
const FILES: string[] = SKIP
  ? []
  : at(JSON.parse(npm.stdout) as { files: { path: string }[] }[], 0).files.map((f) => f.path);

describe.skipIf(SKIP !== null)('npm pack content', () => {
  it('ships LICENSE, README, package.json, the bin and the built library', () => {
    for (const f of [
      'LICENSE',
      'README.md',
      'package.json',
      'bin/efflint.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/main.js',
      'docs/ci.md',
    ])
      expect(FILES).toContain(f);
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} efflint contributors\n/);
    expect(PKG.license).toBe('MIT');
  });

  it('ships no tests, fixtures, TypeScript sources or build configuration', () => {
    const bad = FILES.filter(
      (f) =>
        /(^|\/)(test|tests|__tests__|fixtures|scratch|bench|src)\//.test(f) ||
        /\.test\.|\.spec\./.test(f) ||
        (f.endsWith('.ts') && !f.endsWith('.d.ts')) ||
        /^(tsconfig|vitest)/.test(f) ||
        f.startsWith('.'),
    );
    expect(bad).toEqual([]);
  });

  it('source maps carry their sources (sourcesContent), or point at shipped files', () => {
    const maps = FILES.filter((f) => f.endsWith('.map'));
    const broken: string[] = [];
    for (const m of maps) {
      const map = JSON.parse(readFileSync(join(ROOT, m), 'utf8')) as {
        sources: string[];
        sourcesContent?: (string | null)[];
      };
      map.sources.forEach((src, i) => {
        const shipped = FILES.includes(posix.join(posix.dirname(m), src));
        if (!shipped && typeof map.sourcesContent?.[i] !== 'string') broken.push(`${m} -> ${src}`);
      });
      // Every map belongs to a shipped file (a stale map from a deleted module means a stale dist/: npm run prepare).
      expect(FILES, m).toContain(m.replace(/\.map$/, ''));
    }
    expect(broken).toEqual([]);
  });

  it('package.json: repository, homepage, bugs; onnxruntime-node an optional peer dependency', () => {
    expect(PKG.repository).toEqual({ type: 'git', url: 'git+https://github.com/efflint/efflint.git' });
    expect(PKG.homepage).toMatch(/^https:\/\/github\.com\/efflint\/efflint/);
    expect(PKG.bugs.url).toBe('https://github.com/efflint/efflint/issues');
    expect(PKG.dependencies['onnxruntime-node']).toBeUndefined();
    expect(PKG.peerDependencies['onnxruntime-node']).toBe(PKG.devDependencies['onnxruntime-node']);
    expect(PKG.peerDependenciesMeta['onnxruntime-node']).toEqual({ optional: true });
    // The developers' guide keeps the CUDA download skipped in the project's .npmrc; npm 11 also honours
    // allowScripts, so a consumer's install of the tarball runs no install scripts either.
    expect(readFileSync(join(ROOT, '.npmrc'), 'utf8')).toMatch(/^onnxruntime-node-install=skip$/m);
    expect(PKG.allowScripts).toMatchObject({ 'onnxruntime-node': false });
  });

  it('npx efflint in the repository prints the version and nothing from efflint on stderr', () => {
    const r = spawnSync('npx', ['efflint', '--version'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        PATH: (process.env.PATH ?? '')
          .split(':')
          .filter((p) => !p.includes('node_modules/.bin'))
          .join(':'),
        HOME: process.env.HOME ?? '/tmp',
        npm_config_update_notifier: 'false',
      },
    });
    // npm itself warns about the .npmrc key the developers' guide requires (onnxruntime-node-install).
    expect(
      r.stderr
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('npm warn Unknown project config "onnxruntime-node-install"')),
    ).toEqual([]);
    expect(r.stdout).toBe(`${PKG.version}\n`);
  });

  it('no shipped module imports onnxruntime-node statically (lint-only installs never load it)', () => {
    const offenders = FILES.filter((f) => /\.(m?js)$/.test(f) && f.startsWith('dist/')).filter((f) =>
      /(^|\n)\s*(import|export)\b[^;]*?from\s*['"]onnxruntime-node['"]|import\s*['"]onnxruntime-node['"]/.test(
        readFileSync(join(ROOT, f), 'utf8'),
      ),
    );
    expect(offenders).toEqual([]);
  });

  it('the bin is a shipped Node script whose imports are shipped, and it runs', () => {
    const bin = PKG.bin.efflint.replace(/^\.\//, '');
    expect(FILES).toContain(bin);
    const text = readFileSync(join(ROOT, bin), 'utf8');
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
    for (const m of text.matchAll(/from '(\.[^']+)'/g))
      expect(FILES).toContain(posix.join(posix.dirname(bin), at(m, 1)));
    const r = spawnSync(process.execPath, [join(ROOT, bin), '--version'], { encoding: 'utf8', cwd: dirname(ROOT) });
    expect(r.stdout).toBe(`${PKG.version}\n`);
    expect(r.status).toBe(0);
  });
});
