// @gazecoder/preprocess: raw annotated videos → gazecoder's packed face-crop dataset (docs/dataset-format.md).

export { preprocess, type PreprocessOptions, type PreprocessSummary } from './preprocess';
export { detectFaces, isImageFile, type FrameFaces } from './faces-in-media';

export { lookitVideoId, LOOKIT_METADATA } from './layout/lookit-layout';
export { codingFiles, videoIdOf, type CodingKind } from './layout/coding-folder';
export { CSV_COLUMNS } from './layout/csv-layout';
export type { SplitPolicy } from './split/assign-splits';

export { DEFAULT_CONFIDENCE, defaultConfidence, detectorSpec } from './detect/create-detector';
export { DETECTOR_NAMES, type DetectorName, type DetectorOptions, type DetectorSpec } from './detect/detector';
export { RETINAFACE_CONFIDENCE, RETINAFACE_WEIGHTS } from './detect/retinaface';
export { RES10_FILES } from './detect/res10';
export { extractBox, type BoxAdjustment, type FaceBox } from './detect/face-box';
export { FACE_SELECTIONS, type FaceSelection } from './faces/face-selection';

export { datasetStats, formatDatasetStats, type DatasetStats, type GroupStats } from './dataset/dataset-stats';
export type { Agreement } from './dataset/video-stats';
export { JsonLinesProgress, TerminalProgress, type ProgressReporter } from '@gazecoder/progress';
export { VideoError, probeVideo, type VideoProbe } from './video/probe';
export { decodeFrames, framesOf, openVideo, webcamIndex } from './video/frames';
export { listVideos, VIDEO_EXTENSIONS } from './video/list-videos';

// The per-frame steps of preprocessing, for other pipelines over videos (gazecoder annotate).
export { createDetector } from './detect/create-detector';
export type { FaceDetector } from './detect/detector';
export { faceSelector, infantFaceSelector, type FaceSelector } from './faces/face-selection';
export { FACE_CLASSIFIERS, InfantFaces, faceClassifierWeights, type FaceClassifierSpec } from './faces/infant-faces';
export { cropFace, type BgrFrame } from './faces/crop';
export { boxFeatures } from './faces/box-features';
