import { Command, CommanderError } from 'commander';
import { EfflintError } from '../errors.js';
import { errorLine, quoteUserInput } from '../util/escape.js';
import { EXIT_ERROR, EXIT_OK } from '../util/exit-codes.js';
import { efflintVersion, internalErrorMessage } from '../version.js';
import { defineAnalyze } from './commands/analyze.js';
import { defineCalibrate } from './commands/calibrate.js';
import { defineDiff } from './commands/diff.js';
import { defineLint } from './commands/lint.js';
import { defineProfile } from './commands/profile.js';
import { defineReport } from './commands/report.js';
import { defineRules } from './commands/rules.js';
import { defineValidate } from './commands/validate.js';
import { defineZoo } from './commands/zoo.js';
import type { CliIO } from './io.js';
import { processIO } from './io.js';

/**
 * `--color` / `--no-color` anywhere before `--` (the last one wins), as ESLint accepts them; undefined
 * when neither is given. Read before commander parses so every command sees it.
 */
export function colorFlagOf(argv: readonly string[]): boolean | undefined {
  let flag: boolean | undefined;
  for (const arg of argv) {
    if (arg === '--') break;
    if (arg === '--color') flag = true;
    else if (arg === '--no-color') flag = false;
  }
  return flag;
}

/**
 * A commander usage error as one line prefixed `efflint:` (commander writes `error: ...` and a
 * suggestion on a second line): `efflint: unknown option '--colr' (Did you mean --color?)`. What
 * commander quotes from the command line ('...') is cut to 200 characters with control characters
 * shown escaped (quoteUserInput).
 */
export function usageErrorLine(text: string): string {
  const joined = text
    .replace(/^error:\s*/, '')
    .replace(/'([^']*)'/g, (_, quoted: string) => `'${quoteUserInput(quoted)}'`)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' ');
  return `efflint: ${joined}\n`;
}

const PREFIX = 'efflint: ';

/**
 * The one-line printer every command writes its messages through: a chunk that starts with
 * `efflint: ` is one message and is printed as exactly one line (errorLine: control characters and
 * line breaks shown escaped, at most ERROR_LINE_MAX characters), whatever model name, path or config
 * key it quotes. Progress bars and `--debug` stacks do not start with the prefix and pass as written.
 */
export function oneLineMessages(write: (text: string) => void): (text: string) => void {
  return (text) => {
    if (!text.startsWith(PREFIX)) {
      write(text);
      return;
    }
    const body = text.slice(PREFIX.length);
    write(`${PREFIX}${errorLine(body.endsWith('\n') ? body.slice(0, -1) : body)}\n`);
  };
}

/**
 * Runs the CLI and returns the exit code; never calls process.exit, so it can be embedded.
 * Known errors print one line (oneLineMessages); any other exception is a bug in efflint and prints one
 * `internal error:` line asking for a report (internalErrorMessage); both exit 2, and `--debug` adds the stack.
 */
export async function main(argv: readonly string[], baseIO: CliIO = processIO): Promise<number> {
  const debug = argv.includes('--debug');
  const colorFlag = colorFlagOf(argv) ?? baseIO.colorFlag;
  const io: CliIO = {
    ...baseIO,
    stderr: oneLineMessages(baseIO.stderr),
    ...(colorFlag === undefined ? {} : { colorFlag }),
  };
  let code: number = EXIT_OK;
  const done = (c: number): void => {
    code = c;
  };
  const program = new Command('efflint')
    .description('why is my neural network slow? ONNX cost analysis, ShuffleNet V2 guideline lint, measured latency')
    .version(efflintVersion())
    .option('--debug', 'print stack traces of errors')
    .option('--color', 'force colour (wins over NO_COLOR and FORCE_COLOR)')
    .option('--no-color', 'no colour (wins over FORCE_COLOR)')
    .exitOverride()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (text, write) => write(usageErrorLine(text)),
    });
  defineAnalyze(program, io, done);
  defineLint(program, io, done);
  defineDiff(program, io, done);
  defineProfile(program, io, done);
  defineReport(program, io, done);
  defineCalibrate(program, io, done);
  defineRules(program, io, done);
  defineValidate(program, io, done);
  defineZoo(program, io, done);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT_OK : EXIT_ERROR;
    }
    // io.stderr (oneLineMessages) keeps each message one line, whatever it quotes.
    if (err instanceof EfflintError) {
      io.stderr(`efflint: ${err.message}\n`);
    } else {
      io.stderr(`efflint: ${internalErrorMessage(err)}\n`);
    }
    if (debug && err instanceof Error && err.stack) io.stderr(err.stack + '\n');
    return EXIT_ERROR;
  }
}
