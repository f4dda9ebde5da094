// Class ids and the names iCatcher+'s outputs use for them (icatcher-plus.md §4), with
// --mirror-annotation and --on-off.
import { LABEL } from '@gazecoder/preprocess';

const NAMES: Record<number, string> = {
  [LABEL.none]: 'none',
  [LABEL.noface]: 'noface',
  [LABEL.nobabyface]: 'nobabyface',
  [LABEL.away]: 'away',
  [LABEL.left]: 'left',
  [LABEL.right]: 'right',
};

/** Swaps left and right (1 ↔ 2); other ids stay. */
export function mirrorId(id: number): number {
  return id === LABEL.left ? LABEL.right : id === LABEL.right ? LABEL.left : id;
}

/** The class name of an id; with `onOff`, `off` for away and `on` for everything else (as iCatcher+). */
export function className(id: number, onOff = false): string {
  if (onOff) return id === LABEL.away ? 'off' : 'on';
  const name = NAMES[id];
  if (name === undefined) throw new RangeError(`${id} is not a class id (−3…2)`);
  return name;
}
