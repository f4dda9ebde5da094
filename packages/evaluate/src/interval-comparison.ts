// Two codings of one video compared on one frame interval, with iCatcher+'s definitions
// (icatcher-plus.md §11.2-11.3; reproduce/visualize.py get_stats_in_interval).
import { cohensKappa } from './cohens-kappa';
import { confusionMatrix, type ConfusionMatrix } from './confusion-matrix';
import { checkLabels, CLASS_COUNT, type FrameLabels, type Interval, NO_LABEL } from '@gazecoder/formats';

/** Frames of one coding in an interval, per label id. */
export interface LabelCounts {
  away: number;
  left: number;
  right: number;
  /** −1: faces found, none selected (machine) */
  nobabyface: number;
  /** −2: no face (machine) */
  noface: number;
  /** −3: no label (machine: no prediction; human: invalid or not coded; padding) */
  none: number;
}

/** A pair of values, one per coding: [reference, other]. */
export type PerCoder<T> = [reference: T, other: T];

/** Everything iCatcher+ measures between two codings on one interval. */
export interface IntervalComparison {
  start: number;
  end: number;
  /** frames where both codings hold a gaze class (≥ 0) */
  mutuallyValidFrames: number;
  /** share of mutually valid frames on which the codings agree; NaN when there are none */
  percentAgreement: number;
  /** Cohen's kappa on the mutually valid frames (sklearn semantics; NaN when undefined) */
  cohensKappa: number;
  /** 3×3 counts on mutually valid frames: rows the reference's class (away, left, right), columns the other's */
  confusion: ConfusionMatrix;
  /** 2×2 counts on mutually valid frames, order [off, on] (on = left or right); rows the reference */
  onOffConfusion: ConfusionMatrix;
  /** label changes within each coding's mutually valid sequence */
  transitions: PerCoder<number>;
  /** looking time: on-screen (left + right) frames among the mutually valid frames, per coding */
  lookingTime: PerCoder<number>;
  /** right / (left + right) among the mutually valid frames, per coding; NaN without on-screen frames */
  proportionRight: PerCoder<number>;
  /** frames of the interval per label id, per coding */
  counts: PerCoder<LabelCounts>;
}

function countLabels(labels: readonly number[]): LabelCounts {
  const counts: LabelCounts = { away: 0, left: 0, right: 0, nobabyface: 0, noface: 0, none: 0 };
  const keys = ['none', 'noface', 'nobabyface', 'away', 'left', 'right'] as const;
  for (const id of labels) counts[keys[id - NO_LABEL] as keyof LabelCounts] += 1;
  return counts;
}

function transitionsOf(sequence: readonly number[]): number {
  let changes = 0;
  for (let i = 1; i < sequence.length; i += 1) if (sequence[i] !== sequence[i - 1]) changes += 1;
  return changes;
}

function proportionRightOf(sequence: readonly number[]): number {
  const right = sequence.filter((l) => l === 2).length;
  const onScreen = sequence.filter((l) => l > 0).length;
  return onScreen === 0 ? NaN : right / onScreen;
}

/**
 * The labels of [start, end), frames past the coding's length reading as −3 (iCatcher+ pads so); none
 * when end ≤ start (numpy's `coding[start:end]`).
 */
function slice(labels: FrameLabels, start: number, end: number): number[] {
  const out = new Array<number>(Math.max(0, end - start));
  for (let f = start; f < end; f += 1) out[f - start] = f < labels.length ? (labels[f] as number) : NO_LABEL;
  return out;
}

/**
 * Compares `other` with `reference` on the frames [start, end). Frames beyond a coding's length count
 * as −3. Only mutually valid frames (both ≥ 0) enter agreement, kappa, the confusion matrices,
 * transitions, looking time and proportion right. An interval with end ≤ start covers no frame, as a
 * reversed trial does in iCatcher+ (its looking times are 0, its agreement and proportions NaN).
 */
export function compareInterval(reference: FrameLabels, other: FrameLabels, [start, end]: Interval): IntervalComparison {
  // Negative bounds would index from the end in numpy: iCatcher+ asserts start ≥ 0.
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < 0) {
    throw new RangeError(`compareInterval: [${start}, ${end}) is not a frame interval`);
  }
  checkLabels(reference, 'reference coding');
  checkLabels(other, 'other coding');
  const a = slice(reference, start, end);
  const b = slice(other, start, end);
  const validA: number[] = [];
  const validB: number[] = [];
  for (let i = 0; i < a.length; i += 1) {
    if ((a[i] as number) >= 0 && (b[i] as number) >= 0) {
      validA.push(a[i] as number);
      validB.push(b[i] as number);
    }
  }
  const agreed = validA.reduce((n, label, i) => n + (label === validB[i] ? 1 : 0), 0);
  const classes = Array.from({ length: CLASS_COUNT }, (_, c) => c);
  const onOff = (s: number[]) => s.map((l) => (l > 0 ? 1 : 0));
  const lookingTime = (s: number[]) => s.filter((l) => l > 0).length;
  return {
    start,
    end,
    mutuallyValidFrames: validA.length,
    percentAgreement: validA.length === 0 ? NaN : agreed / validA.length,
    cohensKappa: cohensKappa(validA, validB),
    confusion: confusionMatrix(validA, validB, classes),
    onOffConfusion: confusionMatrix(onOff(validA), onOff(validB), [0, 1]),
    transitions: [transitionsOf(validA), transitionsOf(validB)],
    lookingTime: [lookingTime(validA), lookingTime(validB)],
    proportionRight: [proportionRightOf(validA), proportionRightOf(validB)],
    counts: [countLabels(a), countLabels(b)],
  };
}
