import { createBlazeFaceDetector } from './blazeface';
import type { DetectorOptions, DetectorSpec, FaceDetector } from './detector';
import { NO_ADJUSTMENT } from './face-box';
import { createRes10Detector } from './res10';

/** iCatcher+'s threshold for res10, and ours for BlazeFace (real faces score ≈ 0.9). */
export const DEFAULT_CONFIDENCE = 0.7;

/** A full detector spec from the user's choices; the defaults are BlazeFace at 0.7 with boxes as detected. */
export function detectorSpec(choice: Partial<DetectorSpec> = {}): DetectorSpec {
  return {
    name: choice.name ?? 'blazeface',
    confidence: choice.confidence ?? DEFAULT_CONFIDENCE,
    boxAdjustment: choice.boxAdjustment ?? NO_ADJUSTMENT,
    ...(choice.model ? { model: choice.model } : {}),
  };
}

/** Loads the detector a spec names. */
export function createDetector(spec: DetectorSpec, options: DetectorOptions = {}): FaceDetector {
  return spec.name === 'res10' ? createRes10Detector(spec) : createBlazeFaceDetector(spec, options);
}
