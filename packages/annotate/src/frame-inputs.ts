// A video's frames as the gaze model sees them (icatcher-plus.md §12.2 steps 1–5): decoded by OpenCV,
// faces detected on the BGR frame, one selected, cropped from the RGB frame like PIL to the run's
// image size (iCatcher+'s 100×100 by default) and normalised, with the five box features; frames
// without a usable face become placeholders.
import type { Mat } from '@u4/opencv4nodejs';
import { LABEL } from '@gazecoder/formats';
import { boxFeatures, cropFace, decodeFrames, faceSelector, type FaceBox, type FaceDetector, type FaceSelection } from '@gazecoder/preprocess';

import type { Normalizer } from './normalize';

/** iCatcher+'s crop side (its encoder input is hard-coded to 100×100): for checkpoints without a run config. */
export const DEFAULT_IMAGE_SIZE = 100;

/** One frame, ready for the model. */
export interface FrameInput {
  index: number;
  /** a face was selected: the frame's window may run */
  valid: boolean;
  /** its label until a prediction replaces it: none (−3) with a face, else noface (−2) or nobabyface (−1) */
  placeholder: number;
  /** the five box features; zeros without a face */
  box: Float32Array;
  /** normalised 3×S×S image; absent without a face (the model then sees zeros, the mean colour) */
  image?: Float32Array;
  /** the selected face, for drawing */
  face?: FaceBox;
  /** the decoded BGR frame, kept only when something draws on it */
  mat?: Mat;
}

export interface FrameReaderOptions {
  detector: FaceDetector;
  selection: FaceSelection;
  normalizer: Normalizer;
  /** side of the square crop, as the model was trained */
  imageSize: number;
  /** frames per chunk */
  chunkSize: number;
  /** keep each frame's Mat (for decorated frames and the output video) */
  keepFrames: boolean;
}

function toInput(index: number, mat: Mat, faces: readonly FaceBox[], select: (boxes: readonly FaceBox[], w: number, h: number) => number, options: FrameReaderOptions): FrameInput {
  const keep = options.keepFrames ? { mat } : {};
  if (faces.length === 0) return { index, valid: false, placeholder: LABEL.noface, box: new Float32Array(5), ...keep };
  const selected = select(faces, mat.cols, mat.rows);
  if (selected < 0) return { index, valid: false, placeholder: LABEL.nobabyface, box: new Float32Array(5), ...keep };
  const face = faces[selected] as FaceBox;
  const size = options.imageSize;
  const rgb = cropFace({ data: mat.getData(), width: mat.cols, height: mat.rows }, face, size);
  const image = new Float32Array(3 * size * size);
  options.normalizer.toChw(rgb, size, image);
  return { index, valid: true, placeholder: LABEL.none, box: Float32Array.from(boxFeatures(face, mat.cols, mat.rows)), image, face, ...keep };
}

/** The frames of `file` in chunks of `chunkSize`, so that memory stays bounded whatever the video's length. */
export async function* readFrameInputs(file: string, options: FrameReaderOptions): AsyncGenerator<FrameInput[]> {
  const selector = faceSelector(options.selection);
  const select = selector.select.bind(selector);
  let index = 0;
  let pending: Mat[] = [];
  const flush = (): FrameInput[] => {
    const out: FrameInput[] = [];
    for (let start = 0; start < pending.length; start += options.detector.batchSize) {
      const batch = pending.slice(start, start + options.detector.batchSize);
      const detections = options.detector.detect(batch);
      batch.forEach((mat, i) => {
        out.push(toInput(index, mat, detections[i] ?? [], select, options));
        index += 1;
      });
    }
    pending = [];
    return out;
  };
  for (const mat of decodeFrames(file)) {
    pending.push(mat);
    if (pending.length >= options.chunkSize) {
      yield flush();
      // Let the event loop breathe between chunks (progress output, signals).
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  if (pending.length > 0) yield flush();
}
