import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import { OutputFileError } from '../errors.js';
import { at } from '../util/at.js';

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

/**
 * Whether a stream is a terminal. Node leaves `isTTY` undefined on a pipe or a file, although
 * @types/node declares it a boolean on process.stdout and process.stderr.
 */
function isTerminal(stream: { readonly isTTY?: boolean }): boolean {
  return stream.isTTY === true;
}

export const processIO: CliIO = {
  stdout: (t) => writeTo(process.stdout, t),
  stderr: (t) => writeTo(process.stderr, t),
  stdoutIsTTY: isTerminal(process.stdout),
  stderrIsTTY: isTerminal(process.stderr),
  stdoutColumns: isTerminal(process.stdout) ? process.stdout.columns : undefined,
  env: process.env,
  cwd: process.cwd(),
};

/**
 * Makes a closed pipe (`efflint lint ... | head -c 100`) end quietly: EPIPE on stdout or stderr
 * stops further writes to that stream instead of an unhandled 'error' event and a stack trace; the
 * exit code stays the one the command computed. Any other stream error is left to Node. Called by
 * the `bin/` entry point only, so embedders keep their own stream handling.
 */
export function endQuietlyOnClosedPipe(
  streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr],
): void {
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

/**
 * Folders whose files are kernel interfaces, not storage: writing a report into /proc/sys or /sys
 * changes the system (as root), and /dev holds devices. Refused by path, after symbolic links.
 */
const SPECIAL_FILE_SYSTEMS = ['/proc', '/sys', '/dev'];

/**
 * Checks an output path (`-o`) before any work is done and again right before writing: the folder
 * must already exist (no folders are created), and an existing FIFO, device, socket, folder or
 * kernel file (/proc, /sys, /dev) is refused by stat, without opening it, so a write can neither
 * block nor touch the system.
 *
 * @param path as the user wrote it (used in messages); resolved against `cwd`.
 * @throws OutputFileError, `cannot write PATH: REASON`.
 */
export function checkOutputPath(path: string, cwd: string): void {
  const full = nodePath.resolve(cwd, path);
  const folder = nodePath.dirname(full);
  let folderStat: fs.Stats;
  try {
    folderStat = fs.statSync(folder);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw outputError(path, code === 'ENOENT' ? `folder ${folder} does not exist` : describeWriteError(err), err);
  }
  if (!folderStat.isDirectory()) throw outputError(path, `${folder} is not a folder`);
  let target: fs.Stats | null = null;
  try {
    target = fs.statSync(full);
  } catch (err) {
    // ENOENT: a new file (or a dangling symbolic link, written through as writeFile would).
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw outputError(path, describeWriteError(err), err);
  }
  if (target?.isDirectory()) throw outputError(path, 'it is a folder');
  if (target !== null && !target.isFile()) throw outputError(path, `it is ${fileKind(target)}, not a regular file`);
  const real = realTarget(full);
  if (SPECIAL_FILE_SYSTEMS.some((root) => real === root || real.startsWith(`${root}/`))) {
    throw outputError(path, `${real} is a kernel or device file, not storage`);
  }
}

/**
 * Writes an output file (`-o`) where the user asked, and only there, after checkOutputPath; any
 * I/O failure (a full disk, a read-only file system) is one plain line.
 *
 * @throws OutputFileError, `cannot write PATH: REASON`.
 */
export function writeOutputFile(path: string, cwd: string, data: string | Uint8Array): void {
  checkOutputPath(path, cwd);
  try {
    fs.writeFileSync(nodePath.resolve(cwd, path), data);
  } catch (err) {
    throw outputError(path, describeWriteError(err), err);
  }
}

function outputError(path: string, reason: string, cause?: unknown): OutputFileError {
  return new OutputFileError(`cannot write ${path}: ${reason}`, { cause });
}

/** The path after symbolic links: the file's own when it exists, else its folder's plus the name. */
function realTarget(full: string): string {
  try {
    return fs.realpathSync(full);
  } catch {
    try {
      return nodePath.join(fs.realpathSync(nodePath.dirname(full)), nodePath.basename(full));
    } catch {
      return full;
    }
  }
}

function fileKind(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'a special file';
}

/** One plain reason for a failed write (errno codes as Node reports them, see errno(3)). */
export function describeWriteError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EISDIR':
      return 'it is a folder';
    case 'ENOENT':
      return 'its folder does not exist';
    case 'ENOTDIR':
      return 'a component of the path is not a folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'EROFS':
      return 'read-only file system';
    case 'EFBIG':
      return 'file too large';
    case 'ENAMETOOLONG':
      return 'file name too long';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'EIO':
      return 'input/output error';
    default: {
      const message = err instanceof Error ? err.message : String(err);
      return code ?? at(message.split('\n'), 0);
    }
  }
}
