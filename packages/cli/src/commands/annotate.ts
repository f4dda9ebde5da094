// `gazecoder annotate`: iCatcher+'s inference CLI — a checkpoint codes every frame of a video or of
// a folder of videos (raw_output text, compressed .npz, ui folder, optional decorated MP4).
import { OUTPUT_FORMATS, type OutputFormat } from '@gazecoder/formats';
import { annotateVideos, type AnnotateSummary } from '@gazecoder/annotate';
import { FACE_SELECTIONS, type FaceSelection } from '@gazecoder/preprocess';
import { JsonLinesProgress, TerminalProgress } from '@gazecoder/progress';
import { checkArchitecture } from '@gazecoder/torch';
import { InvalidArgumentError, type Command } from 'commander';

import { addDetectorOptions, detectorFromFlags, type DetectorFlags } from '../detector-flags';
import { positiveInteger } from '../flags';

interface AnnotateFlags extends DetectorFlags {
  model: string;
  arch?: string;
  outputDir: string;
  outputFormat: OutputFormat[];
  onOff?: boolean;
  mirrorAnnotation?: boolean;
  overwrite?: boolean;
  outputVideo?: string;
  device: string;
  batchSize?: number;
  faceSelection: string;
  json?: boolean;
  verifyCrc: boolean;
}

/** `--output-format a,b` or the flag repeated: each one of raw_output, compressed, ui. */
function formats(value: string, previous: OutputFormat[] | undefined): OutputFormat[] {
  const out = [...(previous ?? [])];
  for (const name of value.split(',').map((s) => s.trim())) {
    if (!(OUTPUT_FORMATS as readonly string[]).includes(name)) throw new InvalidArgumentError(`--output-format must be ${OUTPUT_FORMATS.join(', ')} (or several, comma-separated), got '${name}'`);
    if (!out.includes(name as OutputFormat)) out.push(name as OutputFormat);
  }
  return out;
}

function describe(summary: AnnotateSummary): string {
  const lines = summary.annotated.map((v) => `${v.video}: ${v.frames} frames, ${v.faces} with a face -> ${v.outputs.join(', ')}`);
  for (const f of summary.failed) lines.push(`FAILED ${f.video}: ${f.error}`);
  lines.push(`${summary.annotated.length} video(s) annotated, ${summary.failed.length} failed (${summary.arch}, ${summary.imageSize} px crops, on ${summary.device})`);
  return lines.join('\n');
}

async function runAnnotate(source: string, flags: AnnotateFlags): Promise<void> {
  if (flags.arch !== undefined) checkArchitecture(flags.arch);
  if (!(FACE_SELECTIONS as readonly string[]).includes(flags.faceSelection)) throw new Error(`--face-selection must be one of ${FACE_SELECTIONS.join(', ')}, got '${flags.faceSelection}'`);
  const summary = await annotateVideos({
    source,
    model: flags.model,
    ...(flags.arch ? { arch: flags.arch } : {}),
    outputDir: flags.outputDir,
    outputFormats: flags.outputFormat ?? ['raw_output'],
    onOff: flags.onOff ?? false,
    mirrorAnnotation: flags.mirrorAnnotation ?? false,
    overwrite: flags.overwrite ?? false,
    ...(flags.outputVideo ? { outputVideo: flags.outputVideo } : {}),
    device: flags.device,
    ...(flags.batchSize ? { batchSize: flags.batchSize } : {}),
    detector: detectorFromFlags(flags),
    faceSelection: flags.faceSelection as FaceSelection,
    verifyCrc: flags.verifyCrc,
    // Bars for a person at a terminal, JSON lines for logs and programs; both on stderr.
    progress: process.stderr.isTTY ? new TerminalProgress(process.stderr) : new JsonLinesProgress(process.stderr),
  });
  const { annotated, failed } = summary;
  process.stdout.write(
    flags.json
      ? `${JSON.stringify({ arch: summary.arch, imageSize: summary.imageSize, device: summary.device, annotated: annotated.map(({ annotation: _, ...v }) => v), failed }, null, 2)}\n`
      : `${describe(summary)}\n`,
  );
  if (failed.length > 0) {
    process.stderr.write(`gazecoder: ${failed.length} video(s) failed; the others were annotated\n`);
    process.exitCode = 1;
  }
}

export function registerAnnotateCommand(program: Command): void {
  addDetectorOptions(
    program
      .command('annotate')
      .description("code every frame of a video (or of each video in a folder) with a gaze model, as iCatcher+'s CLI does")
      .argument('<source>', 'a video file, or a folder whose video files are all annotated')
      .requiredOption('--model <checkpoint.pth>', 'GazeCodingModel weights: best.pth of a `gazecoder train` run (its config.json gives arch and window) or an iCatcher+ model')
      .option('--arch <name>', "image encoder (default: the run's config.json, else regnet_y_16gf)")
      .option('--output-dir <dir>', 'where the outputs go', '.')
      .option('--output-format <format>', 'raw_output (<video>.txt), compressed (<video>.npz) or ui (<video>/labels.txt + decorated_frames/); several comma-separated (default raw_output)', formats)
      .option('--on-off', 'raw_output: write on/off instead of the classes')
      .option('--mirror-annotation', 'swap left and right')
      .option('--overwrite', 'replace existing outputs (else such a video fails, naming the file)')
      .option('--output-video <path>', 'also write a decorated MP4: this file for one video, this folder (<video>_output.mp4) for a folder')
      .option('--device <device>', 'auto, cpu, cuda or cuda:N', 'auto')
      .option('--batch-size <n>', 'frames per image-encoder pass and windows per predictor pass (default 32)', positiveInteger('--batch-size'))
      .option('--face-selection <rule>', `which face is the infant's: ${FACE_SELECTIONS.join(', ')} (iCatcher+'s CLI: score)`, 'score')
      .option('--no-verify-crc', 'skip the CRC-32 check of every zip record of the weights file (faster on a file known to be intact; default: a damaged file is refused)')
      .option('--json', 'print the summary as JSON'),
  ).action(runAnnotate);
}
