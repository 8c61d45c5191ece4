// Runs one fuzz case at a time inside a worker thread with a heap limit, so a case that allocates
// gigabytes or recurses without end ends this worker, not the test process. Plain JavaScript over the
// built dist/ (`npm run build` first), since a worker cannot load TypeScript.
//
// Per case: (1) the library path, loadModelBytes -> analyzeModel -> lintAnalysis, whose thrown error (with its
// cause chain) and node-failure warnings are described for harness.ts (classifyLibrary) to judge: only an
// EfflintError is a bad model, anything else is a bug; (2) one CLI command in-process through `main` on a file
// written from the bytes, with stdout and stderr captured.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

const dist = workerData.dist;
const { loadModelBytes } = await import(`${dist}/model/load.js`);
const { analyzeModel } = await import(`${dist}/analyzers/analyze.js`);
const { lintAnalysis } = await import(`${dist}/rules/lint.js`);
const { EfflintError } = await import(`${dist}/errors.js`);
const { main } = await import(`${dist}/cli/main.js`);
const { UNKNOWN_COST_SUFFIX } = await import(`${dist}/analyzers/infer.js`);

/** CLI commands a case may run (index = the case's `command`); FILE is the mutated model, BASE the seed. */
export const COMMANDS = [
  ['analyze', 'FILE', '-f', 'json'],
  ['analyze', 'FILE'],
  ['analyze', 'FILE', '-f', 'csv', '--sort', 'flops'],
  ['lint', 'FILE'],
  ['lint', 'FILE', '--format', 'json'],
  ['lint', 'FILE', '--format', 'sarif'],
  ['lint', 'FILE', '--format', 'markdown'],
  ['lint', 'FILE', '--format', 'github', '--statistics'],
  ['lint', 'FILE', '--format', 'netron'],
  ['report', 'FILE', '-o', 'OUT.html', '--no-profile'],
  ['report', 'FILE', '-o', 'OUT.md', '--no-profile'],
  ['diff', 'BASE', 'FILE'],
  ['diff', 'BASE', 'FILE', '--format', 'json'],
  ['diff', 'FILE', 'BASE', '--format', 'markdown'],
];

/** A thrown value as plain data for harness.ts (class identity does not cross the worker boundary). */
function describeThrown(err, depth = 0) {
  if (!(err instanceof Error))
    return { name: typeof err, message: String(err), stack: '', efflint: false, system: false };
  const described = {
    name: err.constructor?.name ?? 'Error',
    message: err.message,
    stack: err.stack ?? '',
    efflint: err instanceof EfflintError,
    // An error Node's I/O raised (errno code and syscall), which a model error may carry as its cause.
    system: typeof err.code === 'string' && typeof err.syscall === 'string',
  };
  return err.cause !== undefined && depth < 10
    ? { ...described, cause: describeThrown(err.cause, depth + 1) }
    : described;
}

function libraryPath(bytes) {
  let stage = 'load';
  try {
    const model = loadModelBytes(bytes, { path: 'fuzz.onnx' });
    stage = 'analyze';
    const analysis = analyzeModel(model);
    stage = 'lint';
    lintAnalysis(analysis, { model: 'fuzz.onnx' });
    return { stage: 'done', nodeFailures: analysis.warnings.filter((w) => w.endsWith(UNKNOWN_COST_SUFFIX)).length };
  } catch (err) {
    return { stage, thrown: describeThrown(err) };
  }
}

async function cliPath(dir, command, debug = false) {
  const file = path.join(dir, 'case.onnx');
  const argv = COMMANDS[command % COMMANDS.length].map((a) =>
    a === 'FILE'
      ? file
      : a === 'BASE'
        ? path.join(dir, 'base.onnx')
        : a.startsWith('OUT')
          ? path.join(dir, `report${path.extname(a)}`)
          : a,
  );
  if (debug) argv.push('--debug');
  const stdout = [];
  const stderr = [];
  const io = {
    stdout: (t) => stdout.push(t),
    stderr: (t) => stderr.push(t),
    stdoutIsTTY: false,
    stderrIsTTY: false,
    env: { NO_COLOR: '1' },
    cwd: dir,
  };
  const code = await main(argv, io);
  const lines = stderr.join('').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return {
    argv: argv.map((a) => (a.startsWith(dir) ? path.basename(a) : a)).join(' '),
    code,
    stderr: lines,
    stdoutBytes: stdout.reduce((n, t) => n + t.length, 0),
  };
}

/**
 * What the CLI may print on stderr: warnings of `lint` (`efflint: MODEL: warning: ...`), the `exit 1:`
 * reason, and on exit 2 exactly one error line. Every line starts with `efflint: `; none is an
 * internal error.
 */
function cliProblems(r) {
  const problems = [];
  if (r.code !== 0 && r.code !== 1 && r.code !== 2) problems.push(`exit code ${r.code}`);
  for (const line of r.stderr) {
    if (!line.startsWith('efflint: '))
      problems.push(`stderr line without the efflint: prefix: ${JSON.stringify(line.slice(0, 200))}`);
    if (line.includes('internal error')) problems.push(`internal error: ${line.slice(0, 300)}`);
  }
  const errors = r.stderr.filter((l) => !/^efflint: .*: warning: /.test(l) && !l.startsWith('efflint: exit 1: '));
  if (r.code === 2 && errors.length !== 1)
    problems.push(
      `exit 2 with ${errors.length} error lines on stderr: ${JSON.stringify(errors.map((l) => l.slice(0, 160)))}`,
    );
  if (r.code !== 2 && errors.length !== 0)
    problems.push(`exit ${r.code} with error lines on stderr: ${errors[0].slice(0, 200)}`);
  return problems;
}

parentPort.on('message', async ({ bytes, original, command, dir }) => {
  const started = performance.now();
  const library = libraryPath(bytes);
  let cli;
  try {
    fs.writeFileSync(path.join(dir, 'case.onnx'), bytes);
    fs.writeFileSync(path.join(dir, 'base.onnx'), original);
    cli = await cliPath(dir, command);
    cli.problems = cliProblems(cli);
    if (cli.problems.some((p) => p.startsWith('internal error'))) {
      // Run again with --debug for the stack (the line alone rarely says where).
      const again = await cliPath(dir, command, true).catch(() => null);
      cli.stack = again?.stderr.join('\n');
    }
  } catch (err) {
    // main() itself threw: it promises never to.
    const thrown = describeThrown(err);
    cli = {
      argv: String(command),
      code: null,
      stderr: [],
      problems: [`main() threw ${thrown.name}: ${thrown.message}`],
      stack: thrown.stack,
    };
  }
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;
  parentPort.postMessage({ library, cli, ms: performance.now() - started, heapMb });
});
parentPort.postMessage({ ready: true });
