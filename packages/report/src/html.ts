// Text in HTML and SVG, and the way numbers are shown.

/** Escapes text for element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A number with `digits` decimals; an en dash for NaN or a missing value. */
export function formatNumber(value: number | undefined, digits = 3): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** A share as a percentage with one decimal. */
export function formatPercent(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : `${(100 * value).toFixed(1)} %`;
}

/** Compact numbers for axis ticks: 0.0001 → 1e-4, 12000 → 12k. */
export function formatTick(value: number): string {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e4) return `${+(value / 1000).toPrecision(3)}k`;
  if (magnitude < 1e-2) return value.toExponential(0);
  return `${+value.toPrecision(3)}`;
}
