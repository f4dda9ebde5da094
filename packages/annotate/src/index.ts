// @gazecoder/annotate: videos → iCatcher+'s per-frame gaze codings with a GazeCodingModel checkpoint.

export { annotateVideos, type AnnotateOptions, type AnnotateSummary, type AnnotatedVideo } from './annotate-videos';
export { annotateStream, type FrameAnswer, type StreamOptions } from './annotate-stream';
export type { VideoAnnotation, WindowShape } from './annotate-video';
export type { StageTimes } from './frame-inputs';
export { CROP_MODES, checkCrop, cropRegion, isWholeFrame, maskRegions, parseCropModes, type Crop, type CropMode, type Region } from './crop-region';
export { smoothCodings, type SmoothedCoding, type SmoothOptions } from './smooth-codings';
export type { IcatcherFrameOptions } from './frame-options';
export { ICATCHER_DEFAULTS, type FaceOptions } from './face-options';
