import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { EfflintError } from '../errors.js';
import { defineAnalyze } from './commands/analyze.js';
import { defineLint } from './commands/lint.js';
import { defineRules } from './commands/rules.js';
import { defineZoo } from './commands/zoo.js';
import { EXIT_ERROR, EXIT_OK } from './exit-codes.js';
import type { CliIO } from './io.js';
import { processIO } from './io.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Runs the CLI and returns the exit code; never calls process.exit, so it can be embedded.
 * Known errors print one line; `--debug` adds the stack.
 */
export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const debug = argv.includes('--debug');
  let code: number = EXIT_OK;
  const done = (c: number): void => {
    code = c;
  };
  const program = new Command('efflint')
    .description('why is my neural network slow? ONNX cost analysis, ShuffleNet V2 guideline lint, measured latency')
    .version(packageVersion())
    .option('--debug', 'print stack traces of errors')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run efflint --help for usage)');
  defineAnalyze(program, io, done);
  (await import('./commands/profile.js')).defineProfile(program, io, done);
  (await import('./commands/calibrate.js')).defineCalibrate(program, io, done);
  defineLint(program, io, done);
  defineRules(program, io, done);
  defineZoo(program, io, done);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT_OK : EXIT_ERROR;
    }
    if (err instanceof EfflintError) {
      io.stderr(`efflint: ${err.message}\n`);
    } else {
      const msg = err instanceof Error ? err.message : String(err);
      io.stderr(`efflint: internal error: ${msg.split('\n')[0]}\n`);
    }
    if (debug && err instanceof Error && err.stack) io.stderr(err.stack + '\n');
    return EXIT_ERROR;
  }
}
