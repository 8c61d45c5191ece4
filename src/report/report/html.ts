import type { TimeCategory } from '../../profile/categories.js';
import type { LatencyStats } from '../../profile/stats.js';
import type { FindingSeverity } from '../../rules/define-rule.js';
import { at } from '../../util/at.js';
import { escapeHtml, terminalText } from '../../util/escape.js';
import {
  formatKernelUs,
  formatLatencyMs,
  formatPercent,
  formatRatio,
  formatRho,
  humanBytes,
  humanCount,
} from '../shared/numbers.js';
import type { Breakdown, FigureId, ReportData, ReportFinding, RuleGroup, TopLayer } from './report-data.js';
import {
  BREAKDOWN_CAPTIONS,
  CATEGORY_LABELS,
  FIGURES_NOTE,
  figureOf,
  machineText,
  rooflineFormula,
} from './report-data.js';
import type { LegendItem } from './svg-charts.js';
import { horizontalBarChart, scatterPlot, shareBars } from './svg-charts.js';

/**
 * The latency report as one self-contained HTML file: inline CSS, static inline SVG charts, no
 * script and no resource loaded from anywhere (the only URLs are plain links to the docs). Pure:
 * ReportData in, a string out.
 */

/** Okabe-Ito colours (distinguishable with colour-vision deficiency), one per Figure 2 bucket. */
export const CATEGORY_COLORS: Readonly<Record<TimeCategory, string>> = {
  conv: '#0072B2',
  elementwise: '#E69F00',
  'data-movement': '#009E73',
  other: '#8C96A0',
};

/** Every interpolated string goes through this: entities, and control characters shown escaped. */
const esc = escapeHtml;
/** Charts are drawn at the card's content width and scale down with it (viewBox). */
const CHART_WIDTH = 940;
const CATEGORY_ORDER: readonly TimeCategory[] = ['conv', 'elementwise', 'data-movement', 'other'];
const LEGEND: readonly LegendItem[] = CATEGORY_ORDER.map((c) => ({
  label: CATEGORY_LABELS[c],
  color: CATEGORY_COLORS[c],
}));

const STYLE = `
:root { --text:#1f2933; --muted:#616e7c; --line:#e4e7eb; --bg:#f5f7fa; --card:#ffffff; --accent:#0072B2; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin:0; background:var(--bg); color:var(--text); font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
a { color:var(--accent); }
code, .mono { font-family: ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace; font-size:12.5px; }
.wrap { max-width:1040px; margin:0 auto; padding:0 24px; }
header.page { background:#102a43; color:#f0f4f8; padding:28px 0 24px; }
header.page .eyebrow { text-transform:uppercase; letter-spacing:.08em; font-size:11.5px; color:#9fb3c8; margin:0; }
header.page h1 { font-size:26px; margin:4px 0 2px; word-break:break-all; }
header.page .sub { color:#bcccdc; margin:0 0 18px; }
.kpis { display:grid; grid-template-columns:repeat(auto-fit,minmax(180px,1fr)); gap:12px; }
.kpi { background:rgba(255,255,255,.07); border:1px solid rgba(255,255,255,.12); border-radius:8px; padding:12px 14px; }
.kpi .label { font-size:11.5px; text-transform:uppercase; letter-spacing:.06em; color:#9fb3c8; }
.kpi .value { font-size:24px; font-weight:650; margin-top:2px; }
.kpi .note { font-size:12px; color:#bcccdc; }
.kpi.missing .value { color:#f0b429; font-size:18px; }
.run { margin:14px 0 0; color:#bcccdc; font-size:13px; }
main { padding:8px 0 24px; }
section.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:20px 24px; margin:18px 0; }
section.card > h2 { font-size:19px; margin:0 0 4px; }
.lead { color:var(--muted); margin:0 0 14px; max-width:80ch; }
.notice { border-left:4px solid #f0b429; background:#fffbea; padding:10px 14px; border-radius:4px; margin:18px 0 0; color:#513c06; }
.takeaways { margin:6px 0 0; padding-left:20px; }
.takeaways li { margin:4px 0; }
.chart { display:block; width:100%; height:auto; margin:8px 0 10px; }
table { border-collapse:collapse; width:100%; margin:8px 0 4px; font-size:13px; }
caption { caption-side:top; text-align:left; font-weight:600; color:var(--muted); font-size:12.5px; padding:0 0 4px; }
table.figures th { white-space:normal; color:var(--text); font-weight:400; font-size:13px; border-bottom:1px solid var(--line); }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-weight:600; color:var(--muted); font-size:12.5px; border-bottom:2px solid var(--line); white-space:nowrap; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
td.name { overflow-wrap:anywhere; min-width:150px; }
.op { white-space:nowrap; }
.op-name { white-space:normal; }
.swatch { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:6px; vertical-align:baseline; }
h3 { font-size:15px; margin:18px 0 4px; }
.rho { display:flex; gap:10px; flex-wrap:wrap; margin:6px 0 4px; }
.rho > div { background:var(--bg); border:1px solid var(--line); border-radius:8px; padding:6px 12px; }
.rho strong { font-size:16px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:11.5px; font-weight:600; white-space:nowrap; }
.sev-error { background:#fde8e8; color:#9b1c1c; }
.sev-warn { background:#fff3c4; color:#8d2b0b; }
.sev-info { background:#e3f0fb; color:#0b4f85; }
.v-yes { background:#e3f9e5; color:#1b6630; }
.v-no { background:#eef0f3; color:#52606d; }
.v-na { background:#f5f7fa; color:#7b8794; border:1px dashed #cbd2d9; }
details.rule { border:1px solid var(--line); border-radius:8px; margin:10px 0; padding:0 14px; }
details.rule > summary { cursor:pointer; padding:10px 0; list-style-position:outside; }
details.rule > summary .rid { font-weight:700; margin-right:6px; }
details.rule > summary .counts { float:right; color:var(--muted); font-size:12.5px; }
details.rule .desc { color:var(--muted); margin:0 0 8px; }
.evidence { color:var(--muted); font-size:12.5px; margin-top:2px; }
.muted { color:var(--muted); font-size:12.5px; }
details.nodes { color:var(--muted); font-size:12.5px; margin-top:2px; }
details.nodes > summary { cursor:pointer; }
.fix { color:var(--muted); font-size:12.5px; margin-top:2px; }
footer.methodology { color:var(--muted); font-size:13px; padding:4px 0 40px; }
footer.methodology h2 { font-size:16px; color:var(--text); }
footer.methodology dl { display:grid; grid-template-columns:180px 1fr; gap:6px 16px; margin:0; }
footer.methodology dt { font-weight:600; color:var(--text); }
footer.methodology dd { margin:0; }
.warnings li { color:#8d2b0b; }
@media print { body { background:#fff; } section.card { break-inside:avoid; border-color:#ccc; } header.page { color:#000; background:#fff; } }
`;

function tag(name: string, attrs: Readonly<Record<string, string>>, inner: string): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${esc(v)}"`)
    .join('');
  return `<${name}${a}>${inner}</${name}>`;
}

/** Op type with its category swatch; fused op lists (`Conv+BatchNormalization+Relu`) may wrap after '+'. */
function opCell(opType: string, c: TimeCategory): string {
  const [first, ...rest] = esc(opType).split('+');
  const tail = rest.map((r) => `+<wbr>${r}`).join('');
  return `<span class="op"><span class="swatch" style="background:${CATEGORY_COLORS[c]}"></span>${first}</span>${tail ? `<span class="op-name">${tail}</span>` : ''}`;
}

function swatch(c: TimeCategory): string {
  return `<span class="swatch" style="background:${CATEGORY_COLORS[c]}"></span>${esc(CATEGORY_LABELS[c])}`;
}

function latencyLine(l: LatencyStats): string {
  return `median ${formatLatencyMs(l.median)} ms, p90 ${formatLatencyMs(l.p90)} ms, CV ${formatPercent(l.cv)} over ${l.runs} runs`;
}

function threadsText(t: number | null): string {
  return t === null ? 'default threads (one per physical core)' : `${t} thread${t === 1 ? '' : 's'}`;
}

function header(d: ReportData): string {
  const m = d.measurement;
  const opsets = Object.entries(d.opsets)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const inputs = d.inputs.map((i) => `${i.name} ${i.dtype}[${i.shape}]`).join(', ');
  const sub = [
    d.producer && `exported by ${d.producer}`,
    opsets && `opset ${opsets}`,
    inputs && `${d.inputs.length === 1 ? 'input' : 'inputs'}: ${inputs}`,
  ]
    .filter(Boolean)
    .join(' · ');
  const kpi = (label: string, value: string, note: string, cls = 'kpi'): string =>
    `<div class="${cls}"><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div><div class="note">${esc(note)}</div></div>`;
  const fig = (id: FigureId): string => figureOf(d, id)?.text ?? '?';
  const tiles = [
    kpi('FLOPs', fig('flops'), 'multiply-adds'),
    kpi('Parameters', fig('params'), `${d.totals.layers} layers`),
    kpi('Memory access', fig('memAccess'), `elements · ${humanBytes(d.totals.memBytes)}`),
  ];
  if (m?.latencyMs) {
    tiles.push(
      kpi(
        'Latency (median)',
        `${formatLatencyMs(m.latencyMs.median)} ms`,
        `p90 ${formatLatencyMs(m.latencyMs.p90)} ms · CV ${formatPercent(m.latencyMs.cv)}`,
      ),
    );
  } else if (m) {
    tiles.push(
      kpi('Kernel time (sum)', `${formatLatencyMs(m.kernelSumUs / 1000)} ms`, 'imported trace: no end-to-end latency'),
    );
  } else {
    tiles.push(kpi('Latency', 'not measured', d.noProfileReason ?? '', 'kpi missing'));
  }
  const run = m
    ? `<p class="run">${esc(
        m.source === 'onnxruntime-node'
          ? `Measured with ${m.provider} (onnxruntime-node ${m.onnxruntimeVersion ?? '?'}), graph optimization ${m.optLevel ?? '?'}, ${threadsText(m.threads)}, batch ${m.batch ?? '?'}; ${m.latencyMs ? latencyLine(m.latencyMs) : ''} after ${m.warmup} warm-up runs.`
          : `Imported ${m.source === 'tensorrt-trace' ? 'TensorRT' : 'onnxruntime'} trace (${m.provider}), batch ${m.batch ?? '?'}.`,
      )}</p>`
    : '';
  return [
    '<header class="page"><div class="wrap">',
    '<p class="eyebrow">efflint latency report</p>',
    `<h1>${esc(d.model)}</h1>`,
    `<p class="sub">${esc(sub)}</p>`,
    `<div class="kpis">${tiles.join('')}</div>`,
    run,
    '</div></header>',
  ].join('\n');
}

function summary(d: ReportData): string {
  const notice = d.measurement
    ? ''
    : `<p class="notice"><strong>No latency was measured</strong> (${esc(d.noProfileReason ?? 'not requested')}). This report shows the static analysis and lint only: shares of FLOPs and memory access, layers ranked by memory access. Run <code>efflint report</code> without <code>--no-profile</code> to measure time with onnxruntime.</p>`;
  return [
    '<section class="card" id="summary">',
    '<h2>Summary</h2>',
    `<ul class="takeaways">${d.takeaways.map((t) => `<li>${esc(t)}</li>`).join('')}</ul>`,
    keyFigures(d),
    notice,
    '</section>',
  ].join('\n');
}

/** The report's headline numbers, one row each; every other section prints the same texts. */
function keyFigures(d: ReportData): string {
  const rows = d.figures.map((f) => `<tr><th scope="row">${esc(f.label)}</th><td class="num">${esc(f.text)}</td></tr>`);
  return `<h3>Key figures</h3><table class="figures" id="key-figures"><tbody>${rows.join('')}</tbody></table><p class="muted">${esc(FIGURES_NOTE)}</p>`;
}

function breakdownTable(b: Breakdown, withTime: boolean): string {
  const head = `<tr><th>category</th><th class="num">${b.basis === 'kernels' ? 'kernels' : 'layers'}</th><th class="num">share of FLOPs</th><th class="num">share of memAccess</th>${withTime ? '<th class="num">share of time</th><th class="num">measured µs</th>' : ''}</tr>`;
  const rows = b.rows.map(
    (r) =>
      `<tr><td>${swatch(r.category)}</td><td class="num">${r.count}</td><td class="num">${formatPercent(r.flopsShare)}</td><td class="num">${formatPercent(r.memAccessShare)}</td>` +
      (withTime
        ? `<td class="num">${formatPercent(r.timeShare)}</td><td class="num">${formatKernelUs(r.measuredUs)}</td>`
        : '') +
      '</tr>',
  );
  return `<table class="breakdown" data-basis="${b.basis}"><caption>${esc(BREAKDOWN_CAPTIONS[b.basis])}</caption><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

function whereTimeGoes(d: ReportData): string {
  const b = d.breakdown;
  const measured = b.basis === 'kernels';
  const seg = (share: (r: Breakdown['rows'][number]) => number | null) =>
    CATEGORY_ORDER.map((c) => {
      const r = b.rows.find((x) => x.category === c);
      const value = r ? share(r) : null;
      // The segment prints the table's text for the same share (not a re-rounded one).
      return { label: CATEGORY_LABELS[c], value: value ?? 0, color: CATEGORY_COLORS[c], text: formatPercent(value) };
    });
  const rows = [
    { label: 'FLOPs', segments: seg((r) => r.flopsShare) },
    { label: 'memory access', segments: seg((r) => r.memAccessShare) },
    {
      label: 'measured time',
      segments: measured ? seg((r) => r.timeShare) : [],
      emptyText: `not measured (${d.noProfileReason ?? 'not requested'})`,
    },
  ];
  const chart = shareBars({
    id: 'chart-breakdown',
    title: 'Share of FLOPs, memory access and measured time per category',
    desc:
      'Stacked bars, one per measure, split into conv/GEMM, element-wise, data movement and other. ' +
      b.rows
        .map(
          (r) =>
            `${r.label}: ${formatPercent(r.flopsShare)} of FLOPs, ${formatPercent(r.memAccessShare)} of memory access${measured ? `, ${formatPercent(r.timeShare)} of time` : ''}`,
        )
        .join('; ') +
      '.',
    rows,
    legend: LEGEND,
    width: CHART_WIDTH,
  });
  const lead = measured
    ? 'The run-time breakdown of the ShuffleNet V2 paper (Figure 2): FLOPs only account for the convolution part, yet element-wise operations and data movement (shuffle, reshape, concat, copies) take time too. Shares are over the measured kernels: an op that onnxruntime fused into a convolution kernel counts as conv.'
    : 'The categories of the ShuffleNet V2 paper (Figure 2) over the ONNX graph: FLOPs only account for the convolution part, while element-wise ops and data movement spend memory access. No time was measured.';
  const graph = measured
    ? `<h3>Before fusion (ONNX graph)</h3><p class="lead">The same categories over the model's ONNX nodes, as exported, before onnxruntime fused anything.</p>${breakdownTable(d.graphBreakdown, false)}`
    : '';
  return [
    '<section class="card" id="where-the-time-goes">',
    '<h2>Where the time goes</h2>',
    `<p class="lead">${esc(lead)}</p>`,
    chart,
    breakdownTable(b, measured),
    graph,
    '</section>',
  ].join('\n');
}

function nodesCell(l: TopLayer): string {
  if (l.nodes.length === 0) return '<span class="badge v-na">inserted by the runtime</span>';
  if (l.nodes.length === 1) {
    const node = at(l.nodes, 0);
    return node === l.name ? '' : `<div class="evidence">node <code>${esc(node)}</code></div>`;
  }
  return `<details class="nodes"><summary>${l.nodes.length} ONNX nodes</summary><code>${l.nodes.map(esc).join('<br>')}</code></details>`;
}

function topLayers(d: ReportData): string {
  const t = d.topLayers;
  const measured = t.by === 'measured';
  const withPredicted = t.rows.some((r) => r.predictedUs !== null);
  const bars = t.rows.map((l) => ({
    label: terminalText(l.name),
    value: measured ? (l.measuredUs ?? 0) : (l.memAccess ?? 0),
    color: CATEGORY_COLORS[l.category],
    valueLabel: measured
      ? `${formatKernelUs(l.measuredUs)} µs · ${formatPercent(l.share)}`
      : `${humanCount(l.memAccess)} · ${formatPercent(l.share)}`,
    tooltip: `${terminalText(l.name)} (${terminalText(l.opType)}, ${CATEGORY_LABELS[l.category]}): ${measured ? `${formatKernelUs(l.measuredUs)} µs, ${formatPercent(l.share)} of measured time` : `${humanCount(l.memAccess)} elements, ${formatPercent(l.share)} of memory access`}; ${humanCount(l.flops)} FLOPs`,
  }));
  const chart = horizontalBarChart({
    id: 'chart-top-layers',
    title: measured ? `Top ${t.rows.length} kernels by measured time` : `Top ${t.rows.length} layers by memory access`,
    desc:
      `Horizontal bars, one per ${measured ? 'kernel' : 'layer'}, coloured by category. ` +
      bars.map((b) => `${b.label}: ${b.valueLabel}`).join('; ') +
      '.',
    bars,
    xLabel: measured ? 'median kernel time (µs)' : 'memory access (elements read + written)',
    legend: LEGEND,
    width: CHART_WIDTH,
    labelWidth: 300,
  });
  const head =
    '<tr><th class="num">#</th><th>' +
    (measured ? 'kernel' : 'layer') +
    '</th><th>op</th><th class="num">FLOPs</th><th class="num">memAccess</th>' +
    (withPredicted ? '<th class="num">predicted µs</th>' : '') +
    (measured
      ? '<th class="num">measured µs</th><th class="num">share of time</th>'
      : '<th class="num">share of memAccess</th>') +
    '</tr>';
  const rows = t.rows.map(
    (l, i) =>
      `<tr><td class="num">${i + 1}</td><td class="name"><code>${esc(l.name)}</code>${nodesCell(l)}</td><td>${opCell(l.opType, l.category)}</td>` +
      `<td class="num">${humanCount(l.flops)}</td><td class="num">${humanCount(l.memAccess)}</td>` +
      (withPredicted
        ? `<td class="num">${formatKernelUs(l.predictedUs)}${l.bound ? `<div class="evidence">${esc(l.bound)}-bound</div>` : ''}</td>`
        : '') +
      (measured ? `<td class="num">${formatKernelUs(l.measuredUs)}</td>` : '') +
      `<td class="num">${formatPercent(l.share)}</td></tr>`,
  );
  const more =
    t.total > t.rows.length
      ? `<p class="lead">${t.total - t.rows.length} more ${measured ? 'kernels' : 'layers'} not shown.</p>`
      : '';
  const lead = measured
    ? 'Kernels as onnxruntime ran them, most time first (median over the timed runs). A fused kernel lists the ONNX nodes it computed; FLOPs and memAccess are efflint\u2019s counts for those nodes.'
    : 'Layers with the most memory access (elements read + written, weights included): the layers most likely to be memory-bound. No time was measured.';
  return [
    '<section class="card" id="top-layers">',
    `<h2>${measured ? 'Top layers by measured time' : 'Top layers by memory access'}</h2>`,
    `<p class="lead">${esc(lead)}</p>`,
    chart,
    `<table><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`,
    more,
    '</section>',
  ].join('\n');
}

function scatter(d: ReportData): string {
  const measured = d.scatter.y === 'measuredUs';
  const points = d.scatter.points.map((p) => ({
    x: p.flops,
    y: p.y,
    color: CATEGORY_COLORS[p.category],
    label: `${terminalText(p.name)} (${terminalText(p.opType)}): ${humanCount(p.flops)} FLOPs, ${measured ? `${formatKernelUs(p.y)} µs` : `${humanCount(p.y)} memAccess`}`,
  }));
  const chart = scatterPlot({
    id: 'chart-scatter',
    title: measured ? 'FLOPs vs measured time, one point per kernel' : 'FLOPs vs memory access, one point per layer',
    desc: `Log-log scatter plot of ${points.length} ${measured ? 'kernels' : 'layers'}, coloured by category; points with 0 FLOPs sit in the band left of the axis.${
      d.correlation
        ? ` Spearman correlation with FLOPs ${formatRho(d.correlation.flops)}, with the roofline prediction ${formatRho(d.correlation.predicted)}.`
        : ''
    }`,
    points,
    xLabel: 'FLOPs (multiply-adds, log scale)',
    yLabel: measured ? 'measured time (µs, log scale)' : 'memory access (elements, log scale)',
    legend: LEGEND,
    width: CHART_WIDTH,
    height: 460,
  });
  const c = d.correlation;
  const rhoBox = c
    ? `<div class="rho"><div>FLOPs alone: <strong>ρ=${formatRho(c.flops)}</strong></div><div>roofline prediction: <strong>ρ=${formatRho(c.predicted)}</strong></div><div>kernels: <strong>${c.layers}</strong></div></div>` +
      `<p class="muted">${
        c.predicted === null
          ? 'The roofline prediction needs <code>--device-profile FILE</code> (from <code>efflint calibrate</code>).'
          : `Roofline prediction with device profile <code>${esc(c.deviceProfile ?? '')}</code>.`
      }</p>`
    : '';
  const lead = measured
    ? 'If FLOPs predicted speed, the points would lie on a rising line. Spearman rank correlation of per-kernel measured time with FLOPs, and with the roofline prediction (max of compute and memory time plus a per-kernel overhead) when a device profile is given:'
    : 'Layers high and to the left move many elements for few FLOPs (element-wise ops, data movement, depthwise convs): G4 in the ShuffleNet V2 paper. No time was measured.';
  const mis = d.misleading.length
    ? `<h3>Where FLOPs mislead</h3><p class="lead">Kernels whose share of measured time exceeds their share of FLOPs the most.</p><table><thead><tr><th>kernel</th><th>op</th><th class="num">share of FLOPs</th><th class="num">share of time</th><th class="num">measured µs</th></tr></thead><tbody>${d.misleading
        .map(
          (m) =>
            `<tr><td class="name"><code>${esc(m.name)}</code></td><td>${opCell(m.opType, m.category)}</td><td class="num">${formatPercent(m.flopsShare)}</td><td class="num">${formatPercent(m.timeShare)}</td><td class="num">${formatKernelUs(m.measuredUs)}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  return [
    '<section class="card" id="flops-vs-time">',
    `<h2>${measured ? 'FLOPs vs measured time' : 'FLOPs vs memory access'}</h2>`,
    `<p class="lead">${esc(lead)}</p>`,
    rhoBox,
    chart,
    mis,
    '</section>',
  ].join('\n');
}

const SEVERITY_TEXT: Readonly<Record<FindingSeverity, string>> = { error: 'error', warn: 'warning', info: 'info' };

function verdictBadge(f: ReportFinding): string {
  if (f.confirmed === undefined) return '';
  if (f.confirmed === true) return '<span class="badge v-yes">confirmed</span>';
  if (f.confirmed === false) return '<span class="badge v-no">not confirmed</span>';
  return '<span class="badge v-na">not measured</span>';
}

function ruleStatusText(g: RuleGroup): string {
  if (g.status === 'off') return 'off in the configuration';
  if (g.status === 'needs-device-profile') return 'not run: needs --device-profile';
  const n = g.findings.length;
  if (n === 0) return 'no findings';
  const parts = [`${n} finding${n === 1 ? '' : 's'}`];
  if (g.verdicts)
    parts.push(
      `${g.verdicts.confirmed} confirmed`,
      `${g.verdicts.notConfirmed} not confirmed`,
      `${g.verdicts.notMeasured} not measured`,
    );
  return parts.join(' · ');
}

function ruleGroup(g: RuleGroup, measured: boolean): string {
  const summaryLine = `<summary><span class="rid">${esc(g.id)}</span> <code>${esc(g.name)}</code> <span class="counts">${esc(ruleStatusText(g))}</span></summary>`;
  const docs = g.docsUrl ? ` <a href="${esc(g.docsUrl)}">Rule documentation</a>` : '';
  const desc = `<p class="desc">${esc(g.description)}${docs}</p>`;
  const rows = g.findings.map(
    (f) =>
      `<tr><td><span class="badge sev-${f.severity}">${SEVERITY_TEXT[f.severity]}</span></td>` +
      (measured ? `<td>${verdictBadge(f)}</td>` : '') +
      `<td class="name">${f.node === null ? '<em>whole model</em>' : `<code>${esc(f.node)}</code>`}${f.opType ? `<div class="evidence">${esc(f.opType)}</div>` : ''}</td>` +
      `<td>${esc(f.message)}${f.evidence ? `<div class="evidence">Measured: ${esc(f.evidence)}</div>` : ''}${f.suggestion ? `<div class="fix">Fix: ${esc(f.suggestion)}</div>` : ''}</td></tr>`,
  );
  const table = rows.length
    ? `<table><thead><tr><th>severity</th>${measured ? '<th>measured</th>' : ''}<th>node</th><th>finding</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
    : '';
  // Short groups open; long ones stay folded (<details> needs no script).
  const openAttr = g.findings.length > 0 && g.findings.length <= 12 ? ' open' : '';
  return `<details class="rule" id="rule-${esc(g.id)}"${openAttr}>${summaryLine}${desc}${table}</details>`;
}

function findings(d: ReportData): string {
  const f = d.findings;
  const guidelines = f.groups.filter((g) => g.category === 'guideline');
  const extras = f.groups.filter((g) => g.category !== 'guideline');
  const overview = `<table><thead><tr><th>rule</th><th>pattern</th><th class="num">errors</th><th class="num">warnings</th><th class="num">info</th>${
    f.measured
      ? '<th class="num">confirmed</th><th class="num">not confirmed</th><th class="num">not measured</th>'
      : ''
  }</tr></thead><tbody>${f.groups
    .map(
      (g) =>
        `<tr><td><a href="#rule-${esc(g.id)}">${esc(g.id)}</a></td><td><code>${esc(g.name)}</code>${g.status !== 'ran' ? ` <span class="evidence">(${esc(ruleStatusText(g))})</span>` : ''}</td>` +
        (g.status === 'ran'
          ? `<td class="num">${g.counts.error}</td><td class="num">${g.counts.warn}</td><td class="num">${g.counts.info}</td>` +
            (f.measured && g.verdicts
              ? `<td class="num">${g.verdicts.confirmed}</td><td class="num">${g.verdicts.notConfirmed}</td><td class="num">${g.verdicts.notMeasured}</td>`
              : '')
          : '<td class="num">–</td>'.repeat(f.measured ? 6 : 3)) +
        '</tr>',
    )
    .join('')}</tbody></table>`;
  const lead = f.measured
    ? 'Each finding is marked confirmed when a counterfactual measurement supports it: the flagged layer, rebuilt with its own shapes, runs slower than the replacement the guideline asks for (balanced channels, g=1 or merged branches at equal FLOPs; the element-wise op removed; the BatchNormalization folded) by more than max(5%, 2\u00d7 the block spread) on CPU time; not confirmed when it does not; not measured (with the reason) when onnxruntime fuses the op, the layer is below the floor (20 \u00b5s or 1% of the time), or no counterfactual applies.'
    : 'Findings of the ShuffleNet V2 guidelines (G1-G4) and efflint\u2019s extra rules. Without a profile no finding is confirmed or refuted by measured time.';
  return [
    '<section class="card" id="findings">',
    `<h2>Guideline findings</h2>`,
    `<p class="lead">${esc(lead)} ${f.summary.error} errors, ${f.summary.warn} warnings, ${f.summary.info} info.</p>`,
    overview,
    '<h3>ShuffleNet V2 guidelines</h3>',
    ...guidelines.map((g) => ruleGroup(g, f.measured)),
    extras.length ? '<h3>Extras</h3>' : '',
    ...extras.map((g) => ruleGroup(g, f.measured)),
    '</section>',
  ].join('\n');
}

function coverageAndWarnings(d: ReportData): string {
  const c = d.coverage;
  const items: string[] = [];
  if (c) {
    items.push(
      `${c.measuredNodes} of ${c.nodes} ONNX nodes measured${c.foldedNodes ? ` (${c.foldedNodes} more folded at load)` : ''}`,
    );
    items.push(
      `${c.joinedKernels} of ${c.kernels} kernels joined to ONNX nodes, ${formatPercent(c.joinedTimeShare)} of kernel time`,
    );
    if (c.fusedKernels) items.push(`${c.fusedKernels} fused kernels computed ${c.fusedNodes} ONNX nodes`);
    if (c.kernelSumOverProfiledRun !== null)
      items.push(
        `kernel times sum to ${formatPercent(c.kernelSumOverProfiledRun)} of a profiled run (the rest is executor overhead between kernels)`,
      );
    if (c.costlyUnmeasured.length)
      items.push(
        `not measured although they have FLOPs: ${c.costlyUnmeasured.slice(0, 8).join(', ')}${c.costlyUnmeasured.length > 8 ? ', …' : ''}`,
      );
  }
  if (!c && d.warnings.length === 0) return '';
  return [
    '<section class="card" id="coverage">',
    `<h2>${c ? 'Coverage and warnings' : 'Warnings'}</h2>`,
    items.length ? `<ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>` : '',
    d.warnings.length ? `<ul class="warnings">${d.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '',
    '</section>',
  ].join('\n');
}

function methodology(d: ReportData): string {
  const m = d.measurement;
  const rows: [string, string][] = [
    ['FLOPs', d.conventions.flops],
    ['Parameters', d.conventions.params],
    ['Memory access', `${d.conventions.memAccess}; memBytes is the same in bytes`],
    [
      'Categories',
      'ShuffleNet V2 Figure 2: conv / GEMM (convolutions, Gemm, MatMul), element-wise (activations, arithmetic, normalisation), data movement (shuffle, reshape, transpose, concat, split, copies), other (pooling, reductions, the rest)',
    ],
  ];
  if (m) {
    rows.push([
      'Latency',
      m.source === 'onnxruntime-node'
        ? `Two onnxruntime sessions with the same options. Latency: ${m.warmup} warm-up runs, then ${m.latencyMs?.runs ?? '?'} timed runs of an unprofiled session (wall time of session.run, inputs prebuilt with a fixed seed); median, p90 (R type 7), CV = stdev / mean. Per-kernel time: median over the timed runs of a second, profiled session${
            m.profilingSlowdown !== null ? ` (profiling makes a run ${formatRatio(m.profilingSlowdown)} slower)` : ''
          }.`
        : `Imported trace; per-kernel time is the median over its runs after ${m.warmup} dropped warm-up runs.`,
    ]);
    rows.push([
      'Runtime',
      `${m.provider}${m.ep ? ` (--ep ${m.ep})` : ''}, onnxruntime ${m.onnxruntimeVersion ?? '?'}, graph optimization ${m.optLevel ?? '?'}, ${threadsText(m.threads)}, batch ${m.batch ?? '?'}`,
    ]);
    if (d.conventions.measuredUs) rows.push(['Measured µs', d.conventions.measuredUs]);
  } else {
    rows.push(['Latency', `not measured (${d.noProfileReason ?? 'not requested'})`]);
  }
  if (d.deviceProfile)
    rows.push(['Roofline', `${rooflineFormula(d.deviceProfile)}, device profile ${d.deviceProfile.name}`]);
  if (d.correlation)
    rows.push([
      'Correlation',
      `Spearman rank correlation (average ranks for ties) over ${d.correlation.layers} kernels joined to ONNX nodes with known cost`,
    ]);
  const e = d.environment;
  if (e) rows.push(['Machine', machineText(e)]);
  rows.push(['Generated', `efflint ${d.tool.version}${d.tool.generatedAt ? `, ${d.tool.generatedAt}` : ''}`]);
  return [
    '<footer class="methodology" id="methodology"><div class="wrap">',
    '<h2>Methodology</h2>',
    `<dl>${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`,
    `<p>How each number is produced: ${tag('a', { href: d.tool.docsUrl }, 'docs/report.md')}.</p>`,
    '</div></footer>',
  ].join('\n');
}

/** Renders the report as one self-contained HTML document. */
export function formatReportHtml(d: ReportData): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="efflint ${esc(d.tool.version)}">`,
    `<title>${esc(`efflint report: ${d.model}`)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    header(d),
    '<main><div class="wrap">',
    summary(d),
    whereTimeGoes(d),
    topLayers(d),
    scatter(d),
    findings(d),
    coverageAndWarnings(d),
    '</div></main>',
    methodology(d),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
