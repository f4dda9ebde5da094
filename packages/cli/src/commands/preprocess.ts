import { InvalidArgumentError, type Command } from 'commander';
import { FACE_SELECTIONS, formatDatasetStats, preprocess, type FaceSelection, type PreprocessSummary, type SplitPolicy } from '@gazecoder/preprocess';
import { JsonLinesProgress, TerminalProgress } from '@gazecoder/progress';

import { addDetectorOptions, detectorFromFlags, type DetectorFlags } from '../detector-flags';
import { positiveInteger } from '../flags';

interface PreprocessFlags extends DetectorFlags {
  jobs?: number;
  split: string;
  splitFile?: string;
  seed: number;
  valPercent: number;
  imageSize: number;
  faceSelection: string;
  allFrames?: boolean;
  exportIcatcherLayout?: boolean;
  metadata?: string;
  keepGoing?: boolean;
  json?: boolean;
}

function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new InvalidArgumentError(`--seed must be an integer in [0, 2**32), got '${value}'`);
  return n;
}

function fraction(value: string): number {
  const p = Number(value);
  if (!(p >= 0 && p <= 1)) throw new InvalidArgumentError(`--val-percent must be a fraction in [0, 1], got '${value}'`);
  return p;
}

function splitPolicy(flags: PreprocessFlags): SplitPolicy {
  if (flags.splitFile) {
    if (flags.split !== 'which-dataset') throw new Error('--split-file and --split exclude each other');
    return { kind: 'file', path: flags.splitFile };
  }
  if (flags.split === 'which-dataset') return { kind: 'which-dataset' };
  if (flags.split === 'icatcher') return { kind: 'icatcher', seed: flags.seed, valPercent: flags.valPercent };
  throw new Error(`--split must be which-dataset or icatcher, got '${flags.split}' (or give --split-file)`);
}

function describe(summary: PreprocessSummary): string {
  const lines = [`dataset ${summary.dataset}: ${summary.processed.length} video(s) processed, ${summary.alreadyDone.length} already done, ${summary.failed.length} failed`];
  for (const f of summary.failed) lines.push(`  FAILED ${f.id}: ${f.error}`);
  if (summary.excluded.length > 0) {
    lines.push(`${summary.excluded.length} video(s) left out:`);
    for (const e of summary.excluded) lines.push(`  ${e.id}: ${e.reason}`);
  }
  lines.push('', formatDatasetStats(summary.stats));
  return lines.join('\n');
}

async function runPreprocessCommand(raw: string, out: string, flags: PreprocessFlags): Promise<void> {
  if (!(FACE_SELECTIONS as readonly string[]).includes(flags.faceSelection)) {
    throw new Error(`--face-selection must be one of ${FACE_SELECTIONS.join(', ')}, got '${flags.faceSelection}'`);
  }
  const summary = await preprocess({
    raw,
    out,
    detector: detectorFromFlags(flags),
    imageSize: flags.imageSize,
    faceSelection: flags.faceSelection as FaceSelection,
    split: splitPolicy(flags),
    ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
    allFrames: flags.allFrames ?? false,
    exportIcatcherLayout: flags.exportIcatcherLayout ?? false,
    ...(flags.metadata ? { metadata: flags.metadata } : {}),
    // Bars for a person at a terminal, JSON lines for logs and programs; both on stderr.
    progress: process.stderr.isTTY ? new TerminalProgress(process.stderr) : new JsonLinesProgress(process.stderr),
  });
  process.stdout.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : `${describe(summary)}\n`);
  if (summary.failed.length > 0 && !flags.keepGoing) {
    process.stderr.write(`gazecoder: ${summary.failed.length} video(s) failed; the others are in the dataset (--keep-going exits 0 anyway)\n`);
    process.exitCode = 1;
  }
}

export function registerPreprocessCommand(program: Command): void {
  addDetectorOptions(
    program
      .command('preprocess')
      .description('turn annotated videos (Lookit layout, or a CSV of videos) into the packed face-crop dataset, in parallel and resumably')
      .argument('<raw>', 'a Lookit folder (videos/, annotations/coder1|coder2/, the metadata TSV) or a CSV with columns video,coder1[,coder2,id,child,split,video_start]')
      .argument('<out>', 'the dataset folder; a second run resumes it, skipping finished videos')
      .option('--jobs <n>', 'videos processed in parallel (default: one per core)', positiveInteger('--jobs'))
      .option('--split <policy>', 'which-dataset (1_train/1_validate/2_test) or icatcher (random validation as preprocess.py)', 'which-dataset')
      .option('--split-file <file>', 'explicit splits: JSON {"train": [ids], "val": [...], "test": [...]} or CSV id,split')
      .option('--seed <n>', 'seed of --split icatcher', nonNegativeInteger, 43)
      .option('--val-percent <p>', 'validation share of --split icatcher', fraction, 0.2)
      .option('--image-size <n>', 'side of the square RGB crops', positiveInteger('--image-size'), 100)
      .option('--face-selection <policy>', 'lowest (iCatcher+ preprocessing), score (iCatcher+ CLI) or track (nearest the previous pick)', 'lowest')
      .option('--all-frames', 'detect faces on every frame, not only on frames coder 1 labelled')
      .option('--export-icatcher-layout', "also write iCatcher+'s faces/<vid>/img|box + label arrays and its coding lists")
      .option('--metadata <tsv>', 'Lookit metadata TSV (default <raw>/prephys_split0_videos_detailed.tsv)')
      .option('--keep-going', 'exit 0 even when some videos failed')
      .option('--json', 'print the summary (with statistics) as JSON'),
  ).action(runPreprocessCommand);
}
