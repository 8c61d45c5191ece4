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
  /** `--color` (true) or `--no-color` (false) on the command line; wins over the environment. */
  readonly colorFlag?: boolean;
}

/** Set once a write failed because the reader went away (EPIPE): later writes are dropped. */
const closedStreams = new Set<NodeJS.WriteStream>();

function writeTo(stream: NodeJS.WriteStream, text: string): void {
  if (closedStreams.has(stream) || stream.destroyed) return;
  stream.write(text);
}

export const processIO: CliIO = {
  stdout: (t) => writeTo(process.stdout, t),
  stderr: (t) => writeTo(process.stderr, t),
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  stdoutColumns: process.stdout.isTTY === true ? process.stdout.columns : undefined,
  env: process.env,
  cwd: process.cwd(),
};

/**
 * Makes a closed pipe (`efflint lint ... | head -c 100`) end quietly: EPIPE on stdout or stderr
 * stops further writes to that stream instead of an unhandled 'error' event and a stack trace; the
 * exit code stays the one the command computed. Any other stream error is left to Node. Called by
 * the `bin/` entry point only, so embedders keep their own stream handling.
 */
export function endQuietlyOnClosedPipe(streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
        closedStreams.add(stream);
        return;
      }
      throw err;
    });
  }
}

/**
 * Whether to colour, as chalk (supports-color) and ESLint decide: `--color`/`--no-color` win; then
 * FORCE_COLOR (`0` or `false` turns colour off, any other value, even empty, turns it on); then
 * NO_COLOR set and non-empty turns it off (https://no-color.org); else colour only on a terminal.
 */
export function useColor(io: CliIO): boolean {
  if (io.colorFlag !== undefined) return io.colorFlag;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  return io.stdoutIsTTY;
}
