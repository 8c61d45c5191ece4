import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { AT, DT, encodeModel, model, node, tensorInfo, type IGraphProto } from '../model/proto-builder.js';

/**
 * `profile --timeout`: onnxruntime runs a Loop of 2^62 iterations (a real model; each iteration adds 1 to a carried
 * float), which would take centuries. `session.run()` works in native code that no worker-thread termination can
 * interrupt, so this checks that the measurement is stopped for real: one line, exit 2, and the process ends (the
 * spawn timeout below only guards the test against a hang; nothing asserts on elapsed time).
 */

let dir: string;
let path: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'efflint-timeout-'));
  const body: IGraphProto = {
    name: 'body',
    node: [
      node('Identity', ['cond_in'], ['cond_out'], { name: 'keep' }),
      node('Add', ['acc_in', 'one'], ['acc_out'], { name: 'inc' }),
    ],
    input: [tensorInfo('i', DT.INT64, []), tensorInfo('cond_in', DT.BOOL, []), tensorInfo('acc_in', DT.FLOAT, [1])],
    output: [tensorInfo('cond_out', DT.BOOL, []), tensorInfo('acc_out', DT.FLOAT, [1])],
    initializer: [{ name: 'one', dims: [1], dataType: DT.FLOAT, floatData: [1] }],
  };
  const g: IGraphProto = {
    name: 'endless',
    node: [
      node('Loop', ['M', 'cond', 'x'], ['y'], { name: 'loop', attribute: [{ name: 'body', type: AT.GRAPH, g: body }] }),
    ],
    input: [tensorInfo('x', DT.FLOAT, [1])],
    output: [tensorInfo('y', DT.FLOAT, [1])],
    initializer: [
      { name: 'M', dims: [], dataType: DT.INT64, int64Data: [2 ** 62] },
      { name: 'cond', dims: [], dataType: DT.BOOL, int32Data: [1] },
    ],
  };
  path = join(dir, 'endless-loop.onnx');
  writeFileSync(path, encodeModel(model(g, 8, 13)));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('profile --timeout', () => {
  it('stops a model that never finishes: one line, exit 2', () => {
    const r = runCli(['profile', path, '--timeout', '3', '--warmup', '0', '--runs', '1'], { timeoutMs: 60_000 });
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`efflint: profile: ${path} did not finish within 3 s (--timeout)\n`);
    expect(r.code).toBe(2);
  }, 90_000);

  it('rejects a timeout that is not a positive number of seconds', () => {
    const r = runCli(['profile', path, '--timeout', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--timeout <seconds>' argument '0' is invalid\. expected a positive number of seconds/);
  });
});
