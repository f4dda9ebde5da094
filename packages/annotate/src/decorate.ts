// The picture of a frame's answer (icatcher-plus.md §12.3, "Annotated video"): class at (10, 30), frame
// number at (10, 70), the selected face's box in green with the confidence under it, and an arrow
// for left/right, and with --pic-in-pic the face at 100×100 in the bottom-left corner (draw.py); written
// as the ui folder's decorated_frames/*.jpg or into an MP4.
import { join } from 'node:path';

import type { Mat, VideoWriter } from '@u4/opencv4nodejs';
import { opencv } from '@gazecoder/opencv';
import { className, LABEL, mirrorId } from '@gazecoder/formats';

import type { FrameSink } from './annotate-video';
import type { FrameInput } from './frame-inputs';

/** draw.prepare_frame's pic_in_pic_size. */
export const PIC_IN_PIC_SIZE = 100;

/**
 * --pic-in-pic (draw.prepare_frame): the selected face's box of the frame resized to 100×100
 * (cv2.resize, bilinear) into its bottom-left corner; black there without a face.
 */
export function putPicInPic(mat: Mat, face: FrameInput['face']): void {
  const cv = opencv();
  const size = Math.min(PIC_IN_PIC_SIZE, mat.rows, mat.cols);
  const corner = mat.getRegion(new cv.Rect(0, mat.rows - size, size, size));
  const x = face ? Math.max(0, Math.round(face.x)) : 0;
  const y = face ? Math.max(0, Math.round(face.y)) : 0;
  const w = face ? Math.min(mat.cols, Math.round(face.x + face.width)) - x : 0;
  const h = face ? Math.min(mat.rows, Math.round(face.y + face.height)) - y : 0;
  if (w <= 0 || h <= 0) {
    corner.setTo(new cv.Vec3(0, 0, 0));
    return;
  }
  mat.getRegion(new cv.Rect(x, y, w, h)).resize(size, size, 0, 0, cv.INTER_LINEAR).copyTo(corner);
}

/** A copy of the frame with the answer drawn on it. */
export function decorateFrame(input: FrameInput, shown: number, confidence: number, picInPic = false): Mat {
  const cv = opencv();
  const mat = (input.mat as Mat).copy();
  // Before the class text, box and frame number, which draw.py puts over it.
  if (picInPic) putPicInPic(mat, input.face);
  const green = new cv.Vec3(0, 255, 0);
  mat.putText(className(shown), new cv.Point2(10, 30), cv.FONT_HERSHEY_SIMPLEX, 1, green, 2);
  mat.putText(String(input.index), new cv.Point2(10, 70), cv.FONT_HERSHEY_SIMPLEX, 1, green, 2);
  if (input.face) {
    const { x, y, width, height } = input.face;
    mat.drawRectangle(new cv.Point2(x, y), new cv.Point2(x + width, y + height), green, 2);
    if (confidence >= 0) mat.putText(confidence.toFixed(2), new cv.Point2(x, Math.min(mat.rows - 5, y + height + 20)), cv.FONT_HERSHEY_SIMPLEX, 0.6, green, 2);
  }
  if (shown === LABEL.left || shown === LABEL.right) {
    // Left/right as the coders saw them, from the camera's point of view.
    const arrowY = Math.round(0.8 * mat.rows);
    const [from, to] = shown === LABEL.left ? [0.6, 0.4] : [0.4, 0.6];
    mat.drawArrowedLine(new cv.Point2(Math.round(from * mat.cols), arrowY), new cv.Point2(Math.round(to * mat.cols), arrowY), green, 3);
  }
  return mat;
}

/** The id a sink shows, mirrored when asked. */
function shownFor(shown: number, mirror: boolean): number {
  return mirror ? mirrorId(shown) : shown;
}

/** ui: `decorated_frames/frame_{idx:05d}.jpg` in `folder`. */
export class DecoratedFramesSink implements FrameSink {
  constructor(
    private readonly folder: string,
    private readonly mirror: boolean,
    private readonly picInPic = false,
  ) {}

  async frame(input: FrameInput, _answer: number, confidence: number, shown: number): Promise<void> {
    const mat = decorateFrame(input, shownFor(shown, this.mirror), confidence, this.picInPic);
    await opencv().imwriteAsync(join(this.folder, `frame_${String(input.index).padStart(5, '0')}.jpg`), mat);
  }
}

/** --output-video: an MP4 (fourcc mp4v) at the source's frame rate and size. */
export class VideoSink implements FrameSink {
  readonly #writer: VideoWriter;

  constructor(path: string, fps: number, width: number, height: number, private readonly mirror: boolean, private readonly picInPic = false) {
    const cv = opencv();
    this.#writer = new cv.VideoWriter(path, cv.VideoWriter.fourcc('mp4v'), fps, new cv.Size(width, height), true);
  }

  async frame(input: FrameInput, _answer: number, confidence: number, shown: number): Promise<void> {
    await this.#writer.writeAsync(decorateFrame(input, shownFor(shown, this.mirror), confidence, this.picInPic));
  }

  close(): void {
    this.#writer.release();
  }
}
