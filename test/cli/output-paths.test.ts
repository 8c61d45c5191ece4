import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWriteError } from '../../src/cli/io.js';
import { runCli } from '../helpers/cli.js';

/*
 * `-o` paths through the built CLI (`npm run build` first): every failure is exit 2 and exactly one
 * stderr line, no folder is ever created, and FIFOs, devices and kernel files are refused before
 * they are opened (a FIFO would block the write forever).
 */

const ZOO = 'zoo:exp_g4_relu_on_shortcut_on_c32';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'efflint-output-paths-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const opts = { cwd: tmp, timeoutMs: 60_000 };

/** Runs the CLI and expects exit 2 with exactly `line` on stderr and nothing on stdout. */
function expectRefused(args: string[], line: string | RegExp): void {
  const r = runCli(args, opts);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  const stderr = r.stderr.split('\n');
  expect(stderr).toHaveLength(2); // one line and its newline
  if (typeof line === 'string') expect(stderr[0]).toBe(line);
  else expect(stderr[0]).toMatch(line);
}

describe('a folder that does not exist is reported, never created', () => {
  it('zoo build -o under a missing folder at the root', () => {
    const root = path.join('/', `efflint-missing-${process.pid}-${Date.now()}`);
    const out = path.join(root, 'dir', 'm.onnx');
    expectRefused(
      ['zoo', 'build', 'shufflenet_v2_x0_5', '-o', out],
      `efflint: cannot write ${out}: folder ${path.join(root, 'dir')} does not exist`,
    );
    expect(fs.existsSync(root)).toBe(false);
  });

  it('report -o a/b/r.html (relative) and lint -o missing/x.json', () => {
    expectRefused(
      ['report', ZOO, '--no-profile', '-o', 'a/b/r.html'],
      `efflint: cannot write a/b/r.html: folder ${path.join(tmp, 'a', 'b')} does not exist`,
    );
    expect(fs.existsSync(path.join(tmp, 'a'))).toBe(false);
    expectRefused(
      ['lint', ZOO, '-o', 'missing/x.json', '--format', 'json'],
      `efflint: cannot write missing/x.json: folder ${path.join(tmp, 'missing')} does not exist`,
    );
    expect(fs.existsSync(path.join(tmp, 'missing'))).toBe(false);
    expectRefused(
      ['lint', ZOO, '--write-baseline', 'nobase/b.json'],
      `efflint: cannot write nobase/b.json: folder ${path.join(tmp, 'nobase')} does not exist`,
    );
    expect(fs.existsSync(path.join(tmp, 'nobase'))).toBe(false);
  });

  it('a regular file where the folder should be', () => {
    fs.writeFileSync(path.join(tmp, 'plain.txt'), 'x');
    expectRefused(
      ['zoo', 'build', 'shufflenet_v2_x0_5', '-o', 'plain.txt/m.onnx'],
      `efflint: cannot write plain.txt/m.onnx: ${path.join(tmp, 'plain.txt')} is not a folder`,
    );
  });
});

describe('special files are refused before they are opened', () => {
  beforeAll(() => {
    fs.mkdirSync(path.join(tmp, 'a-folder'));
    execFileSync('mkfifo', [path.join(tmp, 'pipe'), path.join(tmp, 'pipe.md')]);
  });

  it('a folder', () => {
    expectRefused(
      ['zoo', 'build', 'shufflenet_v2_x0_5', '-o', 'a-folder'],
      'efflint: cannot write a-folder: it is a folder',
    );
  });

  it('a FIFO (no hang: nothing reads the other end)', () => {
    expectRefused(
      ['zoo', 'build', 'shufflenet_v2_x0_5', '-o', 'pipe'],
      'efflint: cannot write pipe: it is a FIFO, not a regular file',
    );
    expectRefused(
      ['report', ZOO, '--no-profile', '-o', 'pipe.md'],
      'efflint: cannot write pipe.md: it is a FIFO, not a regular file',
    );
    expectRefused(['lint', ZOO, '-o', 'pipe.md'], 'efflint: cannot write pipe.md: it is a FIFO, not a regular file');
    expect([fs.statSync(path.join(tmp, 'pipe')).isFIFO(), fs.statSync(path.join(tmp, 'pipe.md')).isFIFO()]).toEqual([
      true,
      true,
    ]);
  });

  it('devices: /dev/null and /dev/full', () => {
    for (const dev of ['/dev/null', '/dev/full']) {
      expectRefused(
        ['zoo', 'build', 'shufflenet_v2_x0_5', '-o', dev],
        `efflint: cannot write ${dev}: it is a character device, not a regular file`,
      );
    }
  });

  it('kernel files under /proc, even when they look like regular files', () => {
    expect(fs.statSync('/proc/self/comm').isFile()).toBe(true);
    expectRefused(
      ['zoo', 'build', 'shufflenet_v2_x0_5', '-o', '/proc/self/comm'],
      /^efflint: cannot write \/proc\/self\/comm: \/proc\/\d+\/comm is a kernel or device file, not storage$/,
    );
  });
});

describe('ordinary I/O errors are one plain line, never "internal error"', () => {
  const asRoot = process.getuid?.() === 0;
  const hasSetpriv = asRoot && spawnSync('setpriv', ['--version']).status === 0;

  it.skipIf(!hasSetpriv)('permission denied (run as user nobody, a read-only folder)', () => {
    const dir = path.join(tmp, 'read-only');
    fs.mkdirSync(dir);
    fs.chmodSync(tmp, 0o755);
    fs.chmodSync(dir, 0o555);
    const bin = fileURLToPath(new URL('../../bin/efflint.js', import.meta.url));
    const r = spawnSync(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        process.execPath,
        bin,
        'zoo',
        'build',
        'shufflenet_v2_x0_5',
        '-o',
        path.join(dir, 'm.onnx'),
      ],
      {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', HOME: '/tmp' },
        timeout: 60_000,
      },
    );
    expect([r.status, r.stdout, r.stderr]).toEqual([
      2,
      '',
      `efflint: cannot write ${path.join(dir, 'm.onnx')}: permission denied\n`,
    ]);
  });

  it('the reasons for errors a write can really meet (ENOSPC from /dev/full, EISDIR, ENOENT, ENOTDIR)', () => {
    const reason = (write: () => void): string => {
      try {
        write();
      } catch (err) {
        return describeWriteError(err);
      }
      throw new Error('the write succeeded');
    };
    expect(reason(() => fs.writeFileSync('/dev/full', 'x'))).toBe('no space left on the device');
    expect(reason(() => fs.writeFileSync(tmp, 'x'))).toBe('it is a folder');
    expect(reason(() => fs.writeFileSync(path.join(tmp, 'no', 'such', 'folder'), 'x'))).toBe(
      'its folder does not exist',
    );
    fs.writeFileSync(path.join(tmp, 'file.txt'), 'x');
    expect(reason(() => fs.writeFileSync(path.join(tmp, 'file.txt', 'x'), 'x'))).toBe(
      'a component of the path is not a folder',
    );
  });
});

describe('ordinary writes still work', () => {
  it('zoo build, report and lint write into an existing folder, relative or absolute; an existing file is replaced', () => {
    fs.mkdirSync(path.join(tmp, 'out'));
    const built = runCli(['zoo', 'build', 'shufflenet_v2_x0_5', '-o', 'out/m.onnx'], opts);
    expect([built.code, built.stderr]).toEqual([0, 'wrote out/m.onnx (5.3 MiB)\n']);
    const report = runCli(['report', ZOO, '--no-profile', '-q', '-o', path.join(tmp, 'out', 'r.md')], opts);
    expect([report.code, report.stderr]).toEqual([0, '']);
    expect(fs.readFileSync(path.join(tmp, 'out', 'r.md'), 'utf8')).toContain('# efflint latency report');
    fs.writeFileSync(path.join(tmp, 'out', 'x.json'), 'old');
    const lint = runCli(['lint', ZOO, '--format', 'json', '-o', 'out/x.json'], opts);
    expect(lint.code).not.toBe(2);
    expect(JSON.parse(fs.readFileSync(path.join(tmp, 'out', 'x.json'), 'utf8')).results[0].model).toBe(ZOO);
  });
});
