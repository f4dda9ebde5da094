// What every detector returns, and the shared steps after the network: iCatcher+'s conversion of
// corner coordinates to integer [x, y, w, h] boxes clamped to the frame, and the optional box
// adjustment that makes tight boxes (BlazeFace) more like res10's.

/** A face box in frame pixels (integers, inside the frame) with the detector's confidence. */
export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
  /** set where iCatcher+'s infant-face classifier looked at the face: whether it called it an infant's */
  infant?: boolean;
}

/**
 * Resizes boxes around their centre (`scale` in x and y) and moves them by `shiftY` box heights
 * (negative is up), before clamping. Identity: scale [1, 1], shiftY 0.
 */
export interface BoxAdjustment {
  scale: [number, number];
  shiftY: number;
}

export const NO_ADJUSTMENT: BoxAdjustment = { scale: [1, 1], shiftY: 0 };

/**
 * Corners in pixels → an integer box clamped to a W×H frame, exactly as iCatcher+'s OpenCV-DNN
 * helper: x1, y1 truncated and clamped at 0; dropped when x1 ≥ W or y1 ≥ H; x2, y2 truncated and
 * clamped at W, H. Boxes left with no area are dropped too (they cannot be cropped).
 */
export function clampBox(x1: number, y1: number, x2: number, y2: number, frameWidth: number, frameHeight: number, score: number): FaceBox | undefined {
  const left = Math.max(Math.trunc(x1), 0);
  const top = Math.max(Math.trunc(y1), 0);
  if (left >= frameWidth || top >= frameHeight) return undefined;
  const right = Math.min(Math.trunc(x2), frameWidth);
  const bottom = Math.min(Math.trunc(y2), frameHeight);
  if (right <= left || bottom <= top) return undefined;
  return { x: left, y: top, width: right - left, height: bottom - top, score };
}

/** Applies a {@link BoxAdjustment} to corner coordinates. */
export function adjustCorners(x1: number, y1: number, x2: number, y2: number, adjustment: BoxAdjustment): [number, number, number, number] {
  const w = (x2 - x1) * adjustment.scale[0];
  const h = (y2 - y1) * adjustment.scale[1];
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2 + adjustment.shiftY * (y2 - y1);
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

/**
 * RetinaFace's float32 corners → an integer box exactly as iCatcher+'s extract_bboxes makes it: x1, y1
 * raised to 0; dropped when x1 ≥ W or y1 ≥ H; x2, y2 lowered to W, H; width and height subtracted in
 * float32, then each value truncated (so x + width may differ from ⌊x2⌋). Unlike clampBox, a box left
 * with no area is kept: iCatcher+'s selection skips it, and a frame of only such boxes is nobabyface.
 */
export function extractBox(x1: number, y1: number, x2: number, y2: number, frameWidth: number, frameHeight: number, score: number): FaceBox | undefined {
  if (![x1, y1, x2, y2].every(Number.isFinite)) return undefined;
  const left = Math.max(x1, 0);
  const top = Math.max(y1, 0);
  if (left >= frameWidth || top >= frameHeight) return undefined;
  const right = Math.min(x2, frameWidth);
  const bottom = Math.min(y2, frameHeight);
  return { x: Math.trunc(left), y: Math.trunc(top), width: Math.trunc(Math.fround(right - left)), height: Math.trunc(Math.fround(bottom - top)), score };
}
