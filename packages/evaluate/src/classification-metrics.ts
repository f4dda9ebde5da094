// Window-level metrics of a classifier against true labels (for `gazecoder test`): accuracy, per-class
// precision / recall / F1 as sklearn's precision_recall_fscore_support, Cohen's kappa, confusion.
import { cohensKappa } from './cohens-kappa';
import { confusionMatrix, type ConfusionMatrix } from './confusion-matrix';
import { CLASS_COUNT } from '@gazecoder/formats';

export interface ClassMetrics {
  /** of the samples predicted as this class, the share that is; 0 when none is predicted (sklearn's zero_division) */
  precision: number;
  /** of the samples of this class, the share predicted so; 0 when there are none */
  recall: number;
  /** harmonic mean of precision and recall; 0 when both are 0 */
  f1: number;
  /** samples of this class */
  support: number;
}

export interface ClassificationMetrics {
  samples: number;
  /** share predicted correctly; NaN without samples */
  accuracy: number;
  /** Cohen's kappa of truth vs prediction (sklearn semantics) */
  cohensKappa: number;
  /** indexed by class id */
  perClass: ClassMetrics[];
  /** unweighted mean over classes of precision, recall and F1 */
  macro: { precision: number; recall: number; f1: number };
  /** rows: true class, columns: predicted class */
  confusion: ConfusionMatrix;
}

/** Metrics of `predicted` against `truth` (class ids 0 … classes − 1). */
export function classificationMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number = CLASS_COUNT): ClassificationMetrics {
  if (truth.length !== predicted.length) throw new RangeError(`classificationMetrics: ${truth.length} true labels but ${predicted.length} predictions`);
  const ids = Array.from({ length: classes }, (_, c) => c);
  for (const [name, labels] of [['truth', truth], ['predicted', predicted]] as const) {
    for (let i = 0; i < labels.length; i += 1) {
      const id = labels[i] as number;
      if (!Number.isInteger(id) || id < 0 || id >= classes) throw new RangeError(`classificationMetrics: ${name}[${i}] = ${id} is not a class id in 0…${classes - 1}`);
    }
  }
  const confusion = confusionMatrix(truth, predicted, ids);
  const ratio = (num: number, den: number): number => (den === 0 ? 0 : num / den);
  const perClass = ids.map((c): ClassMetrics => {
    const hit = (confusion[c] as number[])[c] as number;
    const support = (confusion[c] as number[]).reduce((s, v) => s + v, 0);
    const predictedCount = confusion.reduce((s, row) => s + (row[c] as number), 0);
    const precision = ratio(hit, predictedCount);
    const recall = ratio(hit, support);
    return { precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
  const correct = ids.reduce((s, c) => s + ((confusion[c] as number[])[c] as number), 0);
  const mean = (key: 'precision' | 'recall' | 'f1') => perClass.reduce((s, m) => s + m[key], 0) / classes;
  return {
    samples: truth.length,
    accuracy: truth.length === 0 ? NaN : correct / truth.length,
    cohensKappa: cohensKappa(truth, predicted),
    perClass,
    macro: { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') },
    confusion,
  };
}
