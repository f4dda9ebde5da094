// @gazecoder/formats: every file format gazecoder reads or writes, in one place and with no native
// dependency, so that preprocess, torch, annotate, evaluate, report and the CLI share one reader
// and one writer of each. Every write is atomic (a temporary sibling, then a rename).

export { tempSibling, writeFileAtomic, writeFileAtomicSync } from './atomic-write';
export { tryPidLock } from './pid-lock';
export { integer, mixedSeed, rng, shuffled, uniform, uuid } from './seeded-random';

// Label ids and names (icatcher-plus.md §4).
export { CLASS_COUNT, GAZE_CLASSES, LABEL, NO_LABEL, checkLabels, className, isGazeClass, mirrorId, type FrameLabels, type GazeClass, type Interval } from './labels';

// NumPy: .npy, .npz and the zip reader under it (CRC-checked, bounded, inflated size limited).
export { readNpyHeader, type NpyHeader } from './numpy/npy-header';
export { NpyAppender, decodeNpy, encodeNpy, npyPreamble, readFloat32Npy, readNpy, writeNpy, type NpyArray, type NpyData, type NpyDtype, type NpyStrings } from './numpy/npy';
export { readNpz, writeNpz } from './numpy/npz';
export { encodePickledDictNpy, type PickleValue } from './numpy/npy-pickled-dict';
export { DEFAULT_MAX_INFLATED_BYTES, ZipBombError, readZipEntries, writeZipEntries, type ReadZipOptions } from './numpy/zip';

// Human codings (Lookit text, Datavyu VCX) and the per-frame labels they give.
export { AnnotationError } from './codings/annotation-error';
export { frameLabels, labelAt, uncollapse, type ChangePoint, type Coding } from './codings/coding';
export { parseLookitCoding, readLookitCoding, type TimeBase } from './codings/lookit';
export { CODING_HEADER, codingText, frameStartMs, lookitCodingText, trialEndMs } from './codings/lookit-text';
export { parseVcxCoding, readVcxCoding, type VcxOptions } from './codings/vcx';
export { codingFormatOf, readHumanCoding, type CodingFormat, type ReadCodingOptions } from './codings/read-coding';
export { parseDelimited, requireColumns, type Table } from './delimited';

// iCatcher+'s outputs (icatcher-plus.md §12.3): raw_output, compressed, ui.
export { machineCodingOf, parseMachineAnswers, parseMachineText, readMachineAnswers, readMachineCoding, type MachineAnswers, type MachineCoding } from './icatcher/read-output';
export {
  fixIllegalTransitionsAt,
  IllegalTransitionsError,
  parseIllegalTransitions,
  readIllegalTransitions,
  smoothAnswers,
  TransitionSmoother,
  type IllegalTransition,
  type IllegalTransitions,
  type SmoothedFrame,
} from './icatcher/illegal-transitions';
export {
  OUTPUT_FORMATS,
  RAW_OUTPUT_SUFFIX,
  outputPath,
  rawOutputText,
  refuseExisting,
  uiLabelsText,
  videoStem,
  writeCompressed,
  writeRawOutput,
  type LabelOptions,
  type OutputFormat,
  type VideoAnswers,
} from './icatcher/write-output';
export { formatFixed2, formatGeneral2 } from './icatcher/python-format';

// The packed dataset's manifest.json (docs/dataset-format.md).
export {
  DATASET_FORMAT,
  DATASET_VERSION,
  SPLITS,
  manifestPath,
  parseManifest,
  readDatasetManifest,
  readManifest,
  settingsMismatch,
  trainingVideos,
  writeManifest,
  type DatasetSettings,
  type DoneVideo,
  type FailedVideo,
  type Manifest,
  type Split,
  type TrainingVideo,
  type VideoEntry,
  type VideoStats,
} from './dataset/manifest';

// The run folder of `gazecoder train` (config.json, metrics.jsonl) and train()'s events: one schema.
export {
  RUN_FILES,
  epochMetricsSchema,
  metricsLineSchema,
  runConfigSchema,
  stepMetricsSchema,
  trainDoneEventSchema,
  trainEpochEventSchema,
  trainEventSchema,
  trainStartEventSchema,
  trainStepEventSchema,
  type EpochMetrics,
  type MetricsLine,
  type PerClass,
  type RunConfig,
  type StepMetrics,
  type TrainDoneEvent,
  type TrainEpochEvent,
  type TrainEvent,
  type TrainStartEvent,
  type TrainStepEvent,
} from './run/run-folder';
