// One value per video for several series (dots), with each series' mean and confidence band.
import { escapeHtml, formatNumber } from '../html';
import { plotArea, svgChart, xAxis, yAxis } from './frame';
import { linearScale } from './scale';

export interface DotSeries {
  name: string;
  color: string;
  /** one value per category (NaN: no dot) */
  values: readonly number[];
  /** the series' mean and its interval, drawn across the chart */
  band?: { mean: number; low: number; high: number };
}

export interface DotChartOptions {
  title: string;
  yLabel: string;
  categories: readonly string[];
  series: readonly DotSeries[];
  yRange?: [number, number];
}

/** Labels every category when they fit, else every k-th by position. */
function categoryTicks(categories: readonly string[], px: (i: number) => number): Array<[number, string]> {
  if (categories.length <= 10) return categories.map((c, i): [number, string] => [px(i), c.length > 10 ? `${c.slice(0, 9)}…` : c]);
  const every = Math.ceil(categories.length / 10);
  return categories.flatMap((_, i): Array<[number, string]> => (i % every === 0 ? [[px(i), String(i + 1)]] : []));
}

/** An SVG dot chart over categories (e.g. videos); '' when there are none. */
export function dotChart(options: DotChartOptions): string {
  if (options.categories.length === 0) return '';
  const area = plotArea(720, 300);
  const values = options.series.flatMap((s) => [...s.values, ...(s.band ? [s.band.low, s.band.high] : [])]).filter(Number.isFinite);
  const [lo, hi] = options.yRange ?? [Math.min(...values, 0), Math.max(...values, 1)];
  const y = linearScale(lo, hi, area.bottom, area.top);
  const slot = (area.right - area.left) / options.categories.length;
  const px = (i: number) => area.left + (i + 0.5) * slot;
  const parts: string[] = [];
  for (const s of options.series) {
    if (s.band && Number.isFinite(s.band.mean)) {
      const [b0, b1] = [y(s.band.low), y(s.band.high)];
      if (Number.isFinite(b0) && Number.isFinite(b1)) {
        parts.push(`<rect class="ci-band" x="${area.left}" y="${Math.min(b0, b1).toFixed(1)}" width="${area.right - area.left}" height="${Math.abs(b1 - b0).toFixed(1)}" fill="${s.color}" fill-opacity="0.15"><title>${escapeHtml(`${s.name}: mean ${formatNumber(s.band.mean)}, 95% CI [${formatNumber(s.band.low)}, ${formatNumber(s.band.high)}]`)}</title></rect>`);
      }
      parts.push(`<path class="mean-line" d="M${area.left} ${y(s.band.mean).toFixed(1)} H${area.right}" stroke="${s.color}" stroke-dasharray="5 3"/>`);
    }
  }
  options.series.forEach((s, k) => {
    const offset = (k - (options.series.length - 1) / 2) * Math.min(6, slot / 4);
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      parts.push(`<circle class="dot" cx="${(px(i) + offset).toFixed(1)}" cy="${y(v).toFixed(1)}" r="4" fill="${s.color}"><title>${escapeHtml(`${options.categories[i]}, ${s.name}: ${formatNumber(v)}`)}</title></circle>`);
    });
  });
  const xLabel = options.categories.length <= 10 ? 'video' : 'video (rank)';
  const content = [yAxis(area, y, options.yLabel), xAxis(area, categoryTicks(options.categories, px), xLabel), ...parts].join('\n');
  return svgChart(area, options.title, content, 'dot-chart', options.series);
}
