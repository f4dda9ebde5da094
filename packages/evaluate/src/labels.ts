// Per-frame label ids as iCatcher+ writes them (icatcher-plus.md §4). Evaluation only needs to tell
// gaze classes (0 away, 1 left, 2 right) from the negative "no label" ids, and to name them.

/** The gaze classes in id order (the network's output order). */
export const GAZE_CLASS_NAMES = ['away', 'left', 'right'] as const;

/** The negative ids: −1 nobabyface, −2 noface (machine), −3 none (machine and human). */
export const INVALID_LABEL_NAMES = { [-1]: 'nobabyface', [-2]: 'noface', [-3]: 'none' } as const;

/** Number of gaze classes. */
export const CLASS_COUNT = GAZE_CLASS_NAMES.length;

/** The id of a frame with no label at all (padding, human "invalid"). */
export const NO_LABEL = -3;

/** One label id per frame: 0–2 a gaze class, −1…−3 no gaze label. */
export type FrameLabels = ArrayLike<number>;

/** A half-open frame range [start, end). */
export type Interval = readonly [start: number, end: number];

/** Throws a RangeError naming `what` and the frame unless every label is an integer id in −3…2. */
export function checkLabels(labels: FrameLabels, what: string): void {
  for (let f = 0; f < labels.length; f += 1) {
    const id = labels[f] as number;
    if (!Number.isInteger(id) || id < NO_LABEL || id >= CLASS_COUNT) {
      throw new RangeError(`${what}: frame ${f} has label ${id}, expected an integer id in -3…${CLASS_COUNT - 1}`);
    }
  }
}
