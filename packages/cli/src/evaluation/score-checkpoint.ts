// What `gazecoder test` computes, as a function (the demo calls it too): a checkpoint's window
// predictions on a packed dataset split, scored.
import { existsSync } from 'node:fs';

import { classificationMetrics, type ClassificationMetrics } from '@gazecoder/evaluate';
import { Model, runModelSettings, type DatasetSplit, type WindowPredictions } from '@gazecoder/torch';

export interface ScoreOptions {
  checkpoint: string;
  dataset: string;
  split: DatasetSplit;
  /** default: the run's config.json, else regnet_y_16gf */
  arch?: string;
  device?: string;
  batchSize?: number;
  workers?: number;
  /** check the CRC-32 of every zip record of the checkpoint (default true) */
  verifyCrc?: boolean;
}

export interface CheckpointScore {
  arch: string;
  device: string;
  metrics: ClassificationMetrics;
  /** window accuracy per video */
  videos: Array<{ id: string; windows: number; accuracy: number }>;
}

/** Window accuracy per video, for spotting the videos a model gets wrong. */
function perVideo(p: WindowPredictions): CheckpointScore['videos'] {
  return p.videos.map((id, v) => {
    let windows = 0;
    let correct = 0;
    p.video.forEach((w, i) => {
      if (w !== v) return;
      windows += 1;
      if (p.label[i] === p.predicted[i]) correct += 1;
    });
    return { id, windows, accuracy: windows === 0 ? NaN : correct / windows };
  });
}

/** The loader's message (one line per bad key) cut to its head, with what to check. */
function weightsError(checkpoint: string, arch: string, message: string, archGiven: boolean): string {
  const lines = message.split('\n');
  const head = lines.slice(0, 6).join('\n');
  const more = lines.length > 6 ? `\n… and ${lines.length - 6} more` : '';
  const hint = /is corrupt \(CRC-32 /.test(lines[0] ?? '') ? 'the file is damaged: copy it again'
    : archGiven ? `is ${checkpoint} a ${arch} gaze model?` : `no config.json beside ${checkpoint} names its architecture; give --arch`;
  return `${message.includes(checkpoint) ? '' : `${checkpoint}: `}${head}${more}\n(${hint})`;
}

/** Runs `o.checkpoint` on the windows of `o.split`, built as training builds them, and scores it. */
export async function scoreCheckpoint(o: ScoreOptions): Promise<CheckpointScore> {
  const { checkpoint, dataset, split } = o;
  if (!existsSync(checkpoint)) throw new Error(`${checkpoint}: no such checkpoint`);
  const run = runModelSettings(checkpoint);
  const arch = o.arch ?? run.arch ?? 'regnet_y_16gf';
  await using model = await Model.create({ arch, kind: 'gaze', init: 'skip', device: o.device ?? 'auto', ...(run.windowSize && run.stride ? { window: Math.floor((run.windowSize + 1) / run.stride) } : {}) });
  try {
    await model.loadWeights(checkpoint, { verifyCrc: o.verifyCrc ?? true });
  } catch (error) {
    throw new Error(weightsError(checkpoint, arch, (error as Error).message, o.arch !== undefined || run.arch !== undefined));
  }
  const predictions = await model.predictWindows({
    dataset,
    split,
    ...(run.windowSize ? { windowSize: run.windowSize } : {}),
    ...(run.stride ? { stride: run.stride } : {}),
    ...(run.mean ? { mean: run.mean } : {}),
    ...(run.std ? { std: run.std } : {}),
    ...(o.batchSize ? { batchSize: o.batchSize } : {}),
    ...(o.workers ? { workers: o.workers } : {}),
  });
  if (predictions.label.length === 0) throw new Error(`${dataset}: the ${split} split has no window (9 consecutive frames with a face and a coder-1 label)`);
  return { arch, device: model.device, metrics: classificationMetrics(predictions.label, predictions.predicted), videos: perVideo(predictions) };
}
