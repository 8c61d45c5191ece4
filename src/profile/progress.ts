/**
 * A one-line progress bar for stderr. Drawn only when enabled (stderr is a TTY and not --quiet);
 * redraws at most every `intervalMs`, and `finish()` erases the line so output stays clean.
 */
export interface ProgressBar {
  update(label: string, done: number, total: number): void;
  finish(): void;
}

const WIDTH = 24;

export function renderProgress(label: string, done: number, total: number): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(frac * WIDTH);
  return `${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${done}/${total}`;
}

export function createProgressBar(
  write: (text: string) => void,
  enabled: boolean,
  intervalMs = 80,
  now: () => number = Date.now,
): ProgressBar {
  if (!enabled) return { update: () => undefined, finish: () => undefined };
  let last = -Infinity;
  let drawn = false;
  return {
    update(label, done, total) {
      const t = now();
      if (done < total && t - last < intervalMs) return;
      last = t;
      drawn = true;
      write(`\r\u001b[K${renderProgress(label, done, total)}`);
    },
    finish() {
      if (drawn) write('\r\u001b[K');
      drawn = false;
    },
  };
}
