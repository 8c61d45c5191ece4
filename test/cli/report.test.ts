import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { runCli } from '../helpers/cli.js';

function captureIO(cwd: string, stderrIsTTY = false): CliIO & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    stdoutIsTTY: false,
    stderrIsTTY,
    env: { NO_COLOR: '1' },
    cwd,
    out: () => out,
    err: () => err,
  };
}

const SMALL = 'zoo:exp_g4_relu_on_shortcut_on_c32';
const FAST = ['--threads', '1', '--warmup', '1', '--runs', '3'];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'efflint-cli-report-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('efflint report (in process)', () => {
  it('writes a self-contained HTML report with measured latency', async () => {
    const io = captureIO(dir);
    mkdirSync(join(dir, 'out')); // report writes into an existing folder only
    expect(await main(['report', SMALL, '-o', 'out/small.html', ...FAST], io)).toBe(0);
    const html = readFileSync(join(dir, 'out', 'small.html'), 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain(`<h1>${SMALL}</h1>`);
    expect(html).toMatch(/Latency \(median\)<\/div><div class="value">[\d.]+ ms<\/div>/);
    expect(html).toContain('1 thread, batch 1');
    expect(html).toContain('<h2>Where the time goes</h2>');
    expect(html).toContain('FLOPs alone: <strong>ρ=');
    expect(html).not.toMatch(/<script/i);
    expect(io.out()).toMatch(/^wrote out\/small\.html \(HTML, \d+ KiB\)\n$/);
    // Not a TTY: no progress at all.
    expect(io.err()).toBe('');
  });

  it('writes Markdown for .md and analysis-only reports with --no-profile', async () => {
    const io = captureIO(dir);
    expect(await main(['report', SMALL, '-o', 'small.md', '--no-profile', '--quiet'], io)).toBe(0);
    const md = readFileSync(join(dir, 'small.md'), 'utf8');
    expect(md).toContain(`# efflint latency report: \`${SMALL}\``);
    expect(md).toContain('> **No latency was measured** (--no-profile).');
    expect(md).toContain('## Top layers by memory access');
    expect(io.out()).toBe('');
    const htm = captureIO(dir);
    expect(await main(['report', SMALL, '-o', 'small.HTM', '--no-profile'], htm)).toBe(0);
    expect(readFileSync(join(dir, 'small.HTM'), 'utf8')).toContain(
      '<strong>No latency was measured</strong> (--no-profile)',
    );
  });

  it('shows progress on stderr only when it is a TTY', async () => {
    const io = captureIO(dir, true);
    expect(await main(['report', SMALL, '-o', 'tty.html', ...FAST], io)).toBe(0);
    expect(io.err()).toContain(`analysing ${SMALL}...`);
    expect(io.err()).toContain('profiling with onnxruntime (cpu)...');
    const quiet = captureIO(dir, true);
    expect(await main(['report', SMALL, '-o', 'tty.html', '--no-profile', '-q'], quiet)).toBe(0);
    expect(quiet.err()).toBe('');
  });

  it('exits 2 on an output extension it cannot write, a missing -o, or a bad model', async () => {
    const pdf = captureIO(dir);
    expect(await main(['report', SMALL, '-o', 'report.pdf', '--no-profile'], pdf)).toBe(2);
    expect(pdf.err()).toBe('efflint: -o report.pdf: the report format comes from the extension: .html, .htm or .md\n');
    expect(existsSync(join(dir, 'report.pdf'))).toBe(false);
    const missing = captureIO(dir);
    expect(await main(['report', SMALL], missing)).toBe(2);
    expect(missing.err()).toContain("required option '-o, --output <file>' not specified");
    const bad = captureIO(dir);
    expect(await main(['report', 'zoo:no_such_model', '-o', 'x.html', '--no-profile'], bad)).toBe(2);
    expect(bad.err()).toMatch(/^efflint: /);
  });

  it('reads the config: rules turned off show as off', async () => {
    const cfg = join(dir, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ rules: { G4: 'off' } }));
    const io = captureIO(dir);
    expect(await main(['report', SMALL, '-o', 'cfg.md', '--no-profile', '--config', cfg], io)).toBe(0);
    expect(readFileSync(join(dir, 'cfg.md'), 'utf8')).toContain(
      '#### G4 `elementwise-heavy`: off in the configuration',
    );
  });
});

/** Headless Chromium, if this machine has one (it is not a CI dependency). */
const CHROMIUM = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
].find((p): p is string => !!p && existsSync(p));

// End to end: the built CLI (`npm run build` first), as a user runs it.
describe('efflint report (built CLI)', () => {
  let cwd: string;
  let html: string;
  beforeAll(() => {
    cwd = mkdtempSync(join(tmpdir(), 'efflint-report-e2e-'));
    mkdirSync(join(cwd, 'tmp'));
    const r = runCli(['report', 'zoo:shufflenet_v2_x0_5', '-o', 'tmp/report.html', '--runs', '3'], {
      cwd,
      timeoutMs: 120_000,
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    html = readFileSync(join(cwd, 'tmp', 'report.html'), 'utf8');
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('writes a report of ShuffleNet V2 0.5x with every section', () => {
    for (const id of [
      'summary',
      'where-the-time-goes',
      'top-layers',
      'flops-vs-time',
      'findings',
      'coverage',
      'methodology',
    ])
      expect(html).toContain(`id="${id}"`);
    expect(html).toContain('>43.05M</div>');
    expect(html).toContain('Measured with CPUExecutionProvider (onnxruntime-node');
    expect(html).toContain('<details class="rule" id="rule-G4" open>');
    expect(html).toMatch(/ρ=(0\.\d\d|1\.00|-0\.\d\d)<\/strong>/);
    expect([...html.matchAll(/<svg /g)]).toHaveLength(3);
    expect(html.replace(/<a href="https?:\/\/[^"]*">/g, '')).not.toMatch(/https?:\/\//);
  });

  it('writes the Markdown report too', () => {
    const r = runCli(['report', 'zoo:shufflenet_v2_x0_5', '-o', 'tmp/report.md', '--runs', '3'], {
      cwd,
      timeoutMs: 120_000,
    });
    expect(r.code).toBe(0);
    const md = readFileSync(join(cwd, 'tmp', 'report.md'), 'utf8');
    expect(md).toContain('# efflint latency report: `zoo:shufflenet_v2_x0_5`');
    expect(md).toMatch(/\*\*FLOPs alone: ρ=-?[\d.]+; roofline prediction: ρ=n\/a\*\*/);
    expect(md).toContain('| category | kernels | share of FLOPs | share of memAccess | share of time | measured µs |');
  });

  if (!CHROMIUM)
    console.info('chromium not found (/usr/bin/chromium): skipping the headless browser check of the HTML report');

  it.skipIf(!CHROMIUM)('renders in headless Chromium without network access', () => {
    const png = join(cwd, 'report.png');
    const url = `file://${join(cwd, 'tmp', 'report.html')}`;
    const flags = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--user-data-dir=${join(cwd, 'chromium')}`,
    ];
    const shot = spawnSync(
      CHROMIUM as string,
      [...flags, '--hide-scrollbars', '--window-size=1200,3000', `--screenshot=${png}`, url],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(shot.status).toBe(0);
    const bytes = readFileSync(png);
    expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    // PNG IHDR: width and height.
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([1200, 3000]);
    expect(statSync(png).size).toBeGreaterThan(50_000);
    // The DOM the browser built: every chart parsed as SVG, nothing went missing.
    const dom = spawnSync(CHROMIUM as string, [...flags, '--dump-dom', url], {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 64 * 2 ** 20,
    });
    expect(dom.status).toBe(0);
    expect([...dom.stdout.matchAll(/<svg /g)]).toHaveLength(3);
    expect([...dom.stdout.matchAll(/<section class="card"/g)]).toHaveLength(6);
    expect(dom.stdout).toContain('id="methodology"');
  });
});
