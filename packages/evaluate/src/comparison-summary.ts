// Over videos: the mean and bootstrap CI of each per-video reliability value, and the pooled
// confusion matrices (icatcher-plus.md §11.4).
import { bootstrapMean, type BootstrapOptions, type Estimate } from './bootstrap';
import type { CodingComparison } from './coding-comparison';
import { sumMatrices, type ConfusionMatrix } from './confusion-matrix';
import { CLASS_COUNT } from '@gazecoder/formats';

export interface ComparisonSummary {
  /** videos compared */
  videos: number;
  /** session percent agreement */
  percentAgreement: Estimate;
  /** session Cohen's kappa */
  cohensKappa: Estimate;
  iccLookingTime: Estimate;
  iccProportionRight: Estimate;
  /** session confusion counts summed over videos (rows: human 1) */
  confusion: ConfusionMatrix;
  /** session on/off counts summed over videos, order [off, on] */
  onOffConfusion: ConfusionMatrix;
  /** share of session frames where the compared coding has no gaze label (machine: % invalid), over all videos */
  invalidShare: number;
}

/** Summarises one kind of comparison (e.g. every human–machine comparison) over videos. */
export function summarizeComparisons(comparisons: readonly CodingComparison[], options: BootstrapOptions = {}): ComparisonSummary {
  const estimate = (value: (c: CodingComparison) => number): Estimate => bootstrapMean(comparisons.map(value), options);
  let frames = 0;
  let invalid = 0;
  for (const { session } of comparisons) {
    const counts = session.counts[1];
    frames += session.end - session.start;
    invalid += counts.none + counts.noface + counts.nobabyface;
  }
  return {
    videos: comparisons.length,
    percentAgreement: estimate((c) => c.session.percentAgreement),
    cohensKappa: estimate((c) => c.session.cohensKappa),
    iccLookingTime: estimate((c) => c.iccLookingTime),
    iccProportionRight: estimate((c) => c.iccProportionRight),
    confusion: sumMatrices(comparisons.map((c) => c.session.confusion), CLASS_COUNT),
    onOffConfusion: sumMatrices(comparisons.map((c) => c.session.onOffConfusion), 2),
    invalidShare: frames === 0 ? NaN : invalid / frames,
  };
}
