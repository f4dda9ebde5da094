// @gazecoder/evaluate: how well gaze codings agree, with iCatcher+'s definitions (icatcher-plus.md §11),
// and how well a classifier does on labelled windows. Pure TypeScript over per-frame label arrays.

export { cohensKappa, kappaFromConfusion } from './cohens-kappa';
export { confusionMatrix, sumMatrices, type ConfusionMatrix } from './confusion-matrix';
export { compareInterval, type IntervalComparison, type LabelCounts, type PerCoder } from './interval-comparison';
export { icc31, ICC_MIN_TARGETS } from './icc';
export { bootstrapMean, quantile, type BootstrapOptions, type Estimate } from './bootstrap';
export { compareCodings, type CodingComparison, type EvaluatedCoding, type ReferenceCoding } from './coding-comparison';
export { readHumanLabels, readMachineLabels } from './read-codings';
export { summarizeComparisons, type ComparisonSummary } from './comparison-summary';
export { classificationMetrics, type ClassificationMetrics, type ClassMetrics } from './classification-metrics';
