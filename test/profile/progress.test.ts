import { describe, expect, it } from 'vitest';
import { createProgressBar, renderProgress } from '../../src/profile/progress.js';

describe('progress bar', () => {
  it('renders a fixed-width bar', () => {
    expect(renderProgress('runs', 6, 24)).toBe('runs [######------------------] 6/24');
  });

  it('throttles redraws, always draws the last step, and erases itself', () => {
    let t = 0;
    const out: string[] = [];
    const bar = createProgressBar(
      (s) => out.push(s),
      true,
      100,
      () => t,
    );
    bar.update('x', 1, 3);
    t = 50;
    bar.update('x', 2, 3);
    bar.update('x', 3, 3);
    bar.finish();
    expect(out).toEqual([
      '\r\u001b[K' + renderProgress('x', 1, 3),
      '\r\u001b[K' + renderProgress('x', 3, 3),
      '\r\u001b[K',
    ]);
  });

  it('writes nothing when disabled (stderr not a TTY, or --quiet)', () => {
    const out: string[] = [];
    const bar = createProgressBar((s) => out.push(s), false);
    bar.update('x', 1, 2);
    bar.finish();
    expect(out).toEqual([]);
  });
});
