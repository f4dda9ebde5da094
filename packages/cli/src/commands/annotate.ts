// `gazecoder annotate`: iCatcher+'s inference CLI — a checkpoint codes every frame of a video or of
// a folder of videos (raw_output text, compressed .npz, ui folder, optional decorated MP4).
import { OUTPUT_FORMATS, type OutputFormat } from '@gazecoder/formats';
import { annotateVideos, CROP_MODES, ICATCHER_DEFAULTS, parseCropModes, type AnnotateSummary, type CropMode, type FaceOptions } from '@gazecoder/annotate';
import { FACE_CLASSIFIERS, FACE_SELECTIONS, webcamIndex, type FaceSelection } from '@gazecoder/preprocess';
import { JsonLinesProgress, TerminalProgress } from '@gazecoder/progress';
import { checkArchitecture } from '@gazecoder/torch';
import { InvalidArgumentError, type Command } from 'commander';

import { addDetectorOptions, detectorFromFlags, type DetectorFlags } from '../detector-flags';
import { isStreamSource, runAnnotateStream } from './annotate-stream';
import { nonNegativeInteger, positiveInteger } from '../flags';

interface AnnotateFlags extends DetectorFlags {
  model?: string;
  icatcherDefaults?: boolean;
  faceClassifier?: string;
  arch?: string;
  outputDir: string;
  outputFormat?: Array<OutputFormat | 'jsonl'>;
  onOff?: boolean;
  mirrorAnnotation?: boolean;
  overwrite?: boolean;
  outputVideo?: string;
  device: string;
  batchSize?: number;
  faceSelection?: string;
  encodeOnce: boolean;
  json?: boolean;
  verifyCrc: boolean;
  illegalTransitions?: string;
  cropPercent?: number;
  cropMode?: CropMode[];
  fdSkipFrames?: number;
  videoFilter?: string;
  picInPic?: boolean;
  outputFileSuffix: string;
  jobs?: number;
  source?: string;
}

/** `--source webcam[:N]`. */
function camera(value: string): string {
  if (webcamIndex(value) === undefined) throw new InvalidArgumentError(`--source must be webcam or webcam:N (N a camera index), got '${value}'`);
  return value;
}

/** `--crop-percent`: an integer, as iCatcher+'s type=int (its range is checked with the modes). */
function cropPercent(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n)) throw new InvalidArgumentError(`--crop-percent must be a whole percent between 0 and 99, got '${value}'`);
  return n;
}

/** `--crop-mode a,b` or the flag repeated. */
function cropModes(value: string, previous: CropMode[] | undefined): CropMode[] {
  try {
    return [...(previous ?? []), ...parseCropModes(value)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message.replace(/^--crop-mode: /, ''));
  }
}

/** `--output-format a,b` or the flag repeated: each one of raw_output, compressed, ui, jsonl. */
function formats(value: string, previous: Array<OutputFormat | 'jsonl'> | undefined): Array<OutputFormat | 'jsonl'> {
  const out = [...(previous ?? [])];
  const known: readonly string[] = [...OUTPUT_FORMATS, 'jsonl'];
  for (const name of value.split(',').map((s) => s.trim())) {
    if (!known.includes(name)) throw new InvalidArgumentError(`--output-format must be ${known.join(', ')} (or several, comma-separated), got '${name}'`);
    if (!out.includes(name as OutputFormat)) out.push(name as OutputFormat);
  }
  return out;
}

function describe(summary: AnnotateSummary): string {
  const lines = summary.annotated.map((v) => `${v.video}: ${v.frames} frames, ${v.faces} with a face -> ${v.outputs.join(', ')}`);
  for (const f of summary.failed) lines.push(`FAILED ${f.video}: ${f.error}`);
  lines.push(`${summary.annotated.length} video(s) annotated, ${summary.failed.length} failed (${summary.arch}, ${summary.imageSize} px crops, on ${summary.device}${summary.jobs > 1 ? `, ${summary.jobs} at once` : ''})`);
  return lines.join('\n');
}

/**
 * The model and faces the flags name. --icatcher-defaults fills in what iCatcher+'s CLI does by
 * default (its RegNet model, RetinaFace at 0.9, its face selection); flags given override it.
 */
function modelAndFaces(flags: AnnotateFlags, command: Command): { model: string } & FaceOptions {
  const given = (key: keyof AnnotateFlags): boolean => command.getOptionValueSource(key) === 'cli';
  const defaults = flags.icatcherDefaults ?? false;
  const model = flags.model ?? (defaults ? ICATCHER_DEFAULTS.model : undefined);
  if (model === undefined) throw new Error('annotate needs --model <checkpoint.pth or a cached model\'s name>, or --icatcher-defaults (iCatcher+\'s released RegNet model)');
  if (flags.faceSelection !== undefined && !(FACE_SELECTIONS as readonly string[]).includes(flags.faceSelection)) throw new Error(`--face-selection must be one of ${FACE_SELECTIONS.join(', ')}, got '${flags.faceSelection}'`);
  const detectorFlags = defaults && !given('detector') ? { ...flags, detector: ICATCHER_DEFAULTS.detector.name } : flags;
  return {
    model,
    detector: detectorFromFlags(detectorFlags),
    ...(flags.faceSelection !== undefined ? { faceSelection: flags.faceSelection as FaceSelection } : {}),
    ...(flags.faceClassifier !== undefined ? { faceClassifier: flags.faceClassifier } : {}),
  };
}

async function runAnnotate(given: string | undefined, flags: AnnotateFlags, command: Command): Promise<void> {
  if (given !== undefined && flags.source !== undefined) throw new Error(`give the source once: '${given}' or --source ${flags.source}`);
  const source = given ?? flags.source;
  if (source === undefined) throw new Error('annotate needs a source: a video, a folder, -, a URL, or --source webcam[:N]');
  if (flags.arch !== undefined) checkArchitecture(flags.arch);
  const faces = modelAndFaces(flags, command);
  // iCatcher+'s frame options, the same for files and streams.
  const frameOptions = {
    ...(flags.illegalTransitions !== undefined ? { illegalTransitions: flags.illegalTransitions } : {}),
    ...(flags.cropPercent !== undefined ? { cropPercent: flags.cropPercent } : {}),
    ...(flags.cropMode !== undefined ? { cropModes: flags.cropMode } : {}),
    ...(flags.fdSkipFrames !== undefined ? { fdSkipFrames: flags.fdSkipFrames } : {}),
  };
  // A stream (-, a URL, a camera) or jsonl: frame by frame to stdout, each line as soon as its answer is final.
  if (isStreamSource(source) || flags.outputFormat?.includes('jsonl')) {
    const unsupported = (['videoFilter', 'picInPic', 'outputVideo', 'onOff', 'jobs'] as const).filter((k) => flags[k] !== undefined && flags[k] !== false);
    if (unsupported.length > 0) throw new Error(`${unsupported.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}: not available yet for a stream source (-, a URL, a camera) or jsonl (they need the file's outputs)`);
    if (flags.outputFormat?.some((f) => f !== 'jsonl')) throw new Error(`--output-format ${flags.outputFormat.join(',')}: ${isStreamSource(source) ? 'a stream source (-, a URL, a camera)' : 'with jsonl, a video'} is written as jsonl only (one line per frame on stdout)`);
    await runAnnotateStream(source, {
      ...faces,
      ...(flags.arch ? { arch: flags.arch } : {}),
      device: flags.device,
      ...(flags.batchSize ? { chunkSize: flags.batchSize } : {}),
      mirrorAnnotation: flags.mirrorAnnotation ?? false,
      encodeOnce: flags.encodeOnce,
      verifyCrc: flags.verifyCrc,
      ...frameOptions,
    });
    return;
  }
  const summary = await annotateVideos({
    source,
    ...faces,
    ...(flags.arch ? { arch: flags.arch } : {}),
    outputDir: flags.outputDir,
    outputFormats: (flags.outputFormat as OutputFormat[] | undefined) ?? ['raw_output'],
    onOff: flags.onOff ?? false,
    mirrorAnnotation: flags.mirrorAnnotation ?? false,
    overwrite: flags.overwrite ?? false,
    ...(flags.outputVideo ? { outputVideo: flags.outputVideo } : {}),
    device: flags.device,
    ...(flags.batchSize ? { batchSize: flags.batchSize } : {}),
    encodeOnce: flags.encodeOnce,
    verifyCrc: flags.verifyCrc,
    ...frameOptions,
    ...(flags.videoFilter !== undefined ? { videoFilter: flags.videoFilter } : {}),
    picInPic: flags.picInPic ?? false,
    outputFileSuffix: flags.outputFileSuffix,
    ...(flags.jobs !== undefined ? { jobs: flags.jobs } : {}),
    // Bars for a person at a terminal, JSON lines for logs and programs; both on stderr.
    progress: process.stderr.isTTY ? new TerminalProgress(process.stderr) : new JsonLinesProgress(process.stderr),
  });
  const { annotated, failed } = summary;
  process.stdout.write(
    flags.json
      ? `${JSON.stringify({ arch: summary.arch, imageSize: summary.imageSize, device: summary.device, jobs: summary.jobs, annotated: annotated.map(({ annotation: _, ...v }) => v), failed }, null, 2)}\n`
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
      .argument('[source]', 'a video file, a folder whose video files are all annotated, - (a video stream on stdin, e.g. MPEG-TS or Matroska) or a URL ffmpeg opens')
      .option('--source <camera>', 'a live camera instead: webcam or webcam:N (camera N, V4L2 /dev/videoN, as iCatcher+\'s --source_type webcam), coded as jsonl until Ctrl-C', camera)
      .option('--model <checkpoint.pth>', 'GazeCodingModel weights: best.pth of a `gazecoder train` run (its config.json gives arch and window), an iCatcher+ model, or a cached model by name (icatcher+_lookit_regnet: see gazecoder models)')
      .option('--icatcher-defaults', `run as iCatcher+'s CLI does by default: its released RegNet model (${ICATCHER_DEFAULTS.model}, unless --model), RetinaFace keeping score >= ${ICATCHER_DEFAULTS.detector.confidence} (unless --detector) and its face selection (models from the cache: gazecoder models fetch)`)
      .option('--arch <name>', "image encoder (default: the run's config.json, else regnet_y_16gf)")
      .option('--output-dir <dir>', 'where the outputs go', '.')
      .option('--output-format <format>', 'raw_output (<video>.txt), compressed (<video>.npz) or ui (<video>/labels.txt + decorated_frames/); several comma-separated (default raw_output); or jsonl alone: one JSON line per frame (frame, time, class, confidence) on stdout as soon as it is final (the default for -, URLs and cameras; --batch-size is then the frames per chunk, default 4)', formats)
      .option('--on-off', 'raw_output: write on/off instead of the classes')
      .option('--mirror-annotation', 'swap left and right')
      .option('--overwrite', 'replace existing outputs (else such a video fails, naming the file)')
      .option('--output-video <path>', 'also write a decorated MP4: this file for one video, this folder (<video>_output.mp4) for a folder')
      .option('--device <device>', 'auto, cpu, cuda or cuda:N', 'auto')
      .option('--batch-size <n>', 'frames per image-encoder pass and windows per predictor pass (default 32)', positiveInteger('--batch-size'))
      .option('--face-selection <rule>', `which face is the infant's: ${FACE_SELECTIONS.join(', ')} (default score, iCatcher+'s CLI rule)`)
      .option('--face-classifier <model>', `iCatcher+'s infant-face classifier (its --use_fc_model): ${FACE_CLASSIFIERS.join(', ')} (its cached face_classifier_<name>.pth), a cached model's name or a .pth file; the face coded is the infant face nearest the bottom centre, none: nobabyface`)
      .option('--no-encode-once', "run every window's 5 frames through the whole model, as iCatcher+ does (5x the model's cost; by default each frame is encoded once and its 5 windows share the embedding)")
      .option('--no-verify-crc', 'skip the CRC-32 check of every zip record of the weights file (faster on a file known to be intact; default: a damaged file is refused)')
      .option('--illegal-transitions <csv>', 'iCatcher+\'s smoothing: a CSV with a header, then "illegal","corrected" rows of class ids (e.g. "1-11","111"); matches are replaced (confidence -1) as the answers come, and the last 4 + L frames are written none')
      .option('--crop-percent <p>', 'mask this percent of each frame black before detection (0-99; 0-49 with both left and right), as iCatcher+; box features stay relative to the full frame', cropPercent)
      .option('--crop-mode <modes>', `where --crop-percent masks: ${CROP_MODES.join(', ')}; several comma-separated (default top)`, cropModes)
      .option('--fd-skip-frames <n>', 'detect faces on every (n+1)th frame only; the frames between reuse its faces (default 0)', nonNegativeInteger('--fd-skip-frames'))
      .option('--video-filter <path>', 'a folder source codes only the videos whose name (without extension) names an entry of this folder, as iCatcher+, or a line of this file')
      .option('--pic-in-pic', 'decorated frames and --output-video show the face at 100x100 in the bottom-left corner')
      .option('--output-file-suffix <suffix>', "raw_output's file suffix", '.txt')
      .option('--jobs <n>', 'videos of a folder coded at once, each with its own model and frame worker (default: one per GPU with --device auto or cuda on a CUDA machine, else 1; on CPU they share the cores)', positiveInteger('--jobs'))
      .option('--json', 'print the summary as JSON'),
  ).action(runAnnotate);
}
