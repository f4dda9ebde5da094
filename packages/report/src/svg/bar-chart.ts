// Grouped bar charts with optional confidence-interval whiskers (summaries, per-class metrics).
import { escapeHtml, formatNumber } from '../html';
import { plotArea, svgChart, xAxis, yAxis } from './frame';
import { linearScale } from './scale';

export interface Bar {
  value: number;
  /** interval whisker bounds (both or neither) */
  low?: number;
  high?: number;
}

export interface BarGroup {
  label: string;
  /** one bar per series, in the order of `series` */
  bars: readonly Bar[];
}

export interface BarChartOptions {
  title: string;
  yLabel: string;
  series: ReadonlyArray<{ name: string; color: string }>;
  groups: readonly BarGroup[];
  /** fixed y range, e.g. [0, 1] for shares */
  yRange?: [number, number];
}

/** An SVG grouped bar chart; NaN bars are left out (their slot stays empty). '' without groups. */
export function barChart(options: BarChartOptions): string {
  if (options.groups.length === 0) return '';
  const area = plotArea();
  const values = options.groups.flatMap((g) => g.bars.flatMap((b) => [b.value, b.low ?? NaN, b.high ?? NaN])).filter(Number.isFinite);
  const [lo, hi] = options.yRange ?? [Math.min(0, ...values), Math.max(0, ...values, 1e-9)];
  const y = linearScale(lo, hi, area.bottom, area.top);
  const slot = (area.right - area.left) / options.groups.length;
  const barWidth = Math.min(48, (slot * 0.8) / options.series.length);
  const zero = y(Math.max(y.domain[0], Math.min(0, y.domain[1])));
  const parts: string[] = [];
  options.groups.forEach((group, g) => {
    const start = area.left + g * slot + (slot - barWidth * options.series.length) / 2;
    group.bars.forEach((bar, s) => {
      if (!Number.isFinite(bar.value)) return;
      const series = options.series[s];
      if (!series) return;
      const bx = start + s * barWidth;
      const top = Math.min(zero, y(bar.value));
      const interval = bar.low !== undefined && bar.high !== undefined && Number.isFinite(bar.low) && Number.isFinite(bar.high) ? ` [${formatNumber(bar.low)}, ${formatNumber(bar.high)}]` : '';
      parts.push(
        `<rect class="bar" x="${(bx + 2).toFixed(1)}" y="${top.toFixed(1)}" width="${(barWidth - 4).toFixed(1)}" height="${Math.abs(zero - y(bar.value)).toFixed(1)}" fill="${series.color}"><title>${escapeHtml(`${group.label}, ${series.name}: ${formatNumber(bar.value)}${interval}`)}</title></rect>`,
      );
      if (interval) {
        const cx = (bx + barWidth / 2).toFixed(1);
        const [y0, y1] = [y(bar.low as number).toFixed(1), y(bar.high as number).toFixed(1)];
        parts.push(`<path class="whisker" d="M${cx} ${y0} V${y1} M${(bx + barWidth / 2 - 5).toFixed(1)} ${y0} h10 M${(bx + barWidth / 2 - 5).toFixed(1)} ${y1} h10"/>`);
      }
    });
  });
  const ticks = options.groups.map((group, g): [number, string] => [area.left + (g + 0.5) * slot, group.label]);
  const content = [yAxis(area, y, options.yLabel), xAxis(area, ticks, ''), ...parts].join('\n');
  return svgChart(area, options.title, content, 'bar-chart', options.series);
}
