// iCatcher+'s five box features (icatcher-plus.md §5.3), relative to the full frame.
import type { FaceBox } from '../detect/face-box';

/** [face_size, face_ver, face_hor, face_height, face_width] of a box in a W×H frame (float64). */
export function boxFeatures(box: Pick<FaceBox, 'x' | 'y' | 'width' | 'height'>, frameWidth: number, frameHeight: number): [number, number, number, number, number] {
  const y1 = box.y / frameHeight;
  const y2 = (box.y + box.height) / frameHeight;
  const x1 = box.x / frameWidth;
  const x2 = (box.x + box.width) / frameWidth;
  return [(y2 - y1) * (x2 - x1), (y1 + y2) / 2, (x1 + x2) / 2, y2 - y1, x2 - x1];
}
