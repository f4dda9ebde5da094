import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { Option, type Command } from 'commander';
import { classificationMetrics, GAZE_CLASS_NAMES, type ClassificationMetrics } from '@gazecoder/evaluate';
import { readTrainingHistory, writeJsonFile, writeReport, METRICS_FILE, type ReportData } from '@gazecoder/report';
import { Model, runModelSettings, type DatasetSplit, type WindowPredictions } from '@gazecoder/torch';

import { positiveInteger } from '../flags';

interface TestFlags {
  split: DatasetSplit;
  arch?: string;
  device: string;
  batchSize?: number;
  workers?: number;
  json?: string;
  report?: string;
}

/** Window accuracy per video, for spotting the videos a model gets wrong. */
function perVideo(p: WindowPredictions): Array<{ id: string; windows: number; accuracy: number }> {
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
  const hint = archGiven ? `is ${checkpoint} a ${arch} gaze model?` : `no config.json beside ${checkpoint} names its architecture; give --arch`;
  return `${message.includes(checkpoint) ? '' : `${checkpoint}: `}${head}${more}\n(${hint})`;
}

function metricsText(m: ClassificationMetrics): string {
  const rows = m.perClass.map((c, i) => `  ${(GAZE_CLASS_NAMES[i] ?? String(i)).padEnd(6)} precision ${c.precision.toFixed(3)}  recall ${c.recall.toFixed(3)}  F1 ${c.f1.toFixed(3)}  windows ${c.support}`);
  const confusion = m.confusion.map((row, i) => `  ${(GAZE_CLASS_NAMES[i] ?? String(i)).padEnd(6)} ${row.map((n) => String(n).padStart(7)).join('')}`);
  return [
    `windows ${m.samples}: accuracy ${(100 * m.accuracy).toFixed(2)} %, Cohen's kappa ${m.cohensKappa.toFixed(3)}, macro F1 ${m.macro.f1.toFixed(3)}`,
    ...rows,
    `confusion (rows true, columns predicted ${GAZE_CLASS_NAMES.join(' / ')}):`,
    ...confusion,
  ].join('\n');
}

async function runTest(checkpoint: string, dataset: string, flags: TestFlags): Promise<void> {
  if (!existsSync(checkpoint)) throw new Error(`${checkpoint}: no such checkpoint`);
  const run = runModelSettings(checkpoint);
  const arch = flags.arch ?? run.arch ?? 'regnet_y_16gf';
  await using model = await Model.create({ arch, kind: 'gaze', device: flags.device, ...(run.windowSize && run.stride ? { window: Math.floor((run.windowSize + 1) / run.stride) } : {}) });
  try {
    await model.loadWeights(checkpoint);
  } catch (error) {
    throw new Error(weightsError(checkpoint, arch, (error as Error).message, flags.arch !== undefined || run.arch !== undefined));
  }
  const predictions = await model.predictWindows({
    dataset,
    split: flags.split,
    ...(run.windowSize ? { windowSize: run.windowSize } : {}),
    ...(run.stride ? { stride: run.stride } : {}),
    ...(run.mean ? { mean: run.mean } : {}),
    ...(run.std ? { std: run.std } : {}),
    ...(flags.batchSize ? { batchSize: flags.batchSize } : {}),
    ...(flags.workers ? { workers: flags.workers } : {}),
  });
  if (predictions.label.length === 0) throw new Error(`${dataset}: the ${flags.split} split has no window (9 consecutive frames with a face and a coder-1 label)`);
  const metrics = classificationMetrics(predictions.label, predictions.predicted);
  const videos = perVideo(predictions);
  if (flags.json) {
    await writeJsonFile(flags.json, { checkpoint, dataset, split: flags.split, arch, device: model.device, metrics, videos });
  }
  if (flags.report) {
    const data: ReportData = { title: 'gazecoder test', subtitle: `${checkpoint} on the ${flags.split} split of ${dataset}`, classification: { label: `${flags.split} split of ${dataset}, ${arch}`, metrics } };
    // A checkpoint inside a training run brings the run's curves along.
    if (existsSync(join(dirname(checkpoint), METRICS_FILE))) data.training = await readTrainingHistory(dirname(checkpoint));
    await writeReport(flags.report, data);
  }
  process.stdout.write(`${metricsText(metrics)}\n`);
}

export function registerTestCommand(program: Command): void {
  program
    .command('test')
    .description('window-level accuracy, per-class precision/recall/F1, Cohen\'s kappa and confusion of a checkpoint on a packed dataset split, windows built as training builds them')
    .argument('<checkpoint>', 'weights (.pth): best.pth of a `gazecoder train` run (its config.json gives the architecture), or an iCatcher+ model')
    .argument('<dataset-dir>', 'a dataset written by `gazecoder preprocess`')
    .addOption(new Option('--split <split>', 'which videos').choices(['test', 'val', 'train']).default('test'))
    .option('--arch <name>', "image encoder (default: the run's config.json, else regnet_y_16gf)")
    .option('--device <device>', 'auto, cpu, cuda or cuda:N', 'auto')
    .option('--batch-size <n>', 'windows per forward pass (default 64)', positiveInteger('--batch-size'))
    .option('--workers <n>', 'batch-assembling threads (default 2)', positiveInteger('--workers'))
    .option('--json <file>', 'write the metrics and per-video accuracy as JSON')
    .option('--report <file.html>', "write a self-contained HTML report (with the run's training curves when metrics.jsonl is beside the checkpoint)")
    .action(runTest);
}
