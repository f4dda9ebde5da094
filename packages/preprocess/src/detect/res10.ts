// iCatcher+'s face detector: OpenCV-DNN's res10 300×300 SSD (Caffe), with its exact input blob
// (BGR resized to 300×300, mean (104, 117, 123), no swap, no crop) and `confidence > threshold`.
// The files: iCatcher+'s config.prototxt and face_model.caffemodel (its model archive), or OpenCV's
// deploy.prototxt and res10_300x300_ssd_iter_140000.caffemodel.
import { existsSync } from 'node:fs';

import type { Mat, Net } from '@u4/opencv4nodejs';

import { resolveModelFile } from '@gazecoder/models';
import { opencv } from '@gazecoder/opencv';
import type { DetectorSpec, FaceDetector } from './detector';
import { adjustCorners, clampBox, type FaceBox } from './face-box';

const BATCH = 8;

/** iCatcher+'s names for the res10 files in its model archive. */
export const RES10_FILES = { prototxt: 'config.prototxt', caffemodel: 'face_model.caffemodel' } as const;

/**
 * Boxes of one image from the SSD's [1, 1, N, 7] output rows (image, class, confidence, x1, y1,
 * x2, y2 normalised), as iCatcher+'s detect_face_opencv_dnn turns them into boxes.
 */
export function decodeSsd(rows: Float32Array, image: number, frameWidth: number, frameHeight: number, spec: Pick<DetectorSpec, 'confidence' | 'boxAdjustment'>): FaceBox[] {
  const boxes: FaceBox[] = [];
  for (let r = 0; r + 7 <= rows.length; r += 7) {
    if (rows[r] !== image) continue;
    const confidence = rows[r + 2] as number;
    if (!(confidence > spec.confidence)) continue;
    const corners = adjustCorners(
      (rows[r + 3] as number) * frameWidth,
      (rows[r + 4] as number) * frameHeight,
      (rows[r + 5] as number) * frameWidth,
      (rows[r + 6] as number) * frameHeight,
      spec.boxAdjustment,
    );
    const box = clampBox(...corners, frameWidth, frameHeight, confidence);
    if (box) boxes.push(box);
  }
  return boxes;
}

class Res10Detector implements FaceDetector {
  readonly batchSize = BATCH;
  private readonly net: Net;

  constructor(readonly spec: DetectorSpec) {
    const model = res10Files(spec);
    for (const file of [model.prototxt, model.caffemodel]) if (!existsSync(file)) throw new Error(`${file}: no such file (--face-model)`);
    try {
      this.net = opencv().readNetFromCaffe(model.prototxt, model.caffemodel);
    } catch (error) {
      throw new Error(`${model.prototxt}, ${model.caffemodel}: OpenCV cannot load this Caffe model (${String((error as Error)?.message ?? error)})`);
    }
  }

  async detect(frames: readonly Mat[]): Promise<FaceBox[][]> {
    if (frames.length === 0) return [];
    const cv = opencv();
    const blob = cv.blobFromImages([...frames], 1.0, new cv.Size(300, 300), new cv.Vec3(104, 117, 123), false, false);
    this.net.setInput(blob);
    const out = this.net.forward();
    const [, , n = 0, width = 7] = out.sizes;
    const data = out.flattenFloat(n, width).getData();
    const rows = new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4);
    return frames.map((frame, i) => decodeSsd(rows, i, frame.cols, frame.rows, this.spec));
  }
}

/** The spec's prototxt and caffemodel, else iCatcher+'s from the model cache (an error names the fetch command). */
export function res10Files(spec: Pick<DetectorSpec, 'model'>): { prototxt: string; caffemodel: string } {
  return spec.model ?? { prototxt: resolveModelFile(RES10_FILES.prototxt), caffemodel: resolveModelFile(RES10_FILES.caffemodel) };
}

/** The res10 SSD from the user's prototxt + caffemodel, or iCatcher+'s cached pair. */
export async function createRes10Detector(spec: DetectorSpec): Promise<FaceDetector> {
  return new Res10Detector(spec);
}
