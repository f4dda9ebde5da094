// Which detected face is the infant's (icatcher-plus.md §6).
import type { FaceBox } from '../detect/face-box';
import { boxFeatures } from './box-features';

/**
 * - `lowest`: iCatcher+'s preprocessing, argmin(h − y), ties to the first box;
 * - `score`: iCatcher+'s CLI default, the strictly highest positive min(w,h)/max(w,h)·(y+h);
 * - `track`: the box whose centre is nearest the previous pick, starting from the bottom centre.
 */
export type FaceSelection = 'lowest' | 'score' | 'track';

export const FACE_SELECTIONS: readonly FaceSelection[] = ['lowest', 'score', 'track'];

/** Picks one face per frame; `track` remembers the previous pick, so use one selector per video. */
export interface FaceSelector {
  /** index of the selected box, or −1 when none qualifies */
  select(boxes: readonly FaceBox[], frameWidth: number, frameHeight: number): number;
}

function lowest(boxes: readonly FaceBox[]): number {
  let best = boxes.length > 0 ? 0 : -1;
  for (let i = 1; i < boxes.length; i += 1) {
    const b = boxes[i] as FaceBox;
    const current = boxes[best] as FaceBox;
    if (b.height - b.y < current.height - current.y) best = i;
  }
  return best;
}

function bestScore(boxes: readonly FaceBox[]): number {
  let best = -1;
  let bestValue = 0;
  boxes.forEach((b, i) => {
    if (b.width === 0 || b.height === 0) return;
    const value = (Math.min(b.width, b.height) / Math.max(b.width, b.height)) * (b.y + b.height);
    if (value > bestValue) {
      bestValue = value;
      best = i;
    }
  });
  return best;
}

class Tracker implements FaceSelector {
  // Bottom centre of the frame, in (face_hor, face_ver) coordinates.
  private reference: [number, number] = [0.5, 1.0];

  select(boxes: readonly FaceBox[], frameWidth: number, frameHeight: number): number {
    let best = -1;
    let bestDistance = Infinity;
    boxes.forEach((b, i) => {
      const [, ver, hor] = boxFeatures(b, frameWidth, frameHeight);
      const distance = Math.hypot(hor - this.reference[0], ver - this.reference[1]);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = i;
      }
    });
    if (best >= 0) {
      const [, ver, hor] = boxFeatures(boxes[best] as FaceBox, frameWidth, frameHeight);
      this.reference = [hor, ver];
    }
    return best;
  }
}

/**
 * iCatcher+'s CLI with its infant-face classifier (--use_fc_model, cli.py select_face): among the boxes
 * the classifier called an infant's (`infant: true`, see infant-faces.ts), the one whose centre is
 * nearest the bottom centre of the frame, (0.5, 1.0), a point it never moves; −1 when it called none.
 */
export function infantFaceSelector(): FaceSelector {
  return {
    select(boxes, frameWidth, frameHeight) {
      let best = -1;
      let bestDistance = Infinity;
      boxes.forEach((b, i) => {
        if (b.infant !== true) return;
        const [, ver, hor] = boxFeatures(b, frameWidth, frameHeight);
        // numpy's sqrt of the sum of squares (not hypot), and argmin's first of equals.
        const distance = Math.sqrt((hor - 0.5) ** 2 + (ver - 1) ** 2);
        if (distance < bestDistance) {
          bestDistance = distance;
          best = i;
        }
      });
      return best;
    },
  };
}

/** A fresh selector for one video. */
export function faceSelector(policy: FaceSelection): FaceSelector {
  if (policy === 'track') return new Tracker();
  const pick = policy === 'score' ? bestScore : lowest;
  return { select: (boxes) => pick(boxes) };
}
