// The events of a training run, as the native core reports them (native/binding/train_values.cc).

/** Per class: [away, left, right]. */
export type PerClass<T> = [T, T, T];

/** The run has set up: what it trains, on what, from where. */
export interface TrainStartEvent {
  type: 'start';
  device: string;
  arch: string;
  /** `off`, `fp16` or `bf16`. */
  amp: string;
  channelsLast: boolean;
  parameterCount: number;
  trainVideos: number;
  valVideos: number;
  /** Training samples (windows of 5 frames) per epoch. */
  trainWindows: number;
  valWindows: number;
  trainClassCounts: PerClass<number>;
  valClassCounts: PerClass<number>;
  batchesPerEpoch: number;
  epochs: number;
  /** 1-based epoch the run starts in (> 1 when resuming). */
  startEpoch: number;
  /** Batches of startEpoch already done (resuming mid-epoch). */
  startBatch: number;
  workers: number;
  configPath: string;
  /** This process in a data-parallel job (0 and 1 for a single process). */
  rank: number;
  worldSize: number;
  /** The job's c10d backend (`gloo`, `nccl`); null for a single process. */
  backend: string | null;
}

/** One optimizer step. */
export interface TrainStepEvent {
  type: 'step';
  /** 1-based. */
  epoch: number;
  /** Steps taken so far, this one included. */
  step: number;
  /** 1-based within the epoch. */
  batch: number;
  batches: number;
  loss: number;
  lr: number;
  /** Training windows per second, smoothed over recent steps (data loading included). */
  samplesPerSecond: number;
  stepsPerSecond: number;
  /** The fp16 loss scale; null without fp16. */
  lossScale: number | null;
  /** An fp16 step skipped because of inf/NaN gradients. */
  skipped: boolean;
}

/** An epoch has been trained and validated; its checkpoints are written. */
export interface TrainEpochEvent {
  type: 'epoch';
  epoch: number;
  step: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number;
  valAccuracy: number;
  /** Validation accuracy per true class; null for a class without validation windows. */
  valClassAccuracy: PerClass<number | null>;
  /** valConfusion[true][predicted] window counts. */
  valConfusion: PerClass<PerClass<number>>;
  /** The learning rate for the next epoch (after ReduceLROnPlateau). */
  lr: number;
  /** This epoch has the highest validation accuracy so far, and best.pth now holds its weights. */
  isBest: boolean;
  bestEpoch: number;
  bestValAccuracy: number;
  trainSeconds: number;
  valSeconds: number;
  /** Training windows per second over the epoch. */
  samplesPerSecond: number;
  lastCheckpoint: string;
  bestCheckpoint: string;
}

/** The run has ended; always the last event. */
export interface TrainDoneEvent {
  type: 'done';
  /** `completed` (all epochs), `early-stopped`, or `aborted` (stopped; last.pth can be resumed). */
  reason: 'completed' | 'early-stopped' | 'aborted';
  /** Epochs completed. */
  epochs: number;
  steps: number;
  /** null when no epoch completed. */
  bestEpoch: number | null;
  bestValAccuracy: number | null;
  lastCheckpoint: string;
  bestCheckpoint: string | null;
}

export type TrainEvent = TrainStartEvent | TrainStepEvent | TrainEpochEvent | TrainDoneEvent;

/** What the addon posts: an event, or the error that ended the run. */
export type NativeTrainMessage = TrainEvent | { type: 'error'; message: string };
