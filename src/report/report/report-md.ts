import type { FindingSeverity } from '../../rules/define-rule.js';
import { markdownCell, markdownCode } from '../../util/escape.js';
import {
  formatKernelUs,
  formatLatencyMs,
  formatPercent,
  formatRatio,
  formatRho,
  humanBytes,
  humanCount,
} from '../shared/numbers.js';
import type { Breakdown, FigureId, ReportData, ReportFinding, RuleGroup } from './report-data.js';
import {
  BREAKDOWN_CAPTIONS,
  CATEGORY_LABELS,
  FIGURES_NOTE,
  figureOf,
  machineText,
  rooflineFormula,
} from './report-data.js';
import { markdownTable } from '../shared/markdown-table.js';

/**
 * The latency report as GitHub-flavoured Markdown: the same sections as the HTML report, with
 * tables where the HTML has charts. Pure: ReportData in, a string out.
 */

const code = markdownCode;

function threadsText(t: number | null): string {
  return t === null ? 'default threads (one per physical core)' : `${t} thread${t === 1 ? '' : 's'}`;
}

function breakdownTable(b: Breakdown, withTime: boolean): string[] {
  return markdownTable(
    [
      'category',
      b.basis === 'kernels' ? 'kernels' : 'layers',
      'share of FLOPs',
      'share of memAccess',
      ...(withTime ? ['share of time', 'measured µs'] : []),
    ],
    ['l', 'r', 'r', 'r', ...(withTime ? (['r', 'r'] as const) : [])],
    b.rows.map((r) => [
      r.label,
      String(r.count),
      formatPercent(r.flopsShare),
      formatPercent(r.memAccessShare),
      ...(withTime ? [formatPercent(r.timeShare), formatKernelUs(r.measuredUs)] : []),
    ]),
  );
}

const SEVERITY_TEXT: Readonly<Record<FindingSeverity, string>> = { error: 'error', warn: 'warning', info: 'info' };

function verdict(f: ReportFinding): string {
  return f.confirmed === true ? 'confirmed' : f.confirmed === false ? 'not confirmed' : 'not measured';
}

function ruleStatusText(g: RuleGroup): string {
  if (g.status === 'off') return 'off in the configuration';
  if (g.status === 'needs-device-profile') return 'not run: needs --device-profile';
  const n = g.findings.length;
  if (n === 0) return 'no findings';
  return (
    `${n} finding${n === 1 ? '' : 's'}` +
    (g.verdicts
      ? `: ${g.verdicts.confirmed} confirmed, ${g.verdicts.notConfirmed} not confirmed, ${g.verdicts.notMeasured} not measured`
      : '')
  );
}

function ruleSection(g: RuleGroup, measured: boolean): string[] {
  const out = [`#### ${g.id} \`${g.name}\`: ${ruleStatusText(g)}`, ''];
  if (g.description || g.docsUrl)
    out.push(`${markdownCell(g.description)}${g.docsUrl ? ` [Rule documentation](${g.docsUrl})` : ''}`, '');
  if (g.findings.length) {
    out.push(
      ...markdownTable(
        ['severity', ...(measured ? ['measured'] : []), 'node', 'finding'],
        ['l', ...(measured ? (['l'] as const) : []), 'l', 'l'],
        g.findings.map((f) => [
          SEVERITY_TEXT[f.severity],
          ...(measured ? [verdict(f)] : []),
          f.node === null ? '*(whole model)*' : code(f.node),
          markdownCell(f.message) +
            (f.evidence ? `<br>Measured: ${markdownCell(f.evidence)}` : '') +
            (f.suggestion ? `<br>Fix: ${markdownCell(f.suggestion)}` : ''),
        ]),
      ),
      '',
    );
  }
  return out;
}

/** Renders the report as Markdown. */
export function formatReportMarkdown(d: ReportData): string {
  const out: string[] = [];
  const m = d.measurement;
  out.push(`# efflint latency report: ${code(d.model)}`, '');
  const opsets = Object.entries(d.opsets)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const facts = [
    d.producer && `exported by ${markdownCell(d.producer)}`,
    opsets && `opset ${markdownCell(opsets)}`,
    ...d.inputs.map((i) => `input ${code(i.name)}: ${markdownCell(`${i.dtype}[${i.shape}]`)}`),
  ].filter(Boolean);
  if (facts.length) out.push(facts.join(' · '), '');
  const latency = m?.latencyMs
    ? `${formatLatencyMs(m.latencyMs.median)} ms median, p90 ${formatLatencyMs(m.latencyMs.p90)} ms, CV ${formatPercent(m.latencyMs.cv)} (${m.latencyMs.runs} runs)`
    : m
      ? `${formatLatencyMs(m.kernelSumUs / 1000)} ms kernel time (imported trace)`
      : `**not measured** (${markdownCell(d.noProfileReason ?? 'not requested')})`;
  const fig = (id: FigureId): string => figureOf(d, id)?.text ?? '?';
  out.push(
    ...markdownTable(
      ['FLOPs', 'params', 'memAccess', 'latency'],
      ['r', 'r', 'r', 'l'],
      [[fig('flops'), fig('params'), `${fig('memAccess')} (${humanBytes(d.totals.memBytes)})`, latency]],
    ),
    '',
  );
  if (m) {
    out.push(
      m.source === 'onnxruntime-node'
        ? `Measured with ${m.provider} (onnxruntime-node ${m.onnxruntimeVersion ?? '?'}), graph optimization ${m.optLevel ?? '?'}, ${threadsText(m.threads)}, batch ${m.batch ?? '?'}, after ${m.warmup} warm-up runs.`
        : `Imported ${m.source === 'tensorrt-trace' ? 'TensorRT' : 'onnxruntime'} trace (${m.provider}), batch ${m.batch ?? '?'}.`,
      '',
    );
  } else {
    out.push(
      `> **No latency was measured** (${markdownCell(d.noProfileReason ?? 'not requested')}). This report shows the static analysis and lint only. Run \`efflint report\` without \`--no-profile\` to measure time with onnxruntime.`,
      '',
    );
  }

  out.push('## Summary', '', ...d.takeaways.map((t) => `- ${markdownCell(t)}`), '');
  // A list, not a table: fitMarkdown cuts table rows, and these are the numbers every section repeats.
  out.push(
    '### Key figures',
    '',
    ...d.figures.map((f) => `- ${markdownCell(f.label)}: **${f.text}**`),
    '',
    FIGURES_NOTE,
    '',
  );

  const measured = d.breakdown.basis === 'kernels';
  out.push('## Where the time goes', '');
  out.push(
    measured
      ? 'The run-time breakdown of the ShuffleNet V2 paper (Figure 2), over the measured kernels: an op that onnxruntime fused into a convolution kernel counts as conv.'
      : 'The categories of the ShuffleNet V2 paper (Figure 2) over the ONNX graph. No time was measured.',
    '',
    `${BREAKDOWN_CAPTIONS[d.breakdown.basis]}:`,
    '',
    ...breakdownTable(d.breakdown, measured),
    '',
  );
  if (measured)
    out.push(`${BREAKDOWN_CAPTIONS.graph} (as exported):`, '', ...breakdownTable(d.graphBreakdown, false), '');

  const t = d.topLayers;
  const byTime = t.by === 'measured';
  const withPredicted = t.rows.some((r) => r.predictedUs !== null);
  out.push(byTime ? '## Top layers by measured time' : '## Top layers by memory access', '');
  out.push(
    ...markdownTable(
      [
        '#',
        byTime ? 'kernel' : 'layer',
        'op',
        'category',
        'FLOPs',
        'memAccess',
        ...(withPredicted ? ['predicted µs'] : []),
        ...(byTime ? ['measured µs', 'share of time'] : ['share of memAccess']),
      ],
      [
        'r',
        'l',
        'l',
        'l',
        'r',
        'r',
        ...(withPredicted ? (['r'] as const) : []),
        ...(byTime ? (['r', 'r'] as const) : (['r'] as const)),
      ],
      t.rows.map((l, i) => [
        String(i + 1),
        code(l.name) + (l.nodes.length > 1 ? ` (${l.nodes.length} nodes)` : l.nodes.length === 0 ? ' (inserted)' : ''),
        markdownCell(l.opType),
        CATEGORY_LABELS[l.category],
        humanCount(l.flops),
        humanCount(l.memAccess),
        ...(withPredicted ? [formatKernelUs(l.predictedUs)] : []),
        ...(byTime ? [formatKernelUs(l.measuredUs)] : []),
        formatPercent(l.share),
      ]),
    ),
    '',
  );
  if (t.total > t.rows.length)
    out.push(`${t.total - t.rows.length} more ${byTime ? 'kernels' : 'layers'} not shown.`, '');

  if (d.correlation) {
    const c = d.correlation;
    out.push('## FLOPs vs measured time', '');
    out.push(
      `Spearman rank correlation of per-kernel measured time over ${c.layers} kernels: **FLOPs alone: ρ=${formatRho(c.flops)}; roofline prediction: ρ=${formatRho(c.predicted)}**` +
        (c.predicted === null
          ? ' (needs `--device-profile FILE` from `efflint calibrate`).'
          : ` (${markdownCell(c.deviceProfile ?? '')}).`),
      '',
    );
    if (d.misleading.length) {
      out.push('Where FLOPs mislead: kernels whose share of measured time exceeds their share of FLOPs the most.', '');
      out.push(
        ...markdownTable(
          ['kernel', 'op', 'share of FLOPs', 'share of time', 'measured µs'],
          ['l', 'l', 'r', 'r', 'r'],
          d.misleading.map((x) => [
            code(x.name),
            markdownCell(x.opType),
            formatPercent(x.flopsShare),
            formatPercent(x.timeShare),
            formatKernelUs(x.measuredUs),
          ]),
        ),
        '',
      );
    }
  }

  const f = d.findings;
  out.push('## Guideline findings', '');
  out.push(`${f.summary.error} errors, ${f.summary.warn} warnings, ${f.summary.info} info.`, '');
  out.push(
    ...markdownTable(
      [
        'rule',
        'pattern',
        'errors',
        'warnings',
        'info',
        ...(f.measured ? ['confirmed', 'not confirmed', 'not measured'] : []),
      ],
      ['l', 'l', 'r', 'r', 'r', ...(f.measured ? (['r', 'r', 'r'] as const) : [])],
      f.groups.map((g) => [
        g.docsUrl ? `[${g.id}](${g.docsUrl})` : g.id,
        `\`${g.name}\`${g.status !== 'ran' ? ` (${ruleStatusText(g)})` : ''}`,
        String(g.counts.error),
        String(g.counts.warn),
        String(g.counts.info),
        ...(f.measured && g.verdicts
          ? [String(g.verdicts.confirmed), String(g.verdicts.notConfirmed), String(g.verdicts.notMeasured)]
          : f.measured
            ? ['–', '–', '–']
            : []),
      ]),
    ),
    '',
  );
  const guidelines = f.groups.filter((g) => g.category === 'guideline');
  const extras = f.groups.filter((g) => g.category !== 'guideline');
  out.push('### ShuffleNet V2 guidelines', '');
  for (const g of guidelines) out.push(...ruleSection(g, f.measured));
  if (extras.length) {
    out.push('### Extras', '');
    for (const g of extras) out.push(...ruleSection(g, f.measured));
  }

  const c = d.coverage;
  if (c || d.warnings.length) {
    out.push(c ? '## Coverage and warnings' : '## Warnings', '');
    if (c) {
      out.push(
        `- ${c.measuredNodes} of ${c.nodes} ONNX nodes measured${c.foldedNodes ? ` (${c.foldedNodes} more folded at load)` : ''}`,
      );
      out.push(
        `- ${c.joinedKernels} of ${c.kernels} kernels joined to ONNX nodes, ${formatPercent(c.joinedTimeShare)} of kernel time`,
      );
      if (c.fusedKernels) out.push(`- ${c.fusedKernels} fused kernels computed ${c.fusedNodes} ONNX nodes`);
      if (c.kernelSumOverProfiledRun !== null)
        out.push(`- kernel times sum to ${formatPercent(c.kernelSumOverProfiledRun)} of a profiled run`);
      if (c.costlyUnmeasured.length)
        out.push(
          `- not measured although they have FLOPs: ${c.costlyUnmeasured.slice(0, 8).map(code).join(', ')}${c.costlyUnmeasured.length > 8 ? ', …' : ''}`,
        );
    }
    for (const w of d.warnings) out.push(`- warning: ${markdownCell(w)}`);
    out.push('');
  }

  out.push('## Methodology', '');
  out.push(`- **FLOPs**: ${markdownCell(d.conventions.flops)}`);
  out.push(`- **Parameters**: ${markdownCell(d.conventions.params)}`);
  out.push(`- **Memory access**: ${markdownCell(d.conventions.memAccess)}`);
  if (m) {
    out.push(
      m.source === 'onnxruntime-node'
        ? `- **Latency**: ${m.warmup} warm-up runs, then ${m.latencyMs?.runs ?? '?'} timed runs of an unprofiled onnxruntime session; median, p90, CV = stdev / mean. Per-kernel time: median over the timed runs of a second, profiled session${m.profilingSlowdown !== null ? ` (${formatRatio(m.profilingSlowdown)} slower per run)` : ''}.`
        : `- **Latency**: imported trace; per-kernel median after ${m.warmup} dropped warm-up runs.`,
    );
    out.push(
      `- **Runtime**: ${markdownCell(m.provider)}${m.ep ? ` (--ep ${m.ep})` : ''}, onnxruntime ${m.onnxruntimeVersion ?? '?'}, graph optimization ${m.optLevel ?? '?'}, ${threadsText(m.threads)}, batch ${m.batch ?? '?'}`,
    );
  } else {
    out.push(`- **Latency**: not measured (${markdownCell(d.noProfileReason ?? 'not requested')})`);
  }
  if (d.deviceProfile)
    out.push(
      `- **Roofline**: ${rooflineFormula(d.deviceProfile)}, device profile ${markdownCell(d.deviceProfile.name)}`,
    );
  const e = d.environment;
  if (e) out.push(`- **Machine**: ${markdownCell(machineText(e))}`);
  out.push(
    `- **Generated** by efflint ${d.tool.version}${d.tool.generatedAt ? `, ${d.tool.generatedAt}` : ''}. How each number is produced: [docs/report.md](${d.tool.docsUrl}).`,
  );
  return out.join('\n') + '\n';
}
