import { createBlazeFaceDetector } from './blazeface';
import type { DetectorName, DetectorOptions, DetectorSpec, FaceDetector } from './detector';
import { NO_ADJUSTMENT } from './face-box';
import { createRes10Detector } from './res10';
import { createRetinaFaceDetector, RETINAFACE_CONFIDENCE } from './retinaface';

/** iCatcher+'s threshold for res10, and ours for BlazeFace (real faces score ≈ 0.9). */
export const DEFAULT_CONFIDENCE = 0.7;

/** The threshold a detector keeps faces at unless told otherwise: iCatcher+'s for res10 and RetinaFace. */
export function defaultConfidence(name: DetectorName): number {
  return name === 'retinaface' ? RETINAFACE_CONFIDENCE : DEFAULT_CONFIDENCE;
}

/** A full detector spec from the user's choices; the defaults are BlazeFace at 0.7 with boxes as detected. */
export function detectorSpec(choice: Partial<DetectorSpec> = {}): DetectorSpec {
  const name = choice.name ?? 'blazeface';
  return {
    name,
    confidence: choice.confidence ?? defaultConfidence(name),
    boxAdjustment: choice.boxAdjustment ?? NO_ADJUSTMENT,
    ...(choice.model ? { model: choice.model } : {}),
    ...(choice.weights !== undefined ? { weights: choice.weights } : {}),
    ...(choice.device !== undefined ? { device: choice.device } : {}),
  };
}

/** Loads the detector a spec names; model files it cannot use are an error naming them. */
export async function createDetector(spec: DetectorSpec, options: DetectorOptions = {}): Promise<FaceDetector> {
  if (spec.name === 'retinaface') return createRetinaFaceDetector(spec);
  return spec.name === 'res10' ? createRes10Detector(spec) : createBlazeFaceDetector(spec, options);
}
