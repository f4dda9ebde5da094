// Line charts of values over epochs or steps (training curves).
import { escapeHtml, formatTick } from '../html';
import { plotArea, svgChart, xAxis, yAxis } from './frame';
import { linearScale, logScale } from './scale';

export interface LineSeries {
  name: string;
  color: string;
  points: ReadonlyArray<readonly [x: number, y: number]>;
  /** draw a dot at every point (few points, e.g. epochs) */
  markers?: boolean;
  /** draw thin and translucent (dense per-step data behind per-epoch lines) */
  faint?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  /** a log10 y axis (learning rates); falls back to linear if a value is ≤ 0 */
  logY?: boolean;
  /** let the y axis start at 0 */
  includeZero?: boolean;
}

/** An SVG line chart; '' when no series has a finite point. */
export function lineChart(options: LineChartOptions): string {
  const series = options.series
    .map((s) => ({ ...s, points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)) }))
    .filter((s) => s.points.length > 0);
  if (series.length === 0) return '';
  const xs = series.flatMap((s) => s.points.map(([x]) => x));
  const ys = series.flatMap((s) => s.points.map(([, y]) => y));
  const area = plotArea();
  const yMin = Math.min(...ys, ...(options.includeZero ? [0] : []));
  const yMax = Math.max(...ys);
  const useLog = options.logY === true && yMin > 0;
  const y = useLog ? logScale(yMin, yMax, area.bottom, area.top) : linearScale(yMin, yMax, area.bottom, area.top);
  const x = linearScale(Math.min(...xs), Math.max(...xs), area.left, area.right, 6);
  const [x0, x1] = x.domain;
  const xTicks = x.ticks.filter((t) => t >= x0 && t <= x1).map((t): [number, string] => [x(t), formatTick(t)]);
  const body = series.map((s) => {
    const d = s.points.map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${x(px).toFixed(1)} ${y(py).toFixed(1)}`).join(' ');
    const cls = s.faint ? 'series faint' : 'series';
    const dots = s.markers
      ? s.points.map(([px, py]) => `<circle class="marker" cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="3" fill="${s.color}"><title>${escapeHtml(`${s.name}: ${formatTick(py)} at ${formatTick(px)}`)}</title></circle>`).join('')
      : '';
    return `<g class="line" data-series="${escapeHtml(s.name)}"><path class="${cls}" d="${d}" stroke="${s.color}" fill="none"/>${dots}</g>`;
  });
  const content = [yAxis(area, y, options.yLabel), xAxis(area, xTicks, options.xLabel), ...body].join('\n');
  return svgChart(area, options.title, content, 'line-chart', series.filter((s) => !s.faint));
}
