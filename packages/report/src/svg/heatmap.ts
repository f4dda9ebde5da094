// Confusion matrices as heat maps: each row normalised to shares, with the counts in the cells.
import { escapeHtml } from '../html';

export interface HeatmapOptions {
  title: string;
  /** counts[row][column] */
  counts: readonly (readonly number[])[];
  rowLabels: readonly string[];
  columnLabels: readonly string[];
  /** what the rows and columns are, e.g. "human 1" / "machine" */
  rowTitle: string;
  columnTitle: string;
}

/** White → blue for a share in [0, 1]. */
function blue(share: number): string {
  const t = Math.max(0, Math.min(1, share));
  const mix = (from: number, to: number) => Math.round(from + (to - from) * t);
  return `rgb(${mix(247, 8)}, ${mix(251, 69)}, ${mix(255, 148)})`;
}

/** An SVG heat map of a confusion matrix, shares of each row (the reference class). */
export function confusionHeatmap(options: HeatmapOptions): string {
  const cell = 64;
  const left = 92;
  const top = 64;
  const n = options.rowLabels.length;
  const m = options.columnLabels.length;
  const width = left + m * cell + 16;
  const height = top + n * cell + 16;
  const parts: string[] = [];
  options.counts.forEach((row, i) => {
    const total = row.reduce((s, v) => s + v, 0);
    row.forEach((count, j) => {
      const share = total === 0 ? 0 : count / total;
      const x = left + j * cell;
      const y = top + i * cell;
      const text = total === 0 ? '–' : `${(100 * share).toFixed(1)}%`;
      const ink = share > 0.55 ? '#fff' : '#1b1f24';
      parts.push(
        `<g class="cell"><rect x="${x}" y="${y}" width="${cell - 2}" height="${cell - 2}" fill="${blue(share)}"><title>${escapeHtml(`${options.rowTitle} ${options.rowLabels[i]}, ${options.columnTitle} ${options.columnLabels[j]}: ${count} of ${total}`)}</title></rect>` +
          `<text x="${x + cell / 2 - 1}" y="${y + cell / 2 - 4}" text-anchor="middle" fill="${ink}" class="cell-share">${text}</text>` +
          `<text x="${x + cell / 2 - 1}" y="${y + cell / 2 + 12}" text-anchor="middle" fill="${ink}" class="cell-count">${count}</text></g>`,
      );
    });
  });
  options.rowLabels.forEach((label, i) => parts.push(`<text class="tick" x="${left - 8}" y="${top + i * cell + cell / 2}" text-anchor="end" dominant-baseline="middle">${escapeHtml(label)}</text>`));
  options.columnLabels.forEach((label, j) => parts.push(`<text class="tick" x="${left + j * cell + cell / 2}" y="${top - 8}" text-anchor="middle">${escapeHtml(label)}</text>`));
  parts.push(`<text class="axis-label" x="${left + (m * cell) / 2}" y="${top - 26}" text-anchor="middle">${escapeHtml(options.columnTitle)}</text>`);
  parts.push(`<text class="axis-label" transform="translate(14 ${top + (n * cell) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(options.rowTitle)}</text>`);
  return [
    `<svg class="chart heatmap" role="img" aria-label="${escapeHtml(options.title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${escapeHtml(options.title)}</title>`,
    `<text class="chart-title" x="8" y="18">${escapeHtml(options.title)}</text>`,
    ...parts,
    '</svg>',
  ].join('\n');
}
