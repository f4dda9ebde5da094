// `gazecoder demo`: the whole pipeline on embedded defaults — synthetic Lookit videos, preprocessing,
// training with best-epoch selection, test-split scoring, annotating a test video in iCatcher+'s
// formats and comparing it with both coders, and the HTML report. Every stage calls the function
// behind its command.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

import { annotateVideos } from '@gazecoder/annotate';
import { preprocess } from '@gazecoder/preprocess';
import { readTrainingHistory, writeReport } from '@gazecoder/report';
import { synthesize, videoName, type SynthSummary } from '@gazecoder/synth';
import type { TrainDoneEvent } from '@gazecoder/formats';
import { runtimeInfo, train } from '@gazecoder/torch';

import { splitCounts } from '../commands/synth';
import { agreementReport, evaluateFolders, type FolderEvaluation } from '../evaluation/evaluate-folders';
import { scoreCheckpoint, type CheckpointScore } from '../evaluation/score-checkpoint';
import { FULL_DEMO, SMALL_DEMO, type DemoConfig } from './demo-config';
import { VideoLines } from './preprocess-lines';
import { StageLog } from './stage-log';

/** Marks a folder as the demo's own, so that a rerun may clear it. */
const MARKER = '.gazecoder-demo';

export interface DemoOptions {
  out: string;
  /** regnet_y_16gf at batch 64 on CUDA instead of the small CPU configuration */
  full?: boolean;
  /** replaces the embedded configuration (tests) */
  config?: DemoConfig;
  /** where the log lines go (default: stdout) */
  write?: (line: string) => void;
}

export interface DemoResult {
  config: DemoConfig['name'];
  out: string;
  training: TrainDoneEvent;
  test: CheckpointScore;
  /** the annotated test video and its output files */
  annotated: { video: string; outputs: string[]; evaluation: FolderEvaluation };
  report: string;
  seconds: number;
}

/** Creates `out`, or clears it when an earlier demo made it; refuses any other non-empty folder. */
async function prepareOut(out: string): Promise<void> {
  if (existsSync(out) && readdirSync(out).length > 0) {
    if (!existsSync(join(out, MARKER))) throw new Error(`--out ${out}: exists and holds files the demo did not write; choose another folder`);
    await rm(out, { recursive: true, force: true });
  }
  await mkdir(out, { recursive: true });
  await writeFile(join(out, MARKER), 'written by gazecoder demo; removed by the next demo run\n');
}

function checkDevice(config: DemoConfig): void {
  if (!config.train.device.startsWith('cuda')) return;
  const info = runtimeInfo();
  if (!info.cudaAvailable) {
    const why = info.torchBuiltWithCuda ? 'no CUDA device is available' : `this LibTorch (${info.torchVersion}) is a CPU build`;
    throw new Error(`demo --full trains ${config.train.arch} at batch ${config.train.batchSize} on CUDA, but ${why}; run the demo without --full (or build against a CUDA LibTorch: LIBTORCH=… npm run build)`);
  }
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined || Number.isNaN(x) ? '–' : `${(100 * x).toFixed(1)} %`);

async function trainStage(log: StageLog, config: DemoConfig, dataset: string, run: string): Promise<TrainDoneEvent> {
  const t = config.train;
  let done: TrainDoneEvent | undefined;
  for await (const event of train({ dataset, out: run, arch: t.arch, batchSize: t.batchSize, epochs: t.epochs, lr: t.lr, device: t.device, seed: t.seed, horizontalFlip: true })) {
    if (event.type === 'start') log.progress(`${event.parameterCount.toLocaleString('en-US')} parameters on ${event.device}; ${event.trainWindows} training / ${event.valWindows} validation windows, ${event.batchesPerEpoch} batches per epoch`);
    if (event.type === 'epoch')
      log.progress(`epoch ${event.epoch}/${t.epochs}: train loss ${event.trainLoss.toFixed(3)} acc ${pct(event.trainAccuracy)} | val acc ${pct(event.valAccuracy)}${event.isBest ? ' (best so far)' : ''} | ${event.samplesPerSecond.toFixed(0)} windows/s, ${event.trainSeconds.toFixed(0)} s`);
    if (event.type === 'done') done = event;
  }
  if (!done || done.bestCheckpoint === null) throw new Error(`training in ${run} ended without a completed epoch (${done?.reason ?? 'no result'})`);
  return done;
}

/** The first test-split video of the synthetic set (the one the demo annotates). */
function testVideo(summary: SynthSummary, raw: string): string {
  const video = summary.videos.find((v) => v.which === '2_test');
  if (!video) throw new Error(`${raw}: the synthetic set has no 2_test video`);
  return join(raw, 'videos', videoName(video.id));
}

/** Runs the demo, logging each stage; resolves with the headline numbers and the report's path. */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const config = options.config ?? (options.full ? FULL_DEMO : SMALL_DEMO);
  checkDevice(config);
  const out = resolve(options.out);
  await prepareOut(out);
  const log = new StageLog(6, options.write ?? ((line) => process.stdout.write(`${line}\n`)));
  const raw = join(out, 'raw');
  const dataset = join(out, 'dataset');
  const run = join(out, 'run');
  const annotation = join(out, 'annotation');
  const report = join(out, 'report.html');
  log.line(`gazecoder demo (${config.name}): everything goes to ${out}`);

  log.begin('synth', `${config.synth.videos} videos of ${config.synth.seconds} s in the Lookit layout (seed ${config.synth.seed})`);
  const synth = await synthesize({ out: raw, ...config.synth, onVideo: (done, total, id) => log.progress(`video ${done}/${total} ${id}`) });
  log.end(`${raw} (${splitCounts(synth)})`);

  const jobs = Math.min(availableParallelism(), config.synth.videos);
  log.begin('preprocess', `BlazeFace, lowest face, ${config.imageSize} px crops, ${jobs} workers`);
  const prep = await preprocess({ raw, out: dataset, jobs, imageSize: config.imageSize, progress: new VideoLines(log) });
  if (prep.failed.length > 0) throw new Error(`preprocess failed on ${prep.failed.map((f) => `${f.id}: ${f.error}`).join('; ')}`);
  log.end(`${dataset}: ${prep.processed.length} videos, faces on ${pct(prep.stats.total.shares.used)} of the coded frames`);

  log.begin('train', `${config.train.arch}, batch ${config.train.batchSize}, ${config.train.epochs} epochs, Adam lr ${config.train.lr}, horizontal flips, ${config.train.device}`);
  const training = await trainStage(log, config, dataset, run);
  log.end(`best epoch ${training.bestEpoch}: validation accuracy ${pct(training.bestValAccuracy)} -> ${training.bestCheckpoint}`);

  log.begin('test', `${training.bestCheckpoint} on the test split`);
  const test = await scoreCheckpoint({ checkpoint: training.bestCheckpoint as string, dataset, split: 'test', device: config.train.device });
  log.end(`${test.metrics.samples} windows: accuracy ${test.metrics.accuracy.toFixed(4)}, Cohen's kappa ${test.metrics.cohensKappa.toFixed(3)}`);

  const video = testVideo(synth, raw);
  log.begin('annotate', `${video} in iCatcher+'s raw_output, compressed and ui formats`);
  const outputs: string[] = [];
  // one folder per format: `eval` reads one machine coding per video and folder
  for (const format of ['raw_output', 'compressed', 'ui'] as const) {
    const result = await annotateVideos({ source: video, model: training.bestCheckpoint as string, outputDir: join(annotation, format), outputFormats: [format], device: config.train.device });
    if (result.failed.length > 0) throw new Error(`annotate ${video}: ${result.failed[0]?.error}`);
    outputs.push(...result.annotated.flatMap((a) => a.outputs));
  }
  const evaluation = await evaluateFolders({ human1: join(raw, 'annotations', 'coder1'), human2: join(raw, 'annotations', 'coder2'), machine: join(annotation, 'raw_output'), fps: synth.fps, seed: 0, strict: true });
  const session = evaluation.videos[0];
  log.end(`${outputs.join(', ')}; agreement with coder 1: machine ${pct(session?.humanMachine.session.percentAgreement)}, coder 2 ${pct(session?.humanHuman?.session.percentAgreement)}`);

  log.begin('report', report);
  await writeReport(report, {
    title: 'gazecoder demo',
    subtitle: `${config.name} configuration: ${config.synth.videos} synthetic videos, ${config.train.arch}, ${config.train.epochs} epochs`,
    training: await readTrainingHistory(run),
    classification: { label: `test split of ${dataset}, best epoch ${training.bestEpoch}`, metrics: test.metrics },
    agreement: agreementReport(evaluation),
  });
  log.end('a self-contained HTML page');

  log.line(`test accuracy: ${test.metrics.accuracy.toFixed(4)} (${test.metrics.samples} windows), Cohen's kappa ${test.metrics.cohensKappa.toFixed(3)}; best validation accuracy ${training.bestValAccuracy?.toFixed(4)} at epoch ${training.bestEpoch}`);
  log.line(`report: ${report}`);
  log.line(`total: ${log.total()}`);
  return { config: config.name, out, training, test, annotated: { video, outputs, evaluation }, report, seconds: log.elapsedSeconds() };
}
