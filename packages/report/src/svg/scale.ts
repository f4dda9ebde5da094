// Axis scales for the SVG charts: value → pixel, with readable tick values.

export interface Scale {
  (value: number): number;
  /** tick values inside the (extended) domain */
  ticks: number[];
  domain: [number, number];
}

/** Ticks at 1, 2 or 5 × 10^k steps, about `count` of them, and the domain widened to whole steps. */
export function niceTicks(min: number, max: number, count = 5): { ticks: number[]; domain: [number, number] } {
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return niceTicks(min - pad, max + pad, count);
  }
  const rough = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power);
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step * 1e-9; v += step) ticks.push(Math.abs(v) < step * 1e-9 ? 0 : +v.toPrecision(12));
  return { ticks, domain: [lo, hi] };
}

/** A linear scale over nice ticks covering [min, max], mapped onto [from, to] pixels. */
export function linearScale(min: number, max: number, from: number, to: number, count = 5): Scale {
  const { ticks, domain } = niceTicks(min, max, count);
  const [d0, d1] = domain;
  const scale = ((v: number) => from + ((v - d0) / (d1 - d0)) * (to - from)) as Scale;
  scale.ticks = ticks;
  scale.domain = domain;
  return scale;
}

/** A log10 scale over whole decades covering [min, max] (both > 0). */
export function logScale(min: number, max: number, from: number, to: number): Scale {
  const d0 = Math.floor(Math.log10(min));
  const d1 = Math.max(Math.ceil(Math.log10(max)), d0 + 1);
  const scale = ((v: number) => from + ((Math.log10(v) - d0) / (d1 - d0)) * (to - from)) as Scale;
  scale.ticks = Array.from({ length: d1 - d0 + 1 }, (_, i) => 10 ** (d0 + i));
  scale.domain = [10 ** d0, 10 ** d1];
  return scale;
}
