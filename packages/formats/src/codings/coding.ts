// A human coding as iCatcher+'s parsers produce it (icatcher-plus.md §3.2): change points, a coding
// start and a coding end, in frames (constant frame rate) or in milliseconds (variable frame rate).
import { LABEL, type GazeClass } from '../labels';

/** From `at` on, the coding is `gaze` when `valid`, and invalid otherwise. */
export interface ChangePoint {
  at: number;
  valid: boolean;
  gaze: GazeClass;
}

export interface Coding {
  /** what `at`, `start`, `end` and the trial bounds count: frame indices, or ms from the video start */
  unit: 'frame' | 'ms';
  /** sorted by `at` (ties keep file order, and the later entry wins) */
  changes: ChangePoint[];
  /** the first change point */
  start: number;
  /** the end of the last trial (exclusive) */
  end: number;
  /**
   * half-open [start, end) per trial, the first starting at `start`. As in iCatcher+, a trial can be
   * empty (two ends in one frame) or reversed (the first `end` before the first look: [496, 495)),
   * and then covers no frame.
   */
  trials: Array<[number, number]>;
}

/** Index of the last change point at or before `stamp`, or -1. */
function lastChangeAtOrBefore(changes: readonly ChangePoint[], stamp: number): number {
  let lo = 0;
  let hi = changes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((changes[mid] as ChangePoint).at <= stamp) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * The label iCatcher+'s preprocessing gives the frame at `stamp` (its index, or its time in ms for
 * an 'ms' coding): the gaze class id when start ≤ stamp < end and the change point in force is
 * valid, otherwise `invalid`.
 */
export function labelAt(coding: Coding, stamp: number, invalid: number = LABEL.noface): number {
  if (!(coding.start <= stamp && stamp < coding.end)) return invalid;
  const change = coding.changes[lastChangeAtOrBefore(coding.changes, stamp)];
  return change?.valid ? LABEL[change.gaze] : invalid;
}

/**
 * Per-frame labels of a video whose frames are stamped `frameStamps` (indices 0…F−1 for a 'frame'
 * coding, times in ms for an 'ms' one). Invalid and uncoded frames get `invalid` (−2, as in the
 * packed dataset).
 */
export function frameLabels(coding: Coding, frameStamps: ArrayLike<number>, invalid: number = LABEL.noface): Int8Array {
  const labels = new Int8Array(frameStamps.length);
  for (let f = 0; f < frameStamps.length; f += 1) labels[f] = labelAt(coding, frameStamps[f] as number, invalid);
  return labels;
}

/**
 * iCatcher+'s `uncollapse_labels` (used in evaluation): −3 before the start and on invalid spans,
 * the class id elsewhere, filled up to the coding end; not truncated when the last change point
 * lies beyond the end. Frame codings only.
 */
export function uncollapse(coding: Coding): Int8Array {
  if (coding.unit !== 'frame') throw new Error('uncollapse needs a coding in frames');
  const out: number[] = new Array<number>(Math.max(0, coding.start)).fill(LABEL.none);
  const value = (c: ChangePoint): number => (c.valid ? LABEL[c.gaze] : LABEL.none);
  for (let i = 1; i < coding.changes.length; i += 1) {
    const prev = coding.changes[i - 1] as ChangePoint;
    const next = coding.changes[i] as ChangePoint;
    for (let f = prev.at; f < next.at; f += 1) out.push(value(prev));
  }
  const last = coding.changes[coding.changes.length - 1] as ChangePoint;
  while (out.length < coding.end) out.push(value(last));
  return Int8Array.from(out);
}
