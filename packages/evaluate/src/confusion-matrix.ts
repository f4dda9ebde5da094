// Confusion matrices: counts of (row label, column label) pairs, rows and columns in a given order.

/** A square matrix of counts: `matrix[i][j]` = frames whose row coding is labels[i] and column coding labels[j]. */
export type ConfusionMatrix = number[][];

/**
 * Counts pairs (rows[t], columns[t]) over the labels given, in that order (as sklearn's
 * `confusion_matrix(rows, columns, labels=labels)`); pairs with a label outside `labels` are not counted.
 */
export function confusionMatrix(rows: ArrayLike<number>, columns: ArrayLike<number>, labels: readonly number[]): ConfusionMatrix {
  if (rows.length !== columns.length) throw new RangeError(`confusionMatrix: sequences of different lengths (${rows.length}, ${columns.length})`);
  const index = new Map(labels.map((label, i) => [label, i]));
  const matrix = labels.map(() => labels.map(() => 0));
  for (let t = 0; t < rows.length; t += 1) {
    const i = index.get(rows[t] as number);
    const j = index.get(columns[t] as number);
    if (i === undefined || j === undefined) continue;
    (matrix[i] as number[])[j] = ((matrix[i] as number[])[j] as number) + 1;
  }
  return matrix;
}

/** Element-wise sum of equally sized matrices (pooling videos); `size`×`size` zeros when there are none. */
export function sumMatrices(matrices: readonly ConfusionMatrix[], size: number): ConfusionMatrix {
  const total = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  for (const m of matrices) {
    m.forEach((row, i) => row.forEach((v, j) => ((total[i] as number[])[j] = ((total[i] as number[])[j] as number) + v)));
  }
  return total;
}
