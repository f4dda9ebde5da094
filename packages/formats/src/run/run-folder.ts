// The run folder of `gazecoder train --out` and the events of train(): one schema for what the native
// core writes (native/core/src/train: config.json, metrics.jsonl) and posts (native/binding/
// train_values.cc), from which the TypeScript types are derived. Strict objects, so that a field the
// core renames or adds fails the contract test (test/run-folder-contract.test.ts) instead of a chart.
import { z } from 'zod';

/** A number as JSON carries it; the core writes a non-finite metric as null. */
const metric = z.number().nullable();
/** A number as the addon posts it to JS: NaN and ±Infinity pass (a diverged loss is still reported). */
const real = z.custom<number>((value) => typeof value === 'number', 'expected a number');
const count = z.int().nonnegative();
const perClass = <T extends z.ZodType>(item: T) => z.tuple([item, item, item]);

/** The file names of a run folder. */
export const RUN_FILES = {
  config: 'config.json',
  metrics: 'metrics.jsonl',
  last: 'last.pth',
  best: 'best.pth',
} as const;

const sgd = z.strictObject({ name: z.literal('sgd'), lr: z.number(), weightDecay: z.number(), momentum: z.number(), foreach: z.boolean() });
const adam = z.strictObject({ name: z.literal('adam'), lr: z.number(), weightDecay: z.number(), betas: z.tuple([z.number(), z.number()]), eps: z.number(), foreach: z.boolean() });

/** What a run found in the dataset: in config.json's `data` and in the start event. */
const datasetCounts = {
  trainVideos: count,
  valVideos: count,
  /** training samples (windows of 5 frames) per epoch */
  trainWindows: count,
  valWindows: count,
  trainClassCounts: perClass(count),
  valClassCounts: perClass(count),
  batchesPerEpoch: count,
};

/** config.json: the settings a run was started with, and what it found in the dataset. */
export const runConfigSchema = z.strictObject({
  dataset: z.string(),
  /** side of the square face crops */
  imageSize: z.int().positive(),
  out: z.string(),
  arch: z.string(),
  device: z.string(),
  pretrained: z.string().nullable(),
  init: z.string().nullable(),
  batchSize: z.int().positive(),
  epochs: z.int().positive(),
  earlyStopping: count,
  seed: count,
  workers: count,
  logEvery: z.int().positive(),
  checkpointEvery: count,
  optimizer: z.discriminatedUnion('name', [sgd, adam]),
  scheduler: z.strictObject({
    name: z.literal('ReduceLROnPlateau'),
    mode: z.literal('min'),
    monitor: z.literal('valLoss'),
    factor: z.number(),
    patience: count,
    threshold: z.number(),
    thresholdMode: z.literal('rel'),
    cooldown: count,
    minLr: z.number(),
  }),
  amp: z.enum(['off', 'fp16', 'bf16']),
  channelsLast: z.boolean(),
  cudnnBenchmark: z.boolean(),
  cudaGraphs: z.boolean(),
  distributed: z.strictObject({ worldSize: z.int().positive(), backend: z.string().nullable(), syncBatchNorm: z.boolean() }),
  samples: z.strictObject({
    windowSize: z.int().positive(),
    stride: z.int().positive(),
    framesPerSample: z.int().positive(),
    eliminateTransitions: z.boolean(),
    useMutuallyAgreed: z.boolean(),
    /** windows per clip of shared-frame training (1: per window); absent in runs before it existed */
    sharedFrames: z.int().positive().default(1),
  }),
  /** the image encoder's BatchNorm in eval mode while training (--freeze-encoder-bn) */
  freezeEncoderBatchNorm: z.boolean().default(false),
  augmentation: z.strictObject({
    colorJitter: z.strictObject({ brightness: z.number(), contrast: z.number(), saturation: z.number(), hue: z.number() }),
    horizontalFlip: z.boolean(),
    normalize: z.strictObject({ mean: z.tuple([z.number(), z.number(), z.number()]), std: z.tuple([z.number(), z.number(), z.number()]) }),
  }),
  data: z.strictObject(datasetCounts),
  torchVersion: z.string(),
});
export type RunConfig = z.infer<typeof runConfigSchema>;

/** A metrics.jsonl line every logEvery steps: the mean loss since the last one. */
export const stepMetricsSchema = z.strictObject({
  type: z.literal('step'),
  epoch: z.int().positive(),
  step: z.int().positive(),
  batch: z.int().positive(),
  loss: metric,
  lr: z.number(),
  samplesPerSecond: metric,
});

/**
 * An epoch's results, as metrics.jsonl writes them after each validation and as the epoch event posts
 * them: `value` types the metrics (JSON has null for a non-finite one), `plain` the rate and times.
 */
function epochResults<V extends z.ZodType, P extends z.ZodType>(value: V, plain: P) {
  return {
    type: z.literal('epoch'),
    epoch: z.int().positive(),
    step: count,
    trainLoss: value,
    trainAccuracy: value,
    valLoss: value,
    valAccuracy: value,
    /** validation accuracy per true class; null for a class without validation windows */
    valClassAccuracy: perClass(value.nullable()),
    /** valConfusion[true][predicted] window counts */
    valConfusion: perClass(perClass(count)),
    /** the learning rate for the next epoch (after ReduceLROnPlateau) */
    lr: plain,
    /** this epoch has the highest validation accuracy so far, and best.pth now holds its weights */
    isBest: z.boolean(),
    bestEpoch: z.int().positive(),
    bestValAccuracy: value,
    trainSeconds: plain,
    valSeconds: plain,
    /** training windows per second over the epoch */
    samplesPerSecond: value,
  };
}

/** A metrics.jsonl line after each validation. */
export const epochMetricsSchema = z.strictObject(epochResults(metric, z.number()));

/** One line of metrics.jsonl. */
export const metricsLineSchema = z.discriminatedUnion('type', [stepMetricsSchema, epochMetricsSchema]);
export type StepMetrics = z.infer<typeof stepMetricsSchema>;
export type EpochMetrics = z.infer<typeof epochMetricsSchema>;
export type MetricsLine = z.infer<typeof metricsLineSchema>;

/** The run has set up: what it trains, on what, from where. */
export const trainStartEventSchema = z.strictObject({
  type: z.literal('start'),
  device: z.string(),
  arch: z.string(),
  /** `off`, `fp16` or `bf16` */
  amp: z.enum(['off', 'fp16', 'bf16']),
  channelsLast: z.boolean(),
  parameterCount: count,
  ...datasetCounts,
  epochs: z.int().positive(),
  /** 1-based epoch the run starts in (> 1 when resuming) */
  startEpoch: z.int().positive(),
  /** batches of startEpoch already done (resuming mid-epoch) */
  startBatch: count,
  workers: count,
  configPath: z.string(),
  /** this process in a data-parallel job (0 and 1 for a single process) */
  rank: count,
  worldSize: z.int().positive(),
  /** the job's c10d backend (`gloo`, `nccl`); null for a single process */
  backend: z.string().nullable(),
});

/** One optimizer step. */
export const trainStepEventSchema = z.strictObject({
  type: z.literal('step'),
  /** 1-based */
  epoch: z.int().positive(),
  /** steps taken so far, this one included */
  step: z.int().positive(),
  /** 1-based within the epoch */
  batch: z.int().positive(),
  batches: z.int().positive(),
  loss: real,
  lr: real,
  /** training windows per second, smoothed over recent steps (data loading included) */
  samplesPerSecond: real,
  stepsPerSecond: real,
  /** the fp16 loss scale; null without fp16 */
  lossScale: real.nullable(),
  /** an fp16 step skipped because of inf/NaN gradients */
  skipped: z.boolean(),
});

/** An epoch has been trained and validated; its checkpoints are written. */
export const trainEpochEventSchema = z.strictObject({
  ...epochResults(real, real),
  lastCheckpoint: z.string(),
  bestCheckpoint: z.string(),
});

/** The run has ended; always the last event. */
export const trainDoneEventSchema = z.strictObject({
  type: z.literal('done'),
  /** `completed` (all epochs), `early-stopped`, or `aborted` (stopped; last.pth can be resumed) */
  reason: z.enum(['completed', 'early-stopped', 'aborted']),
  /** epochs completed */
  epochs: count,
  steps: count,
  /** null when no epoch completed */
  bestEpoch: z.int().positive().nullable(),
  bestValAccuracy: real.nullable(),
  lastCheckpoint: z.string(),
  bestCheckpoint: z.string().nullable(),
});

/** An event of train(), in the order start, step…, epoch…, done. */
export const trainEventSchema = z.discriminatedUnion('type', [trainStartEventSchema, trainStepEventSchema, trainEpochEventSchema, trainDoneEventSchema]);

/** Per class: [away, left, right]. */
export type PerClass<T> = [T, T, T];
export type TrainStartEvent = z.infer<typeof trainStartEventSchema>;
export type TrainStepEvent = z.infer<typeof trainStepEventSchema>;
export type TrainEpochEvent = z.infer<typeof trainEpochEventSchema>;
export type TrainDoneEvent = z.infer<typeof trainDoneEventSchema>;
export type TrainEvent = z.infer<typeof trainEventSchema>;
