// What a report can show. Every section is optional and appears only when its data is given.
import type { ClassificationMetrics, ComparisonSummary } from '@gazecoder/evaluate';

/** One validated epoch of a training run (metrics.jsonl `type: "epoch"` lines). */
export interface EpochRecord {
  epoch: number;
  /** optimizer steps taken when the epoch ended */
  step?: number;
  trainLoss?: number;
  valLoss?: number;
  trainAccuracy?: number;
  valAccuracy?: number;
  /** the learning rate after the epoch */
  lr?: number;
  /** training windows per second over the epoch */
  samplesPerSecond?: number;
  /** valConfusion[true][predicted] */
  valConfusion?: number[][];
  isBest?: boolean;
}

/** A logged optimizer step (metrics.jsonl `type: "step"` lines). */
export interface StepRecord {
  step: number;
  epoch?: number;
  loss: number;
  lr?: number;
  samplesPerSecond?: number;
}

export interface TrainingHistory {
  /** where it was read from (shown in the report) */
  source: string;
  epochs: EpochRecord[];
  steps: StepRecord[];
}

/** Session-level reliability values of one video and one comparison. */
export interface VideoScores {
  percentAgreement: number;
  cohensKappa: number;
  iccLookingTime: number;
  iccProportionRight: number;
}

export interface VideoAgreement {
  id: string;
  humanHuman?: VideoScores;
  humanMachine?: VideoScores;
}

/** Human–human and human–machine reliability over videos (`gazecoder eval`). */
export interface AgreementReport {
  videos: VideoAgreement[];
  humanHuman?: ComparisonSummary;
  humanMachine?: ComparisonSummary;
}

/** Window-level results of a classifier on a labelled split (`gazecoder test`). */
export interface ClassificationReport {
  /** what was classified, e.g. "test split of data/lookit" */
  label: string;
  metrics: ClassificationMetrics;
}

export interface ReportData {
  title: string;
  /** a line under the title: the command, inputs, date */
  subtitle?: string;
  training?: TrainingHistory;
  agreement?: AgreementReport;
  classification?: ClassificationReport;
}
