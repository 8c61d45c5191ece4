import { EfflintError } from '../errors.js';
import { internalErrorMessage } from '../version.js';
import type { CliIO } from './io.js';

/**
 * `model: message`, unless the message already names the model: with two or more models on one
 * command line, "input 'x' has symbolic dims" alone does not say which.
 */
export function namingModel(model: string, message: string): string {
  return message.includes(model) ? message : `${model}: ${message}`;
}

/**
 * Says why one model of a command's several could not be checked, in one `efflint:` line that names
 * it; the command goes on with the others and exits 2. The message is printed whole: io.stderr
 * (oneLineMessages in main.ts) shows any line break in it escaped, so it stays one line. Any other
 * exception is a bug in efflint: its line asks for a report, and `--debug` adds the stack.
 */
export function printModelError(model: string, err: unknown, io: CliIO, debug: boolean | undefined): void {
  if (err instanceof EfflintError) {
    io.stderr(`efflint: ${namingModel(model, err.message)}\n`);
    return;
  }
  io.stderr(`efflint: ${model}: ${internalErrorMessage(err)}\n`);
  if (debug && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
}
