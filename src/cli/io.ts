/** Where a command writes; injected so commands can be run in-process by tests and embedders. */
export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** stdout is a terminal: colour allowed (unless NO_COLOR) */
  readonly stdoutIsTTY: boolean;
  /** stderr is a terminal: progress bars allowed */
  readonly stderrIsTTY: boolean;
  /** Terminal width of stdout when it is a TTY. */
  readonly stdoutColumns?: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export const processIO: CliIO = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  stdoutColumns: process.stdout.isTTY === true ? process.stdout.columns : undefined,
  env: process.env,
  cwd: process.cwd(),
};

/** chalk colour decision: a TTY, NO_COLOR unset (https://no-color.org), FORCE_COLOR wins. */
export function useColor(io: CliIO): boolean {
  if (io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0') return true;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  return io.stdoutIsTTY;
}
