import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeFile } from '../../src/api.js';
import { profileModel } from '../../src/profile/profile.js';
import type { ProfileResult } from '../../src/profile/types.js';
import { formatReportHtml } from '../../src/report/report/html.js';
import type { FigureId, ReportData } from '../../src/report/report/report-data.js';
import { buildReportData, FIGURE_LABELS } from '../../src/report/report/report-data.js';
import { formatReportMarkdown } from '../../src/report/report/report-md.js';
import {
  horizontalBarChart,
  linearTicks,
  logDomain,
  logTicks,
  MAX_TICKS,
  niceLinearDomain,
  scatterPlot,
  shareBars,
} from '../../src/report/report/svg-charts.js';
import { lintAnalysis } from '../../src/rules/lint.js';
import { RULES } from '../../src/rules/registry.js';
import { at } from '../../src/util/at.js';
import { runCli } from '../helpers/cli.js';
import { sampleResult } from './fixtures.js';

/**
 * Issue 10 item 4: every number the reports print is computed once (ReportData.figures) and every
 * format and section prints that value. For two zoo models the HTML and Markdown reports and the
 * `analyze` text are read back as a user sees them and compared with each other and with shares
 * summed here, by hand, from `analyze --format json`.
 */

const MODELS = ['zoo:shufflenet_v1_g3', 'zoo:mobilenet_v2'] as const;

/** The per-layer fields of `analyze --format json` this test sums. */
interface JsonLayer {
  readonly category: string;
  readonly flops: number | null;
  readonly memAccess: number | null;
  readonly folded: boolean;
  readonly runs: number | null;
}
interface JsonAnalysis {
  readonly totals: { readonly flops: number; readonly params: number; readonly memAccess: number };
  readonly layers: readonly JsonLayer[];
}

/** Figures as text, keyed by what they measure. */
type Figures = Partial<Record<FigureId, string>>;

/** "12.3%": a fraction with one decimal, written out here rather than imported. */
const percentText = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(1)}%`;

/** "145.93M": the zoo models' totals are all in the millions. */
function millions(x: number): string {
  expect(x).toBeGreaterThanOrEqual(1e6);
  expect(x).toBeLessThan(1e9);
  return `${(x / 1e6).toFixed(2)}M`;
}

/**
 * The ShuffleNet V2 Figure 2 "Elemwise" bucket summed from the per-layer JSON: analyzer categories
 * elementwise, activation and normalization (BN counts as element-wise, G4), over the layers
 * onnxruntime does not fold at load, each weighted by how often it runs.
 */
function expectedFigures(a: JsonAnalysis): Figures {
  const elementwise = new Set(['elementwise', 'activation', 'normalization']);
  const live = a.layers.filter((l) => !l.folded);
  const total = (ls: readonly JsonLayer[], k: 'flops' | 'memAccess'): number =>
    ls.reduce((s, l) => s + (l[k] ?? 0) * (l.runs ?? 1), 0);
  const ew = live.filter((l) => elementwise.has(l.category));
  expect(ew.length).toBeGreaterThan(10);
  return {
    flops: millions(a.totals.flops),
    params: millions(a.totals.params),
    memAccess: millions(a.totals.memAccess),
    elementwiseGraphMemAccess: percentText(total(ew, 'memAccess'), total(live, 'memAccess')),
    elementwiseGraphFlops: percentText(total(ew, 'flops'), total(live, 'flops')),
  };
}

/** HTML as the reader sees it: tags become spaces, entities their characters. */
const unhtml = (s: string): string =>
  s
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every `label: value` pair a report states for a key-figure label, wherever it occurs (HTML rows flattened to text). */
function labelledValues(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const label of Object.values(FIGURE_LABELS)) {
    const values = [...text.matchAll(new RegExp(`${escapeRegExp(label)}:?\\s*\\**([^\\s*]+)`, 'g'))].map((m) =>
      at(m, 1),
    );
    if (values.length) out.set(label, values);
  }
  return out;
}

/** The key-figures table of the HTML report, by id. */
function htmlFigures(html: string): Figures {
  const section = html.slice(
    html.indexOf('id="key-figures"'),
    html.indexOf('</table>', html.indexOf('id="key-figures"')),
  );
  const byLabel = new Map(
    [...section.matchAll(/<tr><th scope="row">([^<]*)<\/th><td class="num">([^<]*)<\/td><\/tr>/g)].map((m) => [
      unhtml(at(m, 1)),
      unhtml(at(m, 2)),
    ]),
  );
  return Object.fromEntries(
    Object.entries(FIGURE_LABELS)
      .filter(([, l]) => byLabel.has(l))
      .map(([id, l]) => [id, byLabel.get(l)]),
  );
}

/** The key-figures list of the Markdown report, by id. */
function markdownFigures(md: string): Figures {
  const byLabel = new Map([...md.matchAll(/^- (.+): \*\*(.+)\*\*$/gm)].map((m) => [m[1], m[2]]));
  return Object.fromEntries(
    Object.entries(FIGURE_LABELS)
      .filter(([, l]) => byLabel.has(l))
      .map(([id, l]) => [id, byLabel.get(l)]),
  );
}

/** The `analyze` text: totals from its total line, shares from its labelled lines. */
function textFigures(text: string): Figures {
  const total = /^total: (\S+) FLOPs, (\S+) params, (\S+) memAccess/m.exec(text);
  expect(total).not.toBeNull();
  const line = (id: FigureId): string | undefined =>
    new RegExp(`^${escapeRegExp(FIGURE_LABELS[id])}: (\\S+)$`, 'm').exec(text)?.[1];
  return {
    flops: total?.[1],
    params: total?.[2],
    memAccess: total?.[3],
    elementwiseGraphMemAccess: line('elementwiseGraphMemAccess'),
    elementwiseGraphFlops: line('elementwiseGraphFlops'),
  };
}

/** The element-wise row of a breakdown table (HTML), by basis: [FLOPs share, memAccess share, time share?]. */
function htmlBreakdownRow(html: string, basis: 'graph' | 'kernels'): string[] {
  const start = html.indexOf(`<table class="breakdown" data-basis="${basis}">`);
  expect(start).toBeGreaterThan(-1);
  const table = html.slice(start, html.indexOf('</table>', start));
  const row = /<tr><td><span class="swatch"[^>]*><\/span>element-wise<\/td>(.*?)<\/tr>/.exec(table)?.[1] ?? '';
  return [...row.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => at(m, 1)).slice(1);
}

/** The element-wise row of the Markdown breakdown table under `caption`. */
function markdownBreakdownRow(md: string, caption: string): string[] {
  const start = md.indexOf(`\n${caption}`);
  expect(start).toBeGreaterThan(-1);
  const row = /^\| element-wise \| (.*) \|$/m.exec(md.slice(start))?.[1] ?? '';
  return row.split(' | ').slice(1);
}

/** G4's model finding as the rule wrote it: "element-wise work after fusion: A% of executed memory access, B% of est. time, C% of FLOPs". */
function g4Message(text: string): { memAccess: string; time: string; flops: string } | null {
  const m =
    /element-wise work after fusion: ([\d.]+%) of executed memory access, ([\d.]+%) of est\. time, ([\d.]+%) of FLOPs/.exec(
      text,
    );
  return m ? { memAccess: at(m, 1), time: at(m, 2), flops: at(m, 3) } : null;
}

/** Labels are unique, and a label is never followed by two different values anywhere in the report. */
function expectOneValuePerLabel(report: string, figures: Figures): void {
  const labels = Object.keys(figures).map((id) => FIGURE_LABELS[id as FigureId]);
  expect(new Set(labels).size).toBe(labels.length);
  for (const [label, values] of labelledValues(report)) expect(new Set(values), label).toEqual(new Set([values[0]]));
}

describe.each(MODELS)('%s: HTML, Markdown and analyze text print the same figures', (model) => {
  const dir = mkdtempSync(join(tmpdir(), 'efflint-agree-'));
  const json = runCli(['analyze', model, '--format', 'json']);
  const text = runCli(['analyze', model]);
  const htmlRun = runCli(['report', model, '--no-profile', '-o', join(dir, 'r.html'), '-q']);
  const mdRun = runCli(['report', model, '--no-profile', '-o', join(dir, 'r.md'), '-q']);
  const html = htmlRun.code === 0 ? readFileSync(join(dir, 'r.html'), 'utf8') : '';
  const md = mdRun.code === 0 ? readFileSync(join(dir, 'r.md'), 'utf8') : '';
  const expected = json.code === 0 ? expectedFigures(JSON.parse(json.stdout) as JsonAnalysis) : {};

  it('runs every command', () => {
    expect(
      [json.code, text.code, htmlRun.code, mdRun.code],
      [json.stderr, text.stderr, htmlRun.stderr, mdRun.stderr].join('\n'),
    ).toEqual([0, 0, 0, 0]);
  });

  it('prints totals and element-wise shares equal to the sums over the analysis JSON, in every format', () => {
    const h = htmlFigures(html);
    const m = markdownFigures(md);
    const t = textFigures(text.stdout);
    for (const [id, value] of Object.entries(expected)) {
      expect(h[id as FigureId], `HTML ${id}`).toBe(value);
      expect(m[id as FigureId], `Markdown ${id}`).toBe(value);
      expect(t[id as FigureId], `text ${id}`).toBe(value);
    }
    // Everything both reports list is the same string (the G4 figures included).
    expect(m).toEqual(h);
  });

  it('prints the same values in the header, the summary and the breakdown table', () => {
    const e = expected;
    // Header tiles / totals table.
    expect(html).toContain(`<div class="label">FLOPs</div><div class="value">${e.flops}</div>`);
    expect(html).toContain(`<div class="label">Parameters</div><div class="value">${e.params}</div>`);
    expect(md).toMatch(new RegExp(`^\\| ${e.flops} \\| ${e.params} \\| ${e.memAccess} \\(`, 'm'));
    // The ONNX-graph breakdown: element-wise row, FLOPs and memAccess columns.
    expect(htmlBreakdownRow(html, 'graph')).toEqual([e.elementwiseGraphFlops, e.elementwiseGraphMemAccess]);
    expect(markdownBreakdownRow(md, 'ONNX graph, before fusion:')).toEqual([
      e.elementwiseGraphFlops,
      e.elementwiseGraphMemAccess,
    ]);
    // The summary sentence.
    const alone = `(element-wise layers alone: ${e.elementwiseGraphMemAccess} of the memory access, ${e.elementwiseGraphFlops} of the FLOPs)`;
    expect(unhtml(html)).toContain(alone);
    expect(md).toContain(alone);
  });

  it("labels G4's executed-graph share apart from the ONNX-graph share, with the finding's own numbers", () => {
    const finding = g4Message(md);
    expect(finding).not.toBeNull();
    expect(g4Message(unhtml(html))).toEqual(finding);
    const h = htmlFigures(html);
    expect(h.g4MemAccess).toBe(finding?.memAccess);
    expect(h.g4Flops).toBe(finding?.flops);
    expect(h.g4EstimatedTime).toBe(finding?.time);
    // Two populations, two labels: the numbers differ, so the labels must.
    expect(h.g4MemAccess).not.toBe(h.elementwiseGraphMemAccess);
    expect(FIGURE_LABELS.g4MemAccess).not.toBe(FIGURE_LABELS.elementwiseGraphMemAccess);
  });

  it('never gives one label two values within a report', () => {
    expectOneValuePerLabel(unhtml(html), htmlFigures(html));
    expectOneValuePerLabel(md, markdownFigures(md));
    expectOneValuePerLabel(text.stdout, textFigures(text.stdout));
  });
});

/** The share-bar segment texts of the breakdown chart: row label -> category -> text. */
function chartSegments(html: string): Map<string, Map<string, string>> {
  const start = html.indexOf('aria-labelledby="chart-breakdown-title');
  const svg = html.slice(start, html.indexOf('</svg>', start));
  const out = new Map<string, Map<string, string>>();
  for (const m of svg.matchAll(/<title>([^<,]+), ([^<:]+): ([^<]+)<\/title>/g)) {
    const [label, category, text] = [at(m, 1), at(m, 2), at(m, 3)];
    const row = out.get(label) ?? new Map<string, string>();
    row.set(category, text);
    out.set(label, row);
  }
  return out;
}

describe.each(MODELS)('%s with a measured profile: time shares agree across formats, summary and chart', (model) => {
  // One profile, two formats: a second measurement would differ, so the reports are built from the same data.
  const state: { profile?: ProfileResult; data?: ReportData } = {};
  beforeAll(async () => {
    const profile = await profileModel(model, { runs: 2, warmup: 1, threads: 1 });
    state.profile = profile;
    state.data = buildReportData({
      lint: lintAnalysis(analyzeFile(model), { model }),
      profile,
      rules: RULES,
      version: 'test',
    });
  }, 120_000);

  it('prints the element-wise share of measured time, summed here from the kernels, in both formats', () => {
    const p = state.profile as ProfileResult;
    const d = state.data as ReportData;
    const html = formatReportHtml(d);
    const md = formatReportMarkdown(d);
    const totalUs = p.layers.reduce((s, l) => s + l.measuredUs, 0);
    const ewUs = p.layers.filter((l) => l.category === 'elementwise').reduce((s, l) => s + l.measuredUs, 0);
    const time = percentText(ewUs, totalUs);
    expect(htmlFigures(html).elementwiseKernelTime).toBe(time);
    expect(markdownFigures(md).elementwiseKernelTime).toBe(time);
    expect(htmlBreakdownRow(html, 'kernels')[2]).toBe(time);
    expect(markdownBreakdownRow(md, 'Measured kernels, after fusion:')[2]).toBe(time);
    expect(md).toContain(`after fusion, element-wise kernels take ${time} of the measured time.`);
    expect(markdownFigures(md)).toEqual(htmlFigures(html));
    expectOneValuePerLabel(unhtml(html), htmlFigures(html));
    expectOneValuePerLabel(md, markdownFigures(md));
  }, 120_000);

  it('says "everything else" with the numbers the chart and the table show', () => {
    const d = state.data as ReportData;
    const html = formatReportHtml(d);
    const sentence =
      /take ([\d.]+%) of the measured time; everything else takes ([\d.]+%) of the time for ([\d.]+%) of the FLOPs/.exec(
        unhtml(html),
      );
    expect(sentence).not.toBeNull();
    const rows = d.breakdown.rows;
    const rest = rows.filter((r) => r.category !== 'conv');
    const convTime = rows.find((r) => r.category === 'conv')?.timeShare ?? NaN;
    expect(sentence?.[1]).toBe(`${(100 * convTime).toFixed(1)}%`);
    expect(sentence?.[2]).toBe(`${(100 * rest.reduce((s, r) => s + (r.timeShare ?? 0), 0)).toFixed(1)}%`);
    // The chart's conv segment prints the sentence's and the table's value, not a re-rounded one.
    const segments = chartSegments(html);
    expect(segments.get('measured time')?.get('conv / GEMM')).toBe(sentence?.[1]);
    const tableConv =
      /<tr><td><span class="swatch"[^>]*><\/span>conv \/ GEMM<\/td>(.*?)<\/tr>/.exec(
        html.slice(html.indexOf('data-basis="kernels"')),
      )?.[1] ?? '';
    expect([...tableConv.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1])[3]).toBe(sentence?.[1]);
    for (const r of rows) {
      const text = segments.get('FLOPs')?.get(r.label);
      if (text !== undefined) expect(text).toBe(`${(100 * r.flopsShare).toFixed(1)}%`);
    }
  });
});

describe('report charts with huge or non-finite numbers', () => {
  const TEXT = { id: 'c', title: 't', desc: 'd' };

  it('keeps linear axes finite and their tick count bounded', () => {
    for (const max of [Infinity, -Infinity, NaN, 0, -5]) expect(niceLinearDomain(max)).toEqual({ max: 1, step: 0.2 });
    // 1e300: 1-2-5 step 2e299, five intervals.
    expect(niceLinearDomain(1e300)).toEqual({ max: 1e300, step: 2e299 });
    // Rounding Number.MAX_VALUE up to a 1-2-5 step overflows: plain fifths instead.
    expect(niceLinearDomain(Number.MAX_VALUE)).toEqual({ max: Number.MAX_VALUE, step: Number.MAX_VALUE / 5 });
    expect(linearTicks(niceLinearDomain(Number.MAX_VALUE))).toHaveLength(6);
    expect(linearTicks({ max: Infinity, step: 1 })).toEqual([0]);
    expect(linearTicks({ max: 1, step: 0 })).toEqual([0]);
    expect(linearTicks({ max: 1e300, step: 1e-300 })).toHaveLength(MAX_TICKS + 1);
  });

  it('keeps log axes within the finite decades and their tick count bounded', () => {
    const decades = (d: readonly number[]): number[] => d.map((x) => Math.round(Math.log10(x)));
    // At most 14 decades, ending at 10^308 (10^309 would be Infinity).
    expect(decades(logDomain([Number.MAX_VALUE, 1]))).toEqual([294, 308]);
    expect(logDomain([Infinity, NaN, -1])).toEqual([1, 10]);
    expect(decades(logDomain([5e-324]))).toEqual([-307, -306]);
    expect(logTicks([1, Infinity])).toEqual([]);
    expect(logTicks([NaN, 10])).toEqual([]);
    expect(logTicks([1e-300, 1e300])).toHaveLength(MAX_TICKS);
    expect(logTicks([1e294, 1e308])).toHaveLength(15);
  });

  it('draws every chart from Infinity, NaN and 1e300 values without looping', () => {
    const bars = horizontalBarChart({
      ...TEXT,
      xLabel: 'x',
      bars: [
        { label: 'inf', value: Infinity, color: '#000' },
        { label: 'nan', value: NaN, color: '#000' },
        { label: 'huge', value: 1e300, color: '#000' },
        { label: 'max', value: Number.MAX_VALUE, color: '#000' },
      ],
    });
    expect(bars).not.toMatch(/NaN|Infinity/);
    expect(bars).toContain('>inf</text>');
    expect(bars).toContain('>1e+300</text>');
    expect((bars.match(/<line /g) ?? []).length).toBeLessThanOrEqual(2 * (MAX_TICKS + 1));
    const scatter = scatterPlot({
      ...TEXT,
      xLabel: 'x',
      yLabel: 'y',
      points: [
        { x: Infinity, y: 1, color: '#000', label: 'a' },
        { x: NaN, y: NaN, color: '#000', label: 'b' },
        { x: 1e300, y: Number.MAX_VALUE, color: '#000', label: 'c' },
        { x: 1, y: 5e-324, color: '#000', label: 'd' },
      ],
    });
    expect(scatter).not.toMatch(/NaN|Infinity/);
    const share = shareBars({
      ...TEXT,
      legend: [],
      rows: [
        {
          label: 'r1',
          segments: [
            { label: 'a', value: Infinity, color: '#000' },
            { label: 'b', value: NaN, color: '#000' },
          ],
        },
        {
          label: 'r2',
          segments: [
            { label: 'a', value: 1e300, color: '#000' },
            { label: 'b', value: 1e300, color: '#000' },
          ],
        },
      ],
    });
    expect(share).not.toMatch(/NaN|Infinity/);
    expect(share).toContain('>no data</text>');
    expect(share).toContain('<title>r2, a: 50.0%</title>');
  });

  it('renders a report whose costs saturated (a huge shape) with n/a shares and finite charts', () => {
    const r = sampleResult();
    const big = Number.MAX_VALUE;
    const analysis = {
      ...r.analysis,
      layers: r.analysis.layers.map((l) => ({ ...l, flops: big, memAccess: big, memBytes: big })),
      totals: { ...r.analysis.totals, flops: big, memAccess: big, memBytes: big },
    };
    const d = buildReportData({ lint: { ...r, analysis }, rules: RULES, version: 'test' });
    expect(d.figures.find((f) => f.id === 'flops')?.text).toBe('1.80e+308');
    // Several saturated layers sum past Number.MAX_VALUE: their shares are unknown, not 0.
    expect(d.figures.find((f) => f.id === 'elementwiseGraphMemAccess')?.text).toBe('n/a');
    const html = formatReportHtml(d);
    const md = formatReportMarkdown(d);
    expect(html).not.toMatch(/NaN|Infinity/);
    expect(md).not.toMatch(/NaN|Infinity/);
    expect(md).toContain('- element-wise layers, share of memory access (ONNX graph before fusion): **n/a**');
  });
});
