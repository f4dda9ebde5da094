// gazecoder's public API in one import: the scoped @gazecoder/* packages are its building blocks,
// and this file chooses what of each a host application needs.

// The LibTorch runtime, models and training (@gazecoder/torch over the native addon).
export { runtimeInfo, setThreads, selfTest, defaultThreads, Model, train, RetinaFace, InfantFaceClassifier } from '@gazecoder/torch';
export type {
  RuntimeInfo,
  SelfTestOptions,
  SelfTestResult,
  ModelSpec,
  WeightsReport,
  LoadWeightsOptions,
  Dtype,
  Tensor,
  TrainingRun,
  TrainOptions,
  DistributedOptions,
  TrainEvent,
  TrainStartEvent,
  TrainStepEvent,
  TrainEpochEvent,
  TrainDoneEvent,
  FaceModelOptions,
  RetinaFaceSettings,
  RetinaFaceDetection,
} from '@gazecoder/torch';

// The files: human and machine codings, label ids, the dataset manifest, NumPy arrays.
export { readHumanCoding, readMachineCoding, readDatasetManifest, readNpy, writeNpy, GAZE_CLASSES, LABEL, OUTPUT_FORMATS, AnnotationError } from '@gazecoder/formats';
export type { GazeClass, CodingFormat, Coding, MachineCoding, Manifest as DatasetManifest, NpyArray, OutputFormat } from '@gazecoder/formats';

// Videos and codings to a packed face-crop dataset; face detection.
export { preprocess, detectFaces, VideoError } from '@gazecoder/preprocess';
export type { PreprocessOptions, PreprocessSummary, FrameFaces, ProgressReporter, DetectorSpec, DetectorName, FaceBox } from '@gazecoder/preprocess';

// Coding videos with a trained model, in iCatcher+'s output formats.
export { annotateVideos, annotateStream, ICATCHER_DEFAULTS } from '@gazecoder/annotate';
export type { AnnotateOptions, AnnotateSummary, AnnotatedVideo, FrameAnswer, StreamOptions, FaceOptions } from '@gazecoder/annotate';

// The model cache: iCatcher+'s released models fetched by name, and names resolved to cached files.
export { fetchModelArchive, cachedArchive, resolveModelFile, modelCacheFolder } from '@gazecoder/models';
export type { CachedArchive, FetchOptions as ModelFetchOptions } from '@gazecoder/models';

// Reliability metrics as iCatcher+ defines them.
export { compareCodings, summarizeComparisons, cohensKappa, classificationMetrics } from '@gazecoder/evaluate';
export type { CodingComparison, ComparisonSummary, ClassificationMetrics } from '@gazecoder/evaluate';

// The self-contained HTML report and JSON results.
export { writeReport, renderReport, readTrainingHistory } from '@gazecoder/report';
export type { ReportData, TrainingHistory } from '@gazecoder/report';

// Reviewing codings: the local web app of `gazecoder review`, started from code.
export { startReviewServer, SAVE_FORMATS } from '@gazecoder/review';
export type { ReviewServer, ReviewServerOptions, SaveFormat, ReviewState } from '@gazecoder/review';

// Seeded synthetic Lookit-format datasets, for trying everything without real videos.
export { synthesize } from '@gazecoder/synth';
export type { SynthOptions, SynthSummary } from '@gazecoder/synth';
