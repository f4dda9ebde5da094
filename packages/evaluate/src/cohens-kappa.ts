// Cohen's kappa exactly as scikit-learn's cohen_kappa_score computes it (unweighted): the labels are
// the values present in either sequence, and the result is NaN when it is undefined.
import { confusionMatrix } from './confusion-matrix';

/**
 * Cohen's kappa of two equally long label sequences (any integer labels). Follows
 * `sklearn.metrics.cohen_kappa_score(a, b)` step by step: 1 − Σ w·C / Σ w·E with w the off-diagonal
 * mask, C the confusion matrix over the labels present and E its chance expectation. NaN when both
 * sequences hold one and the same single label (0 / 0), and for empty sequences.
 */
export function cohensKappa(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`cohensKappa: sequences of different lengths (${a.length}, ${b.length})`);
  if (a.length === 0) return NaN;
  const present = new Set<number>();
  for (let i = 0; i < a.length; i += 1) present.add(a[i] as number).add(b[i] as number);
  return kappaFromConfusion(confusionMatrix(a, b, [...present].sort((x, y) => x - y)));
}

/**
 * Cohen's kappa of a square confusion matrix (rows: one coder, columns: the other), the computation
 * behind {@link cohensKappa}, for callers that only keep pooled counts (preprocess's statistics).
 * Labels that neither coder used are zero rows and columns and change nothing. NaN when undefined:
 * no counts, or both coders on one and the same single label.
 */
export function kappaFromConfusion(confusion: readonly (readonly number[])[]): number {
  const k = confusion.length;
  const colSums = confusion.map((_, j) => confusion.reduce((s, row) => s + (row[j] as number), 0));
  const rowSums = confusion.map((row) => row.reduce((s, v) => s + v, 0));
  const total = colSums.reduce((s, v) => s + v, 0);
  if (total === 0) return NaN;
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i += 1) {
    for (let j = 0; j < k; j += 1) {
      if (i === j) continue;
      observed += (confusion[i] as number[])[j] as number;
      // sklearn's expected = outer(sum0, sum1) / n, i.e. E[i][j] = colSum[i] · rowSum[j] / n.
      expected += ((colSums[i] as number) * (rowSums[j] as number)) / total;
    }
  }
  return 1 - observed / expected;
}
