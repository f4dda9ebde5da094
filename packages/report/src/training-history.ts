// A training run's metrics.jsonl (written by `gazecoder train`; its schema is @gazecoder/formats'
// run-folder schema): one JSON object per line, `type: "epoch"` after each validation and
// `type: "step"` every logEvery steps. Read leniently, field by field, so that a run of an older
// gazecoder or a hand-made log still plots what it has.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { type EpochMetrics, RUN_FILES, type StepMetrics } from '@gazecoder/formats';

import type { EpochRecord, StepRecord, TrainingHistory } from './report-data';

/** The file a run folder keeps its metrics in. */
export const METRICS_FILE: string = RUN_FILES.metrics;

// Named by the schema, so that a field renamed there fails to compile here.
const EPOCH_FIELDS = ['trainLoss', 'valLoss', 'trainAccuracy', 'valAccuracy', 'lr', 'samplesPerSecond'] as const satisfies readonly (keyof EpochMetrics)[];
const STEP_FIELDS = ['epoch', 'lr', 'samplesPerSecond'] as const satisfies readonly (keyof StepMetrics)[];

/** A metrics.jsonl line as parsed: the schema's field names, each of any type until checked. */
type Json = Partial<Record<keyof EpochMetrics | keyof StepMetrics, unknown>>;

/** A finite number, or undefined (null stands for a non-finite value in metrics.jsonl). */
function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function isMatrix(value: unknown): value is number[][] {
  return Array.isArray(value) && value.every((row) => Array.isArray(row) && row.every((v) => typeof v === 'number'));
}

function epochRecord(line: Json): EpochRecord {
  const record: EpochRecord = { epoch: line.epoch as number };
  if (typeof line.step === 'number') record.step = line.step;
  for (const field of EPOCH_FIELDS) {
    const v = finite(line[field]);
    if (v !== undefined) record[field] = v;
  }
  if (isMatrix(line.valConfusion)) record.valConfusion = line.valConfusion;
  if (typeof line.isBest === 'boolean') record.isBest = line.isBest;
  return record;
}

function stepRecord(line: Json): StepRecord {
  const record: StepRecord = { step: line.step as number, loss: finite(line.loss) ?? NaN };
  for (const field of STEP_FIELDS) {
    const v = finite(line[field]);
    if (v !== undefined) record[field] = v;
  }
  return record;
}

/**
 * Parses metrics.jsonl text. Epoch lines are `type: "epoch"` (or untyped lines with a numeric `epoch`
 * and an epoch metric); step lines `type: "step"` with a numeric `step`. Other lines are skipped. An epoch
 * logged twice (a resumed run redoes an interrupted epoch) keeps its last line.
 */
export function parseTrainingMetrics(text: string, source = METRICS_FILE): TrainingHistory {
  const epochs = new Map<number, EpochRecord>();
  const steps = new Map<number, StepRecord>();
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === '') return;
    let line: unknown;
    try {
      line = JSON.parse(raw);
    } catch (error) {
      throw new Error(`${source}:${i + 1}: not a JSON object: ${(error as Error).message}`);
    }
    if (typeof line !== 'object' || line === null || Array.isArray(line)) throw new Error(`${source}:${i + 1}: not a JSON object`);
    const fields = line as Json;
    const hasEpochMetric = EPOCH_FIELDS.some((f) => f in fields && f !== 'lr' && f !== 'samplesPerSecond');
    if (typeof fields.epoch === 'number' && (fields.type === 'epoch' || (fields.type === undefined && hasEpochMetric))) {
      epochs.set(fields.epoch, epochRecord(fields));
    } else if (fields.type === 'step' && typeof fields.step === 'number') {
      steps.set(fields.step, stepRecord(fields));
    }
  });
  return {
    source,
    epochs: [...epochs.values()].sort((a, b) => a.epoch - b.epoch),
    steps: [...steps.values()].sort((a, b) => a.step - b.step),
  };
}

/** Reads `<runDir>/metrics.jsonl`; the error names the file and says what a run folder is. */
export async function readTrainingHistory(runDir: string): Promise<TrainingHistory> {
  const path = join(runDir, METRICS_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path}: no such file; is ${runDir} a training run folder (gazecoder train --out)?` : `${path}: ${(error as Error).message}`);
  }
  return parseTrainingMetrics(text, path);
}
