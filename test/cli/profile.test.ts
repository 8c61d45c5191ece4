import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { parseDeviceProfile } from '../../src/profile/calibrate.js';
import { runCli } from '../helpers/cli.js';

const TRT_FIXTURE = new URL('../../fixtures/trtexec-profile.json', import.meta.url).pathname;

function captureIO(stderrIsTTY = false): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    stdoutIsTTY: false,
    stderrIsTTY,
    env: { NO_COLOR: '1' },
    cwd: process.cwd(),
    out: () => out,
    err: () => err,
  };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'efflint-cli-profile-'));
});

const FAST = ['--threads', '1', '--warmup', '1', '--runs', '3'];

describe('efflint profile (in process)', () => {
  it('prints the documented JSON', async () => {
    const io = captureIO();
    const code = await main(
      ['profile', 'zoo:exp_g4_relu_on_shortcut_on_c32', ...FAST, '--opt-level', 'disabled', '--format', 'json'],
      io,
    );
    expect(code).toBe(0);
    const r = JSON.parse(io.out());
    expect(r).toMatchObject({
      schemaVersion: 1,
      model: 'zoo:exp_g4_relu_on_shortcut_on_c32',
      provider: 'CPUExecutionProvider',
      optLevel: 'disabled',
      threads: 1,
      batch: 1,
    });
    expect(Object.keys(r.latencyMs).sort()).toEqual(['cv', 'max', 'median', 'min', 'p90', 'runs']);
    expect(Object.keys(r.layers[0])).toEqual(
      expect.arrayContaining([
        'name',
        'opType',
        'measuredUs',
        'share',
        'flops',
        'memAccess',
        'memBytes',
        'measuredBytes',
        'predictedUs',
      ]),
    );
    expect(r.opTypes[0]).toHaveProperty('category');
    expect(r.coverage.unmeasuredNodes).toEqual([]);
    expect(r.correlation).toHaveProperty('flopsSpearman');
    expect(io.err()).toBe('');
  });

  it('prints a table and draws progress only on a TTY, never with --quiet', async () => {
    const tty = captureIO(true);
    expect(await main(['profile', 'zoo:exp_g4_relu_on_shortcut_on_c32', ...FAST, '--top', '3'], tty)).toBe(0);
    expect(tty.out()).toMatch(/latency: median [\d.]+ ms/);
    expect(tty.out()).toContain('time by category (ShuffleNet V2 Figure 2)');
    expect(tty.out()).toContain('more kernels (use --top N');
    expect(tty.err()).toContain('profiled runs');
    expect(tty.err().endsWith('\r\u001b[K')).toBe(true);
    const quiet = captureIO(true);
    expect(await main(['profile', 'zoo:exp_g4_relu_on_shortcut_on_c32', ...FAST, '--quiet'], quiet)).toBe(0);
    expect(quiet.err()).toBe('');
  });

  it('exits 2 with one line when the execution provider is missing', async () => {
    const io = captureIO();
    expect(await main(['profile', 'zoo:exp_g4_relu_on_shortcut_on_c32', '--ep', 'coreml'], io)).toBe(2);
    expect(io.err()).toMatch(/^efflint: execution provider 'coreml' is not offered .*macOS only\n$/);
  });

  it('imports a TensorRT profile with --trace', async () => {
    const io = captureIO();
    expect(await main(['profile', 'zoo:exp_g4_relu_on_shortcut_on_c32', '--trace', TRT_FIXTURE], io)).toBe(0);
    expect(io.out()).toContain('TensorRT profile (trtexec --exportProfile)');
    expect(io.out()).toContain('{ForeignNode[unit9.conv1...unit10.relu3]} (14 nodes)');
  });

  it('exits 2 for a trace that is not one', async () => {
    const io = captureIO();
    expect(
      await main(
        [
          'profile',
          'zoo:exp_g4_relu_on_shortcut_on_c32',
          '--trace',
          new URL('../../package.json', import.meta.url).pathname,
        ],
        io,
      ),
    ).toBe(2);
    expect(io.err()).toContain('neither an onnxruntime profile');
  });
});

describe('efflint calibrate (in process)', () => {
  it('writes a device profile that efflint profile accepts', async () => {
    const file = join(dir, 'device.json');
    const io = captureIO();
    expect(await main(['calibrate', '--threads', '1', '--blocks', '1', '--runs', '1', '-o', file], io)).toBe(0);
    expect(io.out()).toContain('peak compute');
    const p = parseDeviceProfile(readFileSync(file, 'utf8'), file);
    const prof = captureIO();
    expect(
      await main(
        ['profile', 'zoo:exp_g4_relu_on_shortcut_on_c32', ...FAST, '--device-profile', file, '--format', 'json'],
        prof,
      ),
    ).toBe(0);
    const r = JSON.parse(prof.out());
    expect(r.deviceProfile).toBe(p.name);
    // Every kernel is predicted from the execution plan, the NCHWc reorders onnxruntime inserted included.
    for (const l of r.layers as { nodes: string[]; predictedUs: number | null }[])
      expect(typeof l.predictedUs).toBe('number');
  });
});

describe('efflint profile (spawned CLI)', () => {
  it('runs the built binary end to end', () => {
    const r = runCli(['profile', 'zoo:exp_g4_relu_on_shortcut_on_c32', ...FAST, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).coverage.measuredNodes).toBe(70);
  });
});
