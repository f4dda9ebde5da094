// iCatcher+'s label ids (icatcher-plus.md §4).

/** The three gaze classes, in the network's output order. */
export const GAZE_CLASSES = ['away', 'left', 'right'] as const;
export type GazeClass = (typeof GAZE_CLASSES)[number];

/** Label ids: gaze classes 0-2, negative ids for frames without a gaze label. */
export const LABEL = {
  /** parsers: invalid or not coded; machine: no prediction */
  none: -3,
  /** preprocessing: invalid, not coded or no face; machine: no face detected */
  noface: -2,
  /** machine: faces found, none selected */
  nobabyface: -1,
  away: 0,
  left: 1,
  right: 2,
} as const;

export function isGazeClass(name: string): name is GazeClass {
  return (GAZE_CLASSES as readonly string[]).includes(name);
}
