/**
 * Static SVG charts for the HTML report, rendered as strings: no script, no external resource, the
 * same output for the same input. Every chart carries an accessible name (`<title>`) and description
 * (`<desc>`) referenced by `aria-labelledby`, axis labels and a visible title; every mark carries its
 * own `<title>`, which browsers show as a tooltip. Charts are meant to be inlined in HTML, so the
 * root `<svg>` has no `xmlns` (the HTML parser puts it in the SVG namespace).
 */

import { escapeXml } from '../../util/escape.js';
import { formatPercent } from '../shared/numbers.js';

/**
 * Most ticks an axis gets, whatever the data: tick loops count up to this, so a huge, infinite or
 * NaN value (a saturated cost of a huge shape) can cost a coarse axis, never a hang.
 */
export const MAX_TICKS = 32;
/** Largest decade a log axis reaches: 10^308 is the last power of ten below Number.MAX_VALUE. */
const MAX_DECADE = 308;
const MIN_DECADE = -307;

/** Text every chart needs: a document-unique id prefix, a visible title and an accessible description. */
export interface ChartText {
  /** Prefix of the element ids in the chart (`[A-Za-z][\w-]*`); must be unique in the document. */
  readonly id: string;
  readonly title: string;
  /** What the chart shows, in words, for screen readers. */
  readonly desc: string;
}

/** A legend entry. */
export interface LegendItem {
  readonly label: string;
  readonly color: string;
}

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
const TEXT = '#1f2933';
const MUTED = '#616e7c';
const GRID = '#e4e7eb';
const AXIS = '#9aa5b1';

/** Rounds a coordinate to 0.1 px so output is short and stable. */
function px(x: number): string {
  const r = Math.round(x * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

/** Compact SI label for an axis tick: 1, 10, 1.5K, 2M, 1G. */
export function siLabel(v: number): string {
  if (v === 0) return '0';
  if (Number.isNaN(v)) return '?';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const abs = Math.abs(v);
  // Past the largest suffix (1000T), an exponent: "1e+300", not hundreds of digits.
  if (abs >= 1e15) return v.toExponential(1).replace('.0e', 'e');
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [scale, suffix] of units) {
    if (abs >= scale) return `${trimNumber(v / scale)}${suffix}`;
  }
  if (abs >= 1) return trimNumber(v);
  return String(Number(v.toPrecision(2)));
}

function trimNumber(x: number): string {
  return String(Number(x.toFixed(x >= 100 || Number.isInteger(x) ? 0 : 1)));
}

/**
 * A 1-2-5 step that splits [0, max] into at most `count` intervals, and the rounded-up maximum.
 * Always finite: a non-finite or non-positive max gives [0, 1]; near Number.MAX_VALUE, where rounding
 * up would overflow, the domain is [0, max] in `count` plain steps.
 */
export function niceLinearDomain(max: number, count = 5): { max: number; step: number } {
  const n = Math.min(MAX_TICKS, Math.max(1, Math.floor(Number.isFinite(count) ? count : 5)));
  if (!(max > 0) || !Number.isFinite(max)) return { max: 1, step: 1 / n };
  const raw = max / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw * (1 - 1e-9)) ?? 10 * mag;
  const top = Math.ceil(max / step - 1e-9) * step;
  if (!Number.isFinite(top) || !(step > 0) || !Number.isFinite(step)) return { max, step: max / n };
  return { max: top, step };
}

/** Tick values 0, step, 2 step, ... up to max (at most MAX_TICKS + 1 of them, whatever the input). */
export function linearTicks(domain: { readonly max: number; readonly step: number }): number[] {
  const { max, step } = domain;
  if (!(max > 0) || !(step > 0) || !Number.isFinite(max) || !Number.isFinite(step)) return [0];
  const n = Math.min(MAX_TICKS, Math.floor(max / step + 0.5));
  return Array.from({ length: n + 1 }, (_, i) => Math.min(max, Number((i * step).toPrecision(12))));
}

/** Decade-aligned log domain covering every positive value: [10^floor(log min), 10^ceil(log max)]. */
export function logDomain(values: readonly number[]): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  // A loop, not Math.min(...values): a spread of a huge array overflows the stack.
  for (const v of values) {
    if (!(v > 0) || !Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(max > 0)) return [1, 10];
  // Decades stay within the finite powers of ten (10^309 is Infinity).
  let lo = Math.max(MIN_DECADE, Math.min(MAX_DECADE - 1, Math.floor(Math.log10(min))));
  let hi = Math.min(MAX_DECADE, Math.ceil(Math.log10(max)));
  if (hi <= lo) hi = lo + 1;
  if (hi - lo > 14) lo = hi - 14;
  return [10 ** lo, 10 ** hi];
}

/** Position of `value` on a log axis mapping `domain` onto `range` (values outside are not clamped). */
export function logPosition(
  value: number,
  domain: readonly [number, number],
  range: readonly [number, number],
): number {
  const [d0, d1] = [Math.log10(domain[0]), Math.log10(domain[1])];
  return range[0] + ((Math.log10(value) - d0) / (d1 - d0)) * (range[1] - range[0]);
}

/** Tick values of a log domain: every decade, plus 2x and 5x when it spans at most two decades. */
export function logTicks(domain: readonly [number, number]): number[] {
  const d0 = Math.log10(domain[0]);
  const d1 = Math.log10(domain[1]);
  if (!Number.isFinite(d0) || !Number.isFinite(d1) || d1 < d0) return [];
  const lo = Math.max(MIN_DECADE, Math.round(d0));
  // At most MAX_TICKS decades, so the loop below is bounded whatever the domain.
  const hi = Math.min(MAX_DECADE, Math.round(d1), lo + MAX_TICKS - 1);
  const ticks: number[] = [];
  for (let k = lo; k <= hi; k++) {
    ticks.push(10 ** k);
    if (hi - lo <= 2 && k < hi) ticks.push(2 * 10 ** k, 5 * 10 ** k);
  }
  return ticks.map((t) => Number(t.toPrecision(12)));
}

/** Shortens a label to `max` characters with an ellipsis (the full text goes in a `<title>`). */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

function open(text: ChartText, width: number, height: number): string[] {
  const id = escapeXml(text.id);
  return [
    `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${id}-title ${id}-desc" font-family="${escapeXml(FONT)}" font-size="12" fill="${TEXT}">`,
    `<title id="${id}-title">${escapeXml(text.title)}</title>`,
    `<desc id="${id}-desc">${escapeXml(text.desc)}</desc>`,
    `<text x="0" y="16" font-size="14" font-weight="600">${escapeXml(text.title)}</text>`,
  ];
}

function legend(items: readonly LegendItem[], x: number, y: number): string[] {
  const out: string[] = [`<g class="legend" font-size="11" fill="${MUTED}">`];
  let cx = x;
  for (const item of items) {
    out.push(`<rect x="${px(cx)}" y="${px(y - 9)}" width="10" height="10" rx="2" fill="${escapeXml(item.color)}"/>`);
    out.push(`<text x="${px(cx + 14)}" y="${px(y)}">${escapeXml(item.label)}</text>`);
    cx += 14 + item.label.length * 6.2 + 16;
  }
  out.push('</g>');
  return out;
}

/** One bar of a horizontal bar chart. */
export interface Bar {
  readonly label: string;
  readonly value: number;
  readonly color: string;
  /** Text after the bar (default: the value with siLabel). */
  readonly valueLabel?: string;
  /** Tooltip (default: label and value label). */
  readonly tooltip?: string;
}

export interface BarChartOptions extends ChartText {
  readonly bars: readonly Bar[];
  /** Label of the value axis, with its unit. */
  readonly xLabel: string;
  readonly legend?: readonly LegendItem[];
  readonly width?: number;
  /** Width of the label column, px (default 230). */
  readonly labelWidth?: number;
  readonly barHeight?: number;
}

/** Layout constants of the bar chart, exported so tests can compute bar widths by hand. */
export const BAR_LAYOUT = {
  top: 44,
  gap: 6,
  right: 120,
  axis: 40,
  barHeight: 16,
  labelWidth: 230,
  width: 760,
} as const;

/**
 * Horizontal bar chart, largest first as given. The value axis starts at 0 and ends at the
 * 1-2-5 rounded maximum, so a bar's length is value / axisMax of the plot width.
 */
export function horizontalBarChart(o: BarChartOptions): string {
  const width = o.width ?? BAR_LAYOUT.width;
  const labelWidth = o.labelWidth ?? BAR_LAYOUT.labelWidth;
  const barHeight = o.barHeight ?? BAR_LAYOUT.barHeight;
  const top = BAR_LAYOUT.top + (o.legend?.length ? 14 : 0);
  const plotW = width - labelWidth - BAR_LAYOUT.right;
  const plotH = Math.max(1, o.bars.length) * (barHeight + BAR_LAYOUT.gap);
  const height = top + plotH + BAR_LAYOUT.axis;
  const finiteValues = o.bars.map((b) => b.value).filter((v) => Number.isFinite(v));
  const domain = niceLinearDomain(finiteValues.reduce((m, v) => (v > m ? v : m), 0));
  const { max } = domain;
  const ticks = linearTicks(domain);
  // A bar of +Infinity runs to the end of the axis; NaN and negatives have no length.
  const x = (v: number): number => labelWidth + (v === Infinity ? 1 : v > 0 ? Math.min(1, v / max) : 0) * plotW;
  const out = open(o, width, height);
  if (o.legend?.length) out.push(...legend(o.legend, labelWidth, 36));
  out.push(`<g class="grid" stroke="${GRID}">`);
  for (const t of ticks) out.push(`<line x1="${px(x(t))}" y1="${top - 4}" x2="${px(x(t))}" y2="${px(top + plotH)}"/>`);
  out.push('</g>');
  out.push('<g class="bars">');
  o.bars.forEach((b, i) => {
    const y = top + i * (barHeight + BAR_LAYOUT.gap);
    const valueLabel = b.valueLabel ?? siLabel(b.value);
    const tip = b.tooltip ?? `${b.label}: ${valueLabel}`;
    const w = x(b.value) - labelWidth;
    out.push(`<g><title>${escapeXml(tip)}</title>`);
    out.push(
      `<text x="${labelWidth - 8}" y="${px(y + barHeight / 2 + 4)}" text-anchor="end">${escapeXml(truncate(b.label, Math.floor(labelWidth / 6.6)))}</text>`,
    );
    out.push(
      `<rect x="${labelWidth}" y="${px(y)}" width="${px(w)}" height="${barHeight}" rx="2" fill="${escapeXml(b.color)}"/>`,
    );
    out.push(
      `<text x="${px(labelWidth + w + 6)}" y="${px(y + barHeight / 2 + 4)}" fill="${MUTED}">${escapeXml(valueLabel)}</text>`,
    );
    out.push('</g>');
  });
  out.push('</g>');
  const axisY = top + plotH;
  out.push(`<g class="x-axis" font-size="11" fill="${MUTED}">`);
  out.push(
    `<line x1="${labelWidth}" y1="${px(axisY)}" x2="${px(labelWidth + plotW)}" y2="${px(axisY)}" stroke="${AXIS}"/>`,
  );
  for (const t of ticks) {
    out.push(`<text x="${px(x(t))}" y="${px(axisY + 14)}" text-anchor="middle">${escapeXml(siLabel(t))}</text>`);
  }
  out.push(
    `<text x="${px(labelWidth + plotW / 2)}" y="${px(axisY + 32)}" text-anchor="middle" fill="${TEXT}">${escapeXml(o.xLabel)}</text>`,
  );
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n');
}

/** A part of a share bar; values are normalised by the row's total. */
export interface ShareSegment {
  readonly label: string;
  readonly value: number;
  readonly color: string;
  /** The percentage to print (default: the normalised value with formatPercent); pass the text the report's tables print, so chart and table agree. */
  readonly text?: string;
}

export interface ShareRow {
  readonly label: string;
  readonly segments: readonly ShareSegment[];
  /** Shown instead of a bar when the row has no data (e.g. "not measured"). */
  readonly emptyText?: string;
}

export interface ShareBarsOptions extends ChartText {
  readonly rows: readonly ShareRow[];
  readonly legend: readonly LegendItem[];
  readonly width?: number;
  /** Axis label (default "share (%)"). */
  readonly xLabel?: string;
}

/** Layout of the share bars, exported for tests. */
export const SHARE_LAYOUT = {
  top: 50,
  labelWidth: 150,
  right: 20,
  barHeight: 30,
  gap: 14,
  axis: 40,
  width: 760,
  minLabelPx: 34,
} as const;

/**
 * 100% stacked bars, one row per measure (share of FLOPs, memAccess, measured time): a pie chart
 * that can be compared row against row. Segments are drawn in the order given; a segment wide
 * enough gets its percentage written inside.
 */
export function shareBars(o: ShareBarsOptions): string {
  const width = o.width ?? SHARE_LAYOUT.width;
  const { top, labelWidth, barHeight, gap } = SHARE_LAYOUT;
  const plotW = width - labelWidth - SHARE_LAYOUT.right;
  const plotH = Math.max(1, o.rows.length) * (barHeight + gap) - gap;
  const height = top + plotH + SHARE_LAYOUT.axis;
  const out = open(o, width, height);
  out.push(...legend(o.legend, labelWidth, 36));
  o.rows.forEach((row, i) => {
    const y = top + i * (barHeight + gap);
    out.push(`<g class="share-row">`);
    out.push(
      `<text x="${labelWidth - 10}" y="${px(y + barHeight / 2 + 4)}" text-anchor="end" font-weight="600">${escapeXml(row.label)}</text>`,
    );
    const total = row.segments.reduce((s, g) => s + (Number.isFinite(g.value) ? Math.max(0, g.value) : 0), 0);
    if (!(total > 0)) {
      out.push(
        `<rect x="${labelWidth}" y="${px(y)}" width="${px(plotW)}" height="${barHeight}" rx="3" fill="#f5f7fa" stroke="${AXIS}" stroke-dasharray="4 3"/>`,
      );
      out.push(
        `<text x="${px(labelWidth + plotW / 2)}" y="${px(y + barHeight / 2 + 4)}" text-anchor="middle" fill="${MUTED}">${escapeXml(row.emptyText ?? 'no data')}</text>`,
      );
      out.push('</g>');
      return;
    }
    let cx = labelWidth;
    for (const seg of row.segments) {
      const frac = Number.isFinite(seg.value) ? Math.max(0, seg.value) / total : 0;
      const w = frac * plotW;
      if (!(w > 0)) continue;
      const pctText = seg.text ?? formatPercent(frac);
      out.push(`<g><title>${escapeXml(`${row.label}, ${seg.label}: ${pctText}`)}</title>`);
      out.push(
        `<rect x="${px(cx)}" y="${px(y)}" width="${px(w)}" height="${barHeight}" fill="${escapeXml(seg.color)}" stroke="#ffffff" stroke-width="1"/>`,
      );
      if (w >= SHARE_LAYOUT.minLabelPx) {
        out.push(
          `<text x="${px(cx + w / 2)}" y="${px(y + barHeight / 2 + 4)}" text-anchor="middle" fill="#ffffff" font-weight="600">${escapeXml(pctText)}</text>`,
        );
      }
      out.push('</g>');
      cx += w;
    }
    out.push('</g>');
  });
  const axisY = top + plotH + 6;
  out.push(`<g class="x-axis" font-size="11" fill="${MUTED}">`);
  out.push(
    `<line x1="${labelWidth}" y1="${px(axisY)}" x2="${px(labelWidth + plotW)}" y2="${px(axisY)}" stroke="${AXIS}"/>`,
  );
  for (let p = 0; p <= 100; p += 25) {
    const tx = labelWidth + (p / 100) * plotW;
    out.push(`<line x1="${px(tx)}" y1="${px(axisY)}" x2="${px(tx)}" y2="${px(axisY + 4)}" stroke="${AXIS}"/>`);
    out.push(`<text x="${px(tx)}" y="${px(axisY + 16)}" text-anchor="middle">${p}%</text>`);
  }
  out.push(
    `<text x="${px(labelWidth + plotW / 2)}" y="${px(axisY + 32)}" text-anchor="middle" fill="${TEXT}">${escapeXml(o.xLabel ?? 'share (%)')}</text>`,
  );
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n');
}

/** One point of a scatter plot. */
export interface ScatterPoint {
  readonly x: number;
  readonly y: number;
  readonly color: string;
  /** Tooltip text. */
  readonly label: string;
}

export interface ScatterOptions extends ChartText {
  readonly points: readonly ScatterPoint[];
  readonly xLabel: string;
  readonly yLabel: string;
  readonly legend?: readonly LegendItem[];
  readonly width?: number;
  readonly height?: number;
}

/** Layout of the scatter plot, exported for tests: the plot area is [left, width - right] x [top, height - bottom]. */
export const SCATTER_LAYOUT = {
  top: 44,
  right: 24,
  bottom: 52,
  left: 70,
  zeroBand: 44,
  width: 760,
  height: 420,
} as const;

/**
 * Log-log scatter plot. Axes are decade-aligned; values <= 0 cannot sit on a log axis, so they are
 * drawn in a separate band labelled "0" left of (or below) the axis, past a break.
 */
export function scatterPlot(o: ScatterOptions): string {
  const width = o.width ?? SCATTER_LAYOUT.width;
  const height = o.height ?? SCATTER_LAYOUT.height;
  const { top, right, bottom, left, zeroBand } = SCATTER_LAYOUT;
  const pts = o.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const xZero = pts.some((p) => p.x <= 0);
  const yZero = pts.some((p) => p.y <= 0);
  const xd = logDomain(pts.map((p) => p.x));
  const yd = logDomain(pts.map((p) => p.y));
  const x0 = left + (xZero ? zeroBand : 0);
  const x1 = width - right;
  const y0 = height - bottom - (yZero ? zeroBand : 0);
  const y1 = top + (o.legend?.length ? 12 : 0);
  const xZeroPos = left + (zeroBand - 4) / 2;
  const yZeroPos = height - bottom - (zeroBand - 4) / 2;
  const sx = (v: number): number => (v > 0 ? logPosition(v, xd, [x0, x1]) : xZeroPos);
  const sy = (v: number): number => (v > 0 ? logPosition(v, yd, [y0, y1]) : yZeroPos);
  const out = open(o, width, height);
  if (o.legend?.length) out.push(...legend(o.legend, x0, 36));
  out.push(`<g class="grid" stroke="${GRID}">`);
  for (const t of logTicks(xd)) out.push(`<line x1="${px(sx(t))}" y1="${px(y1)}" x2="${px(sx(t))}" y2="${px(y0)}"/>`);
  for (const t of logTicks(yd)) out.push(`<line x1="${px(x0)}" y1="${px(sy(t))}" x2="${px(x1)}" y2="${px(sy(t))}"/>`);
  out.push('</g>');
  out.push(
    `<rect x="${px(x0)}" y="${px(y1)}" width="${px(x1 - x0)}" height="${px(y0 - y1)}" fill="none" stroke="${AXIS}"/>`,
  );
  // The zero bands sit outside the log frame, shaded, so they read as "off the axis".
  if (xZero)
    out.push(
      `<rect class="zero-band" x="${left}" y="${px(y1)}" width="${zeroBand - 4}" height="${px(y0 - y1)}" fill="#f5f7fa" stroke="${GRID}"/>`,
    );
  if (yZero)
    out.push(
      `<rect class="zero-band" x="${px(x0)}" y="${px(y0 + 4)}" width="${px(x1 - x0)}" height="${zeroBand - 4}" fill="#f5f7fa" stroke="${GRID}"/>`,
    );
  out.push(`<g class="x-axis" font-size="11" fill="${MUTED}">`);
  for (const t of logTicks(xd)) {
    out.push(
      `<text x="${px(sx(t))}" y="${px(height - bottom + 16)}" text-anchor="middle">${escapeXml(siLabel(t))}</text>`,
    );
  }
  if (xZero) out.push(`<text x="${px(xZeroPos)}" y="${px(height - bottom + 16)}" text-anchor="middle">0</text>`);
  out.push(
    `<text x="${px((x0 + x1) / 2)}" y="${px(height - 12)}" text-anchor="middle" fill="${TEXT}">${escapeXml(o.xLabel)}</text>`,
  );
  out.push('</g>');
  out.push(`<g class="y-axis" font-size="11" fill="${MUTED}">`);
  for (const t of logTicks(yd)) {
    out.push(`<text x="${px(left - 8)}" y="${px(sy(t) + 4)}" text-anchor="end">${escapeXml(siLabel(t))}</text>`);
  }
  if (yZero) out.push(`<text x="${px(left - 8)}" y="${px(yZeroPos + 4)}" text-anchor="end">0</text>`);
  const midY = (y0 + y1) / 2;
  out.push(
    `<text x="16" y="${px(midY)}" text-anchor="middle" transform="rotate(-90 16 ${px(midY)})" fill="${TEXT}">${escapeXml(o.yLabel)}</text>`,
  );
  out.push('</g>');
  out.push('<g class="points" stroke="#ffffff" stroke-width="0.8">');
  for (const p of pts) {
    out.push(
      `<circle cx="${px(sx(p.x))}" cy="${px(sy(p.y))}" r="4.5" fill="${escapeXml(p.color)}" fill-opacity="0.8"><title>${escapeXml(p.label)}</title></circle>`,
    );
  }
  out.push('</g>');
  out.push('</svg>');
  return out.join('\n');
}
