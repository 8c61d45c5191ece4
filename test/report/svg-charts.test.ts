import { describe, expect, it } from 'vitest';
import {
  BAR_LAYOUT,
  horizontalBarChart,
  logDomain,
  logPosition,
  logTicks,
  niceLinearDomain,
  SCATTER_LAYOUT,
  scatterPlot,
  SHARE_LAYOUT,
  shareBars,
  siLabel,
  truncate,
} from '../../src/report/report/svg-charts.js';
import { at } from '../../src/util/at.js';
import { escapeXml } from '../../src/util/escape.js';

/** Every element closed in order (SVG output has no void elements: leaf elements self-close). */
function balanced(xml: string): boolean {
  const stack: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([a-zA-Z][\w-]*)[^>]*?(\/?)>/g)) {
    const [, closing, , self] = m;
    const name = at(m, 2);
    if (self) continue;
    if (!closing) stack.push(name);
    else if (stack.pop() !== name) return false;
  }
  return stack.length === 0;
}

/** Attributes of every `<rect>` inside the `<g class="bars">` group. */
function barRects(svg: string): { x: number; width: number }[] {
  const group = svg.slice(svg.indexOf('<g class="bars">'));
  return [...group.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map((m) => ({
    x: Number(m[1]),
    width: Number(m[2]),
  }));
}

function circles(svg: string): { cx: number; cy: number }[] {
  return [...svg.matchAll(/<circle cx="([\d.-]+)" cy="([\d.-]+)"/g)].map((m) => ({
    cx: Number(m[1]),
    cy: Number(m[2]),
  }));
}

const TEXT = { id: 'c1', title: 'A chart', desc: 'What it shows' };

describe('helpers', () => {
  it('escapes the five XML specials', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('labels ticks with SI suffixes', () => {
    expect([0, 1, 10, 1500, 1e6, 2.5e9, 3e12, 0.5, 0.002].map(siLabel)).toEqual([
      '0',
      '1',
      '10',
      '1.5K',
      '1M',
      '2.5G',
      '3T',
      '0.5',
      '0.002',
    ]);
  });

  it('rounds a linear axis up to a 1-2-5 step', () => {
    expect(niceLinearDomain(100)).toEqual({ max: 100, step: 20 });
    expect(niceLinearDomain(137)).toEqual({ max: 150, step: 50 });
    expect(niceLinearDomain(0)).toEqual({ max: 1, step: 0.2 });
  });

  it('aligns log domains to decades and places values by log10', () => {
    expect(logDomain([48_000, 9_700_000])).toEqual([1e4, 1e7]);
    expect(logDomain([5, 5])).toEqual([1, 10]);
    expect(logDomain([0, -3])).toEqual([1, 10]);
    // 100 is halfway between 10 and 1000 on a log axis; 10^2.5 is 2.5 of the 4 decades from 1 to 10^4.
    expect(logPosition(100, [10, 1000], [0, 600])).toBeCloseTo(300, 9);
    expect(logPosition(10 ** 2.5, [1, 1e4], [0, 400])).toBeCloseTo(250, 9);
    // Inverted range (a y axis grows upwards).
    expect(logPosition(10, [1, 100], [400, 0])).toBeCloseTo(200, 9);
  });

  it('adds 2x and 5x ticks only to short log axes', () => {
    expect(logTicks([1, 100])).toEqual([1, 2, 5, 10, 20, 50, 100]);
    expect(logTicks([1e3, 1e7])).toEqual([1e3, 1e4, 1e5, 1e6, 1e7]);
  });

  it('truncates long labels with an ellipsis', () => {
    expect(truncate('stage2.unit1.branch2.relu1', 10)).toBe('stage2.un…');
    expect(truncate('short', 10)).toBe('short');
  });
});

describe('horizontalBarChart', () => {
  const bars = [
    { label: 'a', value: 100, color: '#111111' },
    { label: 'b', value: 50, color: '#222222' },
    { label: 'c', value: 25, color: '#333333' },
  ];

  it('draws bars proportional to their values on an axis from 0 to the rounded maximum', () => {
    const svg = horizontalBarChart({ ...TEXT, bars, xLabel: 'time (µs)' });
    // Plot width = 760 - 230 (labels) - 120 (value labels) = 410 px; axis max = 100.
    const plotW = BAR_LAYOUT.width - BAR_LAYOUT.labelWidth - BAR_LAYOUT.right;
    expect(plotW).toBe(410);
    expect(barRects(svg)).toEqual([
      { x: 230, width: 410 },
      { x: 230, width: 205 },
      { x: 230, width: 102.5 },
    ]);
    // Axis max rounds up: 137 -> 150, so a bar of 75 is half the plot.
    const half = barRects(
      horizontalBarChart({
        ...TEXT,
        bars: [
          { label: 'x', value: 137, color: '#000' },
          { label: 'y', value: 75, color: '#000' },
        ],
        xLabel: 'x',
      }),
    );
    expect(at(half, 1).width).toBe(205);
    expect(at(half, 0).width).toBeCloseTo((137 / 150) * 410, 1);
  });

  it('has a title, an accessible name and description, tick labels and the axis label', () => {
    const svg = horizontalBarChart({ ...TEXT, bars, xLabel: 'median kernel time (µs)' });
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="c1-title c1-desc"/);
    expect(svg).toContain('<title id="c1-title">A chart</title>');
    expect(svg).toContain('<desc id="c1-desc">What it shows</desc>');
    expect(svg).toContain('>median kernel time (µs)</text>');
    for (const t of ['0', '20', '40', '60', '80', '100']) expect(svg).toContain(`text-anchor="middle">${t}</text>`);
    expect(balanced(svg)).toBe(true);
    expect(svg).not.toContain('xmlns');
  });

  it('escapes labels, tooltips and titles', () => {
    const svg = horizontalBarChart({
      id: 'x',
      title: 'T & "q"',
      desc: "it's <b>",
      bars: [{ label: '<script>alert(1)</script>', value: 1, color: '#000', tooltip: 'a<b' }],
      xLabel: '<x>',
    });
    expect(svg).not.toContain('<script>');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(svg).toContain('T &amp; &quot;q&quot;');
    expect(svg).toContain('<title>a&lt;b</title>');
    expect(balanced(svg)).toBe(true);
  });

  it('is deterministic', () => {
    expect(horizontalBarChart({ ...TEXT, bars, xLabel: 'x' })).toBe(horizontalBarChart({ ...TEXT, bars, xLabel: 'x' }));
  });
});

describe('shareBars', () => {
  it('splits each row by its own total and writes wide enough percentages inside', () => {
    const svg = shareBars({
      ...TEXT,
      rows: [
        {
          label: 'FLOPs',
          segments: [
            { label: 'conv', value: 3, color: '#00f' },
            { label: 'ew', value: 1, color: '#f90' },
          ],
        },
        { label: 'time', segments: [], emptyText: 'not measured' },
      ],
      legend: [{ label: 'conv', color: '#00f' }],
    });
    const plotW = SHARE_LAYOUT.width - SHARE_LAYOUT.labelWidth - SHARE_LAYOUT.right; // 590
    const widths = [
      ...svg.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="30" fill="#(00f|f90)"/g),
    ].map((m) => [Number(m[1]), Number(m[3])]);
    expect(widths).toEqual([
      [150, 0.75 * plotW],
      [150 + 0.75 * plotW, 0.25 * plotW],
    ]);
    // One decimal, as the report's tables print shares (numbers.ts formatPercent).
    expect(svg).toContain('>75.0%</text>');
    expect(svg).toContain('>25.0%</text>');
    expect(svg).toContain('>not measured</text>');
    expect(svg).toContain('<title>FLOPs, ew: 25.0%</title>');
    expect(balanced(svg)).toBe(true);
  });
});

describe('scatterPlot', () => {
  const { left, right, top, bottom, width, height, zeroBand } = SCATTER_LAYOUT;

  it('places points on log-log axes', () => {
    const svg = scatterPlot({
      ...TEXT,
      xLabel: 'FLOPs',
      yLabel: 'µs',
      points: [
        { x: 10, y: 1, color: '#000', label: 'p1' },
        { x: 100, y: 10, color: '#000', label: 'p2' },
        { x: 1000, y: 100, color: '#000', label: 'p3' },
      ],
    });
    // x: [10, 1000] onto [70, 736]; y: [1, 100] onto [368, 44].
    const [x0, x1, y0, y1] = [left, width - right, height - bottom, top];
    expect(circles(svg)).toEqual([
      { cx: x0, cy: y0 },
      { cx: (x0 + x1) / 2, cy: (y0 + y1) / 2 },
      { cx: x1, cy: y1 },
    ]);
    expect(svg).toContain('<title>p2</title>');
    expect(svg).toContain('>FLOPs</text>');
    expect(svg).toMatch(/transform="rotate\(-90 [\d.]+ [\d.]+\)"[^>]*>µs<\/text>/);
    // 2x and 5x ticks on a two-decade axis.
    for (const t of ['10', '20', '50', '100', '200', '500', '1K'])
      expect(svg).toContain(`text-anchor="middle">${t}</text>`);
    expect(balanced(svg)).toBe(true);
  });

  it('puts non-positive values in a band left of the log axis', () => {
    const svg = scatterPlot({
      ...TEXT,
      xLabel: 'x',
      yLabel: 'y',
      points: [
        { x: 0, y: 10, color: '#000', label: 'zero flops' },
        { x: 10, y: 10, color: '#000', label: 'a' },
        { x: 100, y: 100, color: '#000', label: 'b' },
      ],
    });
    const dots = circles(svg);
    expect(dots).toHaveLength(3);
    const [zero, a, b] = [at(dots, 0), at(dots, 1), at(dots, 2)];
    expect(zero.cx).toBe(left + (zeroBand - 4) / 2);
    expect(a.cx).toBe(left + zeroBand);
    expect(b.cx).toBe(width - right);
    expect(zero.cy).toBe(a.cy);
    expect(svg).toContain('class="zero-band"');
  });

  it('escapes point labels', () => {
    const svg = scatterPlot({
      ...TEXT,
      xLabel: 'x',
      yLabel: 'y',
      points: [{ x: 1, y: 1, color: '#000', label: '"><script>alert(1)</script>' }],
    });
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('<title>&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>');
  });
});
