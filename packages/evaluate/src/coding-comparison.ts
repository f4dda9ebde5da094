// One video: a coding compared with human 1 over the session and over human 1's trials, with the
// trial-level ICCs (icatcher-plus.md §11.3; visualize.py compare_coding_files).
import { icc31 } from './icc';
import { compareInterval, type IntervalComparison } from './interval-comparison';
import type { FrameLabels, Interval } from '@gazecoder/formats';

/** A coding as evaluation needs it: per-frame labels and where the coding ends. */
export interface EvaluatedCoding {
  /** one label id per frame from frame 0 (may run past `end`; shorter codings read as −3 beyond) */
  labels: FrameLabels;
  /** the coding end, exclusive: a human's last trial end, or a machine's length − 4 */
  end: number;
}

/** Human 1's coding: the reference, whose trials every comparison uses. */
export interface ReferenceCoding extends EvaluatedCoding {
  /** human 1's trials, half-open */
  trials: readonly Interval[];
}

export interface CodingComparison {
  /** the session [0, max(reference end, other end)) */
  session: IntervalComparison;
  /** one per human-1 trial */
  trials: IntervalComparison[];
  /** ICC(3,1) of per-trial looking time (reference vs other); NaN with fewer than 5 usable trials */
  iccLookingTime: number;
  /** ICC(3,1) of per-trial proportion right; trials where a coder has no on-screen frame are dropped */
  iccProportionRight: number;
}

/** Compares `other` (human 2 or a machine) with human 1 (`reference`). */
export function compareCodings(reference: ReferenceCoding, other: EvaluatedCoding): CodingComparison {
  const session = compareInterval(reference.labels, other.labels, [0, Math.max(reference.end, other.end)]);
  const trials = reference.trials.map((trial) => compareInterval(reference.labels, other.labels, trial));
  // A deliberate deviation: for a human 1 with exactly one trial, iCatcher+'s
  // compare_uncollapsed_coding_files keeps the trial as a bare dict instead of a list of one, and its
  // calc_ICC then fails on it. That is a bookkeeping slip, not a property of the file, so such a video
  // is evaluated here like any other, its ICCs NaN (fewer than 5 trials).
  return {
    session,
    trials,
    iccLookingTime: icc31(trials.map((t) => t.lookingTime)),
    iccProportionRight: icc31(trials.map((t) => t.proportionRight)),
  };
}
