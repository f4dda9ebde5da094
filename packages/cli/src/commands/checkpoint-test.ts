import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { Option, type Command } from 'commander';
import type { ClassificationMetrics } from '@gazecoder/evaluate';
import { GAZE_CLASSES } from '@gazecoder/formats';
import { readTrainingHistory, writeJsonFile, writeReport, METRICS_FILE, type ReportData } from '@gazecoder/report';
import { checkArchitecture, type DatasetSplit } from '@gazecoder/torch';

import { scoreCheckpoint } from '../evaluation/score-checkpoint';
import { positiveInteger } from '../flags';

interface TestFlags {
  split: DatasetSplit;
  arch?: string;
  device: string;
  batchSize?: number;
  workers?: number;
  json?: string;
  report?: string;
  verifyCrc: boolean;
}

/** The metrics as `gazecoder test` prints them. */
export function metricsText(m: ClassificationMetrics): string {
  const rows = m.perClass.map((c, i) => `  ${(GAZE_CLASSES[i] ?? String(i)).padEnd(6)} precision ${c.precision.toFixed(3)}  recall ${c.recall.toFixed(3)}  F1 ${c.f1.toFixed(3)}  windows ${c.support}`);
  const confusion = m.confusion.map((row, i) => `  ${(GAZE_CLASSES[i] ?? String(i)).padEnd(6)} ${row.map((n) => String(n).padStart(7)).join('')}`);
  return [
    `windows ${m.samples}: accuracy ${(100 * m.accuracy).toFixed(2)} %, Cohen's kappa ${m.cohensKappa.toFixed(3)}, macro F1 ${m.macro.f1.toFixed(3)}`,
    ...rows,
    `confusion (rows true, columns predicted ${GAZE_CLASSES.join(' / ')}):`,
    ...confusion,
  ].join('\n');
}

async function runTest(checkpoint: string, dataset: string, flags: TestFlags): Promise<void> {
  if (flags.arch !== undefined) checkArchitecture(flags.arch);
  const { arch, device, metrics, videos } = await scoreCheckpoint({ checkpoint, dataset, split: flags.split, arch: flags.arch, device: flags.device, batchSize: flags.batchSize, workers: flags.workers, verifyCrc: flags.verifyCrc });
  if (flags.json) {
    await writeJsonFile(flags.json, { checkpoint, dataset, split: flags.split, arch, device, metrics, videos });
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
    .option('--no-verify-crc', 'skip the CRC-32 check of every zip record of the weights file (faster on a file known to be intact; default: a damaged file is refused)')
    .option('--json <file>', 'write the metrics and per-video accuracy as JSON')
    .option('--report <file.html>', "write a self-contained HTML report (with the run's training curves when metrics.jsonl is beside the checkpoint)")
    .action(runTest);
}
