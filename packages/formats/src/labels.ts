// iCatcher+'s per-frame label ids and their names (icatcher-plus.md §4): the one table that
// parsers, preprocessing, evaluation, annotate's outputs and the report share.

/** The three gaze classes, in id order (the network's output order). */
export const GAZE_CLASSES = ['away', 'left', 'right'] as const;
export type GazeClass = (typeof GAZE_CLASSES)[number];

/** Number of gaze classes. */
export const CLASS_COUNT = GAZE_CLASSES.length;

/** Label ids: gaze classes 0-2, negative ids for frames without a gaze label. */
export const LABEL = {
  /** parsers: invalid or not coded; machine: no prediction; evaluation: padding */
  none: -3,
  /** preprocessing: invalid, not coded or no face; machine: no face detected */
  noface: -2,
  /** machine: faces found, none selected */
  nobabyface: -1,
  away: 0,
  left: 1,
  right: 2,
} as const;

/** The id of a frame with no label at all (padding, human "invalid"). */
export const NO_LABEL = LABEL.none;

/** One label id per frame: 0–2 a gaze class, −1…−3 no gaze label. */
export type FrameLabels = ArrayLike<number>;

/** A half-open frame range [start, end). */
export type Interval = readonly [start: number, end: number];

const NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(LABEL).map(([name, id]) => [id, name]));

export function isGazeClass(name: string): name is GazeClass {
  return (GAZE_CLASSES as readonly string[]).includes(name);
}

/** Swaps left and right (1 ↔ 2); other ids stay (iCatcher+'s --mirror_annotation). */
export function mirrorId(id: number): number {
  return id === LABEL.left ? LABEL.right : id === LABEL.right ? LABEL.left : id;
}

/** The class name of an id; with `onOff`, `off` for away and `on` for everything else (iCatcher+'s --on_off). */
export function className(id: number, onOff = false): string {
  if (onOff) return id === LABEL.away ? 'off' : 'on';
  const name = NAMES[id];
  if (name === undefined) throw new RangeError(`${id} is not a class id (−3…2)`);
  return name;
}

/** Throws a RangeError naming `what` and the frame unless every label is an integer id in −3…2. */
export function checkLabels(labels: FrameLabels, what: string): void {
  for (let f = 0; f < labels.length; f += 1) {
    const id = labels[f] as number;
    if (!Number.isInteger(id) || id < NO_LABEL || id >= CLASS_COUNT) {
      throw new RangeError(`${what}: frame ${f} has label ${id}, expected an integer id in -3…${CLASS_COUNT - 1}`);
    }
  }
}
