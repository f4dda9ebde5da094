// The parts every chart shares: the SVG element, its title, axes with ticks and grid, and a legend.
import { escapeHtml, formatTick } from '../html';
import type { Scale } from './scale';

/** Plot area inside a chart of `width` × `height`. */
export interface PlotArea {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export function plotArea(width = 560, height = 300): PlotArea {
  return { width, height, left: 64, right: width - 16, top: 40, bottom: height - 46 };
}

/** Wraps chart content in an <svg> with an accessible title and, when given, a legend. */
export function svgChart(area: PlotArea, title: string, content: string, kind: string, legendEntries: readonly LegendEntry[] = []): string {
  return [
    `<svg class="chart ${kind}" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${area.width} ${area.height}" width="${area.width}" height="${area.height}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${escapeHtml(title)}</title>`,
    `<text class="chart-title" x="${area.left}" y="20">${escapeHtml(title)}</text>`,
    content,
    legend(area, legendEntries, title),
    '</svg>',
  ].join('\n');
}

/** The y axis: grid lines and labels at the scale's ticks, and the axis label. */
export function yAxis(area: PlotArea, y: Scale, label: string): string {
  const parts = y.ticks.map((t) => {
    const py = y(t).toFixed(1);
    return `<line class="grid" x1="${area.left}" x2="${area.right}" y1="${py}" y2="${py}"/><text class="tick" x="${area.left - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${escapeHtml(formatTick(t))}</text>`;
  });
  const mid = (area.top + area.bottom) / 2;
  parts.push(`<text class="axis-label" transform="translate(14 ${mid}) rotate(-90)" text-anchor="middle">${escapeHtml(label)}</text>`);
  return parts.join('\n');
}

/** The x axis line, labels at `ticks` (value, text) and the axis label. */
export function xAxis(area: PlotArea, ticks: ReadonlyArray<[number, string]>, label: string): string {
  const parts = [`<line class="axis" x1="${area.left}" x2="${area.right}" y1="${area.bottom}" y2="${area.bottom}"/>`];
  for (const [px, text] of ticks) {
    parts.push(`<text class="tick" x="${px.toFixed(1)}" y="${area.bottom + 16}" text-anchor="middle">${escapeHtml(text)}</text>`);
  }
  parts.push(`<text class="axis-label" x="${(area.left + area.right) / 2}" y="${area.height - 8}" text-anchor="middle">${escapeHtml(label)}</text>`);
  return parts.join('\n');
}

export interface LegendEntry {
  name: string;
  color: string;
}

/** Rough text widths (px) at the chart fonts: enough to keep a legend clear of the title. */
const TITLE_CHAR = 7.4;
const LEGEND_CHAR = 6.5;

/** A one-line legend: right of the title when it fits, else on its own row under the title. */
function legend(area: PlotArea, entries: readonly LegendEntry[], title: string): string {
  if (entries.length === 0) return '';
  const widths = entries.map((e) => 22 + e.name.length * LEGEND_CHAR);
  const total = widths.reduce((s, w) => s + w, 0) + 8 * (entries.length - 1);
  const besideTitle = area.right - total > area.left + title.length * TITLE_CHAR + 16;
  let x = besideTitle ? area.right - total : area.left;
  const y = besideTitle ? 10 : 25;
  return entries
    .map(({ name, color }, i) => {
      const entry = `<g class="legend-entry"><rect x="${x.toFixed(1)}" y="${y}" width="12" height="12" rx="2" fill="${color}"/><text class="legend" x="${(x + 16).toFixed(1)}" y="${y + 10}">${escapeHtml(name)}</text></g>`;
      x += (widths[i] as number) + 8;
      return entry;
    })
    .join('\n');
}
