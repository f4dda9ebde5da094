// Which faces a run finds and which one it codes, for files and streams alike: one definition of the
// options, one resolution into what the frame worker runs, and iCatcher+'s defaults in one place.
import { detectorSpec, faceClassifierWeights, type DetectorSpec, type FaceClassifierSpec, type FaceSelection } from '@gazecoder/preprocess';

export interface FaceOptions {
  /** the face detector (default BlazeFace at 0.7; `retinaface` is iCatcher+'s, at 0.9) */
  detector?: Partial<DetectorSpec>;
  /** default `score`, iCatcher+'s CLI rule */
  faceSelection?: FaceSelection;
  /**
   * iCatcher+'s infant-face classifier (--use_fc_model, --fc_model): `lookit`, `cali-bw`, `senegal`
   * (its cached face_classifier_<name>.pth), a cached model's name or a .pth file. The face coded is
   * then the one it calls an infant's nearest the bottom centre; none → nobabyface.
   */
  faceClassifier?: string;
}

/**
 * iCatcher+'s CLI as it runs by default (icatcher-plus.md §12): its released RegNet model, RetinaFace
 * keeping score ≥ 0.9, and its face selection. Spread it into annotateVideos' or annotateStream's
 * options (`gazecoder annotate --icatcher-defaults`); later keys override it.
 */
export const ICATCHER_DEFAULTS = {
  model: 'icatcher+_lookit_regnet',
  detector: { name: 'retinaface', confidence: 0.9 },
  faceSelection: 'score',
} as const satisfies FaceOptions & { model: string };

/** What the frame worker runs for `options`; RetinaFace and the classifier run on `device` unless the detector names its own. */
export function resolveFaceOptions(options: FaceOptions, device: string): { detector: DetectorSpec; selection: FaceSelection; faceClassifier?: FaceClassifierSpec } {
  if (options.faceClassifier !== undefined && options.faceSelection !== undefined) {
    throw new Error('--face-classifier chooses the face itself (the infant face nearest the bottom centre); drop --face-selection');
  }
  const detector = detectorSpec(options.detector);
  if (detector.name === 'retinaface' && detector.device === undefined) detector.device = device;
  return {
    detector,
    selection: options.faceSelection ?? 'score',
    ...(options.faceClassifier !== undefined ? { faceClassifier: { weights: faceClassifierWeights(options.faceClassifier), device } } : {}),
  };
}
