import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  formatKernelUs,
  formatLatencyMs,
  formatPercent,
  formatPercentPoints,
  formatRatio,
  formatRho,
  msText,
  roundMeasuredJson,
  signedMs,
} from '../../src/report/shared/numbers.js';
import { roundSignificant, roundTo } from '../../src/util/number.js';

describe('number primitives (src/util/number.ts)', () => {
  it('rounds to decimals and to significant digits, as numbers', () => {
    expect(roundTo(1.23456, 2)).toBe(1.23);
    expect(roundTo(33.35, 1)).toBe(33.4); // 33.35 is stored as 33.3500000000000014
    expect(roundTo(0.2, 4)).toBe(0.2);
    expect(roundSignificant(1234.5678, 6)).toBe(1234.57);
    expect(roundSignificant(0.000123456789, 6)).toBe(0.000123457);
  });

  it('prints a fraction as a percentage: one decimal, never "-0.0%", n/a when not finite, – when absent', () => {
    expect(formatPercent(0.25)).toBe('25.0%');
    expect(formatPercent(0.12345)).toBe('12.3%');
    expect(formatPercent(0.12345, 0)).toBe('12%');
    expect(formatPercent(-0.0004)).toBe('0.0%'); // -0.04% rounds to zero
    expect(formatPercent(-0.004, 0)).toBe('0%');
    expect(formatPercent(-0.25)).toBe('-25.0%');
    expect(formatPercent(NaN)).toBe('n/a');
    expect(formatPercent(Infinity)).toBe('n/a');
    expect(formatPercent(null)).toBe('–');
  });

  it('prints a value already in percent the same way', () => {
    expect(formatPercentPoints(7.25)).toBe('7.3%'); // 7.25 is exact in binary: toFixed rounds half up here
    expect(formatPercentPoints(12)).toBe('12.0%');
    expect(formatPercentPoints(-0.01)).toBe('0.0%');
  });
});

describe('report number formats (src/report/shared/numbers.ts)', () => {
  it('latency in ms: 0, 1 or 2 decimals by magnitude', () => {
    expect(formatLatencyMs(123.456)).toBe('123');
    expect(formatLatencyMs(12.345)).toBe('12.3');
    expect(formatLatencyMs(1.2345)).toBe('1.23');
  });

  it("kernel µs: 0 decimals from 100, 1 below; the placeholder for a missing time is the caller's", () => {
    expect(formatKernelUs(850.4)).toBe('850');
    expect(formatKernelUs(12.34)).toBe('12.3');
    expect(formatKernelUs(null)).toBe('–');
    expect(formatKernelUs(null, '-')).toBe('-');
  });

  it('diff milliseconds keep three decimals and signs; rho and ratios two decimals', () => {
    expect(msText(1.2344)).toBe('1.234 ms');
    expect(signedMs(0.12)).toBe('+0.120 ms');
    expect(signedMs(-0.0004)).toBe('0.000 ms');
    expect(formatRho(0.8751)).toBe('0.88');
    expect(formatRho(null)).toBe('n/a');
    expect(formatRatio(1.2345)).toBe('1.23x');
    expect(formatRatio(2.25, 1)).toBe('2.3x');
  });

  it('JSON: fractions to 6 significant digits, integers as they are, non-finite as null', () => {
    expect(JSON.stringify({ a: 1.23456789, b: 1234567, c: NaN, d: 1 / 3, e: [0.1 + 0.2] }, roundMeasuredJson)).toBe(
      '{"a":1.23457,"b":1234567,"c":null,"d":0.333333,"e":[0.3]}',
    );
  });
});

describe('one number formatter', () => {
  const NUMBER_MODULES = new Set(['src/util/number.ts', 'src/report/shared/numbers.ts']);
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const sources = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
    );

  it('no module outside the number modules defines its own percent, ms, µs, rho or rounding helper', () => {
    const offenders: string[] = [];
    for (const file of sources(join(root, 'src'))) {
      const rel = relative(root, file).split('\\').join('/');
      if (NUMBER_MODULES.has(rel)) continue;
      const text = readFileSync(file, 'utf8');
      const patterns: [RegExp, string][] = [
        [/\(100 \* [^)]*\)\.toFixed\(/, 'a percentage by hand (formatPercent)'],
        [
          /\bconst\s+(?:pct|ms|us|rho|round\d?)\s*=\s*(?:\([^)]*\)\s*(?::\s*[\w |]+)?\s*=>|formatPercent\b)/,
          'a local number formatter',
        ],
        [/\bfunction\s+(?:pct|round\d?)\s*\(/, 'a local number formatter'],
        [/toPrecision\(6\)/, 'JSON rounding by hand (roundMeasuredJson)'],
      ];
      for (const [re, what] of patterns) if (re.test(text)) offenders.push(`${rel}: ${what}`);
    }
    expect(offenders).toEqual([]);
  });
});
