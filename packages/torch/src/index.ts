export { runtimeInfo, setThreads, type RuntimeInfo } from './runtime';
export { selfTest, type SelfTestOptions, type SelfTestResult } from './self-test';
export { defaultThreads } from './native';
export { Model, type ModelSpec, type WeightsReport, type StateEntry, type Dtype } from './model';
export { readNpy, writeNpy } from './npy';
export { numel, type Tensor } from './tensor';
export { train, type TrainOptions, type TrainingRun } from './train';
export type { TrainEvent, TrainStartEvent, TrainStepEvent, TrainEpochEvent, TrainDoneEvent, PerClass } from './train-events';
export { readDatasetManifest, trainingVideos, type DatasetManifest, type ManifestVideo, type TrainingVideo } from './dataset';
