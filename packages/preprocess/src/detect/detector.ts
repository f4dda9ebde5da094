// The face-detector interface the pipeline and `gazecoder faces` use.
import type { Mat } from '@u4/opencv4nodejs';

import type { BoxAdjustment, FaceBox } from './face-box';

export type DetectorName = 'blazeface' | 'res10' | 'retinaface';

/** Every detector name, in the order help texts list them. */
export const DETECTOR_NAMES: readonly DetectorName[] = ['blazeface', 'res10', 'retinaface'];

/** How a detector was configured, as recorded in the dataset manifest. */
export interface DetectorSpec {
  name: DetectorName;
  /** BlazeFace and RetinaFace keep score ≥ confidence; res10 keeps confidence > it (as iCatcher+) */
  confidence: number;
  boxAdjustment: BoxAdjustment;
  /** res10: the Caffe prototxt and caffemodel (default: iCatcher+'s, from the model cache) */
  model?: { prototxt: string; caffemodel: string };
  /** retinaface: the weights, a file or a cached model's name (default: iCatcher+'s Resnet50_Final.pth) */
  weights?: string;
  /** retinaface: where the network runs, `cpu`, `cuda`, `cuda:N` or `auto` (default `cpu`) */
  device?: string;
}

/** How a detector runs, beyond what the dataset manifest records. */
export interface DetectorOptions {
  /**
   * BlazeFace: a second opinion where the short-range model is in doubt (default): the full-range
   * model on a frame with no sure face, a closer look at an unsure candidate beside sure ones.
   * `false` runs the full-range model only when short range finds nothing, as before
   * (scripts/detector-recall.mjs compares the two).
   */
  secondOpinion?: boolean;
}

export interface FaceDetector {
  readonly spec: DetectorSpec;
  /** How many frames one `detect` call handles best (1 = no batching). */
  readonly batchSize: number;
  /** Faces on each BGR frame, in the detector's order (highest confidence first). */
  detect(frames: readonly Mat[]): Promise<FaceBox[][]>;
  /** Frees native memory the detector holds (RetinaFace's network); the detector is unusable after. */
  dispose?(): void;
}
