// @gazecoder/preprocess: raw annotated videos → gazecoder's packed face-crop dataset (docs/dataset-format.md).

export { preprocess, type PreprocessOptions, type PreprocessSummary } from './preprocess';
export { detectFaces, isImageFile, type FrameFaces } from './faces-in-media';

export { lookitVideoId, LOOKIT_METADATA } from './layout/lookit-layout';
export { codingFiles, videoIdOf, type CodingKind } from './layout/coding-folder';
export { CSV_COLUMNS } from './layout/csv-layout';
export type { SplitPolicy } from './split/assign-splits';

export { DEFAULT_CONFIDENCE, detectorSpec } from './detect/create-detector';
export type { DetectorName, DetectorOptions, DetectorSpec } from './detect/detector';
export type { BoxAdjustment, FaceBox } from './detect/face-box';
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
export { faceSelector, type FaceSelector } from './faces/face-selection';
export { cropFace, type BgrFrame } from './faces/crop';
export { boxFeatures } from './faces/box-features';
