import { describe, expect, it } from 'vitest';
import { EXIT_ERROR, EXIT_FINDINGS, EXIT_OK } from '../../src/util/exit-codes.js';
import type { FailOn } from '../../src/rules/exit-code.js';
import { lintExitCode } from '../../src/rules/exit-code.js';

const s = (error: number, warn: number, info: number) => ({ error, warn, info });

describe('lintExitCode', () => {
  const table: [string, Parameters<typeof lintExitCode>[0], number][] = [
    ['clean', { summaries: [s(0, 0, 0)], failOn: 'error', hadErrors: false }, EXIT_OK],
    ['no models linted, no errors', { summaries: [], failOn: 'info', hadErrors: false }, EXIT_OK],
    [
      'warnings do not fail at --fail-on error',
      { summaries: [s(0, 5, 3)], failOn: 'error', hadErrors: false },
      EXIT_OK,
    ],
    ['an error fails', { summaries: [s(1, 0, 0)], failOn: 'error', hadErrors: false }, EXIT_FINDINGS],
    ['warnings fail at --fail-on warn', { summaries: [s(0, 1, 0)], failOn: 'warn', hadErrors: false }, EXIT_FINDINGS],
    ['info does not fail at --fail-on warn', { summaries: [s(0, 0, 9)], failOn: 'warn', hadErrors: false }, EXIT_OK],
    ['info fails at --fail-on info', { summaries: [s(0, 0, 1)], failOn: 'info', hadErrors: false }, EXIT_FINDINGS],
    [
      'counts add up over models',
      { summaries: [s(0, 0, 0), s(0, 1, 0)], failOn: 'warn', hadErrors: false },
      EXIT_FINDINGS,
    ],
    [
      '--max-warnings 3 with 3 warnings passes',
      { summaries: [s(0, 3, 0)], failOn: 'error', maxWarnings: 3, hadErrors: false },
      EXIT_OK,
    ],
    [
      '--max-warnings 3 with 4 warnings fails',
      { summaries: [s(0, 2, 0), s(0, 2, 0)], failOn: 'error', maxWarnings: 3, hadErrors: false },
      EXIT_FINDINGS,
    ],
    [
      '--max-warnings 0 fails on any warning',
      { summaries: [s(0, 1, 0)], failOn: 'error', maxWarnings: 0, hadErrors: false },
      EXIT_FINDINGS,
    ],
    ['a bad model wins over findings', { summaries: [s(3, 0, 0)], failOn: 'error', hadErrors: true }, EXIT_ERROR],
    ['a bad model wins over a clean run', { summaries: [s(0, 0, 0)], failOn: 'error', hadErrors: true }, EXIT_ERROR],
  ];
  it.each(table)('%s', (_name, input, expected) => {
    expect(lintExitCode(input)).toBe(expected);
  });

  it('is monotonic in --fail-on', () => {
    const order: FailOn[] = ['error', 'warn', 'info'];
    const codes = order.map((failOn) => lintExitCode({ summaries: [s(0, 1, 1)], failOn, hadErrors: false }));
    expect(codes).toEqual([EXIT_OK, EXIT_FINDINGS, EXIT_FINDINGS]);
  });
});
