// ICC(3,1): two-way mixed effects, consistency, single fixed raters (Shrout & Fleiss; pingouin's
// "ICC3" row, which iCatcher+ reports), from the two-way ANOVA mean squares.

/** Fewest complete targets (trials) iCatcher+ computes an ICC from; fewer give NaN. */
export const ICC_MIN_TARGETS = 5;

/**
 * ICC(3,1) of `ratings[target][rater]` (every row the same number k ≥ 2 of raters):
 * (MS_rows − MS_error) / (MS_rows + (k − 1)·MS_error). Rows holding a NaN are dropped first; fewer than
 * `minTargets` remaining rows give NaN, as does a zero denominator (all ratings equal).
 */
export function icc31(ratings: ReadonlyArray<readonly number[]>, minTargets: number = ICC_MIN_TARGETS): number {
  const rows = ratings.filter((row) => row.every((v) => !Number.isNaN(v)));
  const n = rows.length;
  const k = rows[0]?.length ?? 0;
  if (rows.some((row) => row.length !== k)) throw new RangeError('icc31: every target needs the same number of ratings');
  if (n < Math.max(minTargets, 2) || k < 2) return NaN;
  const grand = rows.reduce((s, row) => s + row.reduce((a, v) => a + v, 0), 0) / (n * k);
  const rowMeans = rows.map((row) => row.reduce((a, v) => a + v, 0) / k);
  const colMeans = Array.from({ length: k }, (_, j) => rows.reduce((s, row) => s + (row[j] as number), 0) / n);
  let ssTotal = 0;
  for (const row of rows) for (const v of row) ssTotal += (v - grand) ** 2;
  const ssRows = k * rowMeans.reduce((s, m) => s + (m - grand) ** 2, 0);
  const ssCols = n * colMeans.reduce((s, m) => s + (m - grand) ** 2, 0);
  const msRows = ssRows / (n - 1);
  const msError = (ssTotal - ssRows - ssCols) / ((n - 1) * (k - 1));
  return (msRows - msError) / (msRows + (k - 1) * msError);
}
