// `gazecoder annotate` as a function: a GazeCodingModel checkpoint codes every frame of one video or
// of a folder of videos, as iCatcher+'s inference CLI does, and writes its output formats. One
// failing video is reported with its reason and the others go on.
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

import { type LabelOptions, type OutputFormat, outputPath, RAW_OUTPUT_SUFFIX, readIllegalTransitions, refuseExisting, tempSibling, uiLabelsText, videoStem, writeCompressed, writeFileAtomic, writeRawOutput } from '@gazecoder/formats';
import { resolveModelFile } from '@gazecoder/models';
import { SILENT_PROGRESS, type ProgressReporter } from '@gazecoder/progress';
import { framesPerWindow, type Model, runModelSettings, runtimeInfo } from '@gazecoder/torch';

import { annotateVideo, type FrameSink, type VideoAnnotation, type WindowShape } from './annotate-video';
import { DecoratedFramesSink, VideoSink } from './decorate';
import { DEFAULT_IMAGE_SIZE, noStageTimes, type FrameReaderOptions, type StageTimes } from './frame-inputs';
import { FramePipeline, framePipeline } from './frame-pipeline';
import { loadModel } from './load-model';
import { IMAGENET, type Normalization } from './normalize';
import { cropRegion, isWholeFrame, type Crop } from './crop-region';
import { checkFrameOptions, type IcatcherFrameOptions } from './frame-options';
import { resolveFaceOptions, type FaceOptions } from './face-options';
import { filterVideos, listVideos } from './video-sources';
import { windowRunner, type WindowRunner } from './window-runner';

export interface AnnotateOptions extends IcatcherFrameOptions, FaceOptions {
  /** a video file, or a folder whose video files are all annotated */
  source: string;
  /** GazeCodingModel weights (.pth): a `gazecoder train` checkpoint (its config.json gives arch, crop size, window and normalisation) or iCatcher+'s; or a cached model's name (`icatcher+_lookit_regnet`, see `gazecoder models`) */
  model: string;
  /** image encoder (default: the config.json beside the checkpoint, else regnet_y_16gf) */
  arch?: string;
  /** where the outputs go (default: the current directory) */
  outputDir?: string;
  /** default ['raw_output'] */
  outputFormats?: readonly OutputFormat[];
  /** raw_output names `on` / `off` instead of the classes */
  onOff?: boolean;
  /** swap left and right */
  mirrorAnnotation?: boolean;
  /** replace existing outputs (else a video whose output exists fails, naming the file) */
  overwrite?: boolean;
  /** write decorated MP4s: this file for a single video, this folder (`<stem>_output.mp4`) for a folder source */
  outputVideo?: string;
  /** `auto`, `cpu`, `cuda[:N]` (default auto) */
  device?: string;
  /** frames per image-encoder call and windows per predictor call (default 32) */
  batchSize?: number;
  progress?: ProgressReporter;
  /**
   * true (default): each frame goes through the image encoder once and overlapping windows share its
   * embedding. false: every window through the plain forward pass, as iCatcher+ does (5× the work;
   * kept to check the first against).
   */
  encodeOnce?: boolean;
  /** check the CRC-32 of every zip record of `model` before its weights are used (default true) */
  verifyCrc?: boolean;
  /** iCatcher+'s --video_filter: a folder source codes only the videos whose stem names an entry of this folder (or a line of this file) */
  videoFilter?: string;
  /** iCatcher+'s --pic_in_pic: the face at 100×100 in the bottom-left corner of decorated frames */
  picInPic?: boolean;
  /** iCatcher+'s --output_file_suffix: raw_output's file suffix (default .txt) */
  outputFileSuffix?: string;
  /**
   * videos of a folder coded at once, each lane with its own model and frame worker process
   * (default: one per GPU where `device` is `auto` or `cuda` on a CUDA machine, each on its own GPU;
   * else 1). On CPU the lanes share the cores.
   */
  jobs?: number;
}

export interface AnnotatedVideo {
  video: string;
  frames: number;
  /** frames with a selected face */
  faces: number;
  /** files and folders written */
  outputs: string[];
  annotation: VideoAnnotation;
  /** seconds per stage: decode, detect, crop (+ normalise) in the frame worker process, the model, and the model's side waiting for frames */
  stages: StageTimes;
}

export interface AnnotateSummary {
  arch: string;
  /** side of the face crops the model saw (the run's imageSize, else 100) */
  imageSize: number;
  /** the lanes' devices, comma-separated where they differ (`cuda:0,cuda:1`) */
  device: string;
  /** videos coded at once */
  jobs: number;
  annotated: AnnotatedVideo[];
  failed: Array<{ video: string; error: string }>;
}

type LaneFaces = ReturnType<typeof resolveFaceOptions>;

/** What one lane codes its videos with. */
interface Lane {
  reader: Omit<FrameReaderOptions, 'keepFrames'>;
  /** A runner for one video, once the lane's model has loaded (the run's frames are read meanwhile). */
  runnerFor: () => Promise<WindowRunner>;
}

interface Settings {
  outputDir: string;
  formats: readonly OutputFormat[];
  labels: LabelOptions;
  overwrite: boolean;
  outputVideo: (video: string) => string | undefined;
  rawSuffix: string;
  picInPic: boolean;
  crop?: Crop;
  detectEvery: number;
}

/** The settings a checkpoint's run prescribes, the flags filling in what it does not say. */
function modelSettings(options: AnnotateOptions): { arch: string; imageSize: number; shape: WindowShape; normalization: Normalization } {
  const run = runModelSettings(options.model);
  return {
    arch: options.arch ?? run.arch ?? 'regnet_y_16gf',
    imageSize: run.imageSize ?? DEFAULT_IMAGE_SIZE,
    shape: { windowSize: run.windowSize ?? 9, stride: run.stride ?? 2 },
    normalization: { mean: run.mean ?? IMAGENET.mean, std: run.std ?? IMAGENET.std },
  };
}

function checkOptions(options: AnnotateOptions, formats: readonly OutputFormat[]): ReturnType<typeof checkFrameOptions> {
  if (formats.length === 0) throw new Error('--output-format: give at least one of raw_output, compressed, ui');
  if (options.onOff && formats.some((f) => f !== 'raw_output')) throw new Error('--on-off needs --output-format raw_output (the npz and ui outputs keep class ids, as in iCatcher+)');
  if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize > 0)) throw new Error(`--batch-size must be a positive integer, got ${options.batchSize}`);
  if (options.outputFileSuffix === '') throw new Error('--output-file-suffix must not be empty');
  if (options.jobs !== undefined && !(Number.isInteger(options.jobs) && options.jobs > 0)) throw new Error(`--jobs must be a positive integer, got ${options.jobs}`);
  return checkFrameOptions(options);
}

/**
 * Each lane's device: `auto` or `cuda` on a CUDA machine spreads the lanes over the GPUs (one lane
 * per GPU unless `jobs` says otherwise); any other device (cpu, cuda:N) is every lane's.
 */
function laneDevices(device: string, jobs: number | undefined, videos: number): string[] {
  const gpus = runtimeInfo().gpus.map((gpu) => gpu.index);
  const spread = gpus.length > 0 && (device === 'auto' || device === 'cuda');
  const lanes = Math.max(1, Math.min(videos, jobs ?? (spread ? gpus.length : 1)));
  return Array.from({ length: lanes }, (_, k) => (spread ? `cuda:${gpus[k % gpus.length]}` : device));
}

/** Runs one video and writes its outputs; every file appears whole or not at all. */
async function annotateOne(video: string, runnerFor: () => Promise<WindowRunner>, shape: WindowShape, reader: Omit<FrameReaderOptions, 'keepFrames'>, settings: Settings, onProgress: (frames: number, expected: number) => void): Promise<AnnotatedVideo> {
  const paths = settings.formats.map((f) => outputPath(settings.outputDir, video, f, settings.rawSuffix));
  const videoOut = settings.outputVideo(video);
  refuseExisting(videoOut ? [...paths, videoOut] : paths, settings.overwrite);
  // ffprobe first: it says clearly why a file is not a readable video. (From the frame worker: a fork
  // of this process would block the event loop.)
  const probe = await reader.pipeline.probe(video);
  const expected = probe.packetTimesMs.length;

  const sinks: FrameSink[] = [];
  const uiPath = settings.formats.includes('ui') ? outputPath(settings.outputDir, video, 'ui') : undefined;
  const uiTemp = uiPath ? tempSibling(uiPath) : undefined;
  // OpenCV picks the container from the extension, so the temp name keeps `.mp4`.
  const videoTemp = videoOut ? `${tempSibling(videoOut)}.mp4` : undefined;
  let videoSink: VideoSink | undefined;
  try {
    if (uiTemp) {
      await mkdir(join(uiTemp, 'decorated_frames'), { recursive: true });
      sinks.push(new DecoratedFramesSink(join(uiTemp, 'decorated_frames'), settings.labels.mirror, settings.picInPic));
    }
    if (videoTemp) {
      await mkdir(dirname(videoTemp), { recursive: true });
      videoSink = new VideoSink(videoTemp, probe.variableFrameRate ? probe.averageFps : probe.fps, probe.width, probe.height, settings.labels.mirror, settings.picInPic);
      sinks.push(videoSink);
    }
    const stages = noStageTimes();
    // The region from the video's size, as video.process_video computes it from ffprobe's.
    const region = settings.crop ? cropRegion(probe.width, probe.height, settings.crop) : undefined;
    const frameOptions = { ...reader, keepFrames: sinks.length > 0, ...(region && !isWholeFrame(region, probe.width, probe.height) ? { region } : {}), ...(settings.detectEvery > 1 ? { detectEvery: settings.detectEvery } : {}) };
    const annotation = await annotateVideo(video, frameOptions, runnerFor(), shape, sinks, (frames) => onProgress(frames, expected), stages);
    videoSink?.close();
    await mkdir(settings.outputDir, { recursive: true });
    const outputs: string[] = [];
    for (const format of settings.formats) {
      const path = outputPath(settings.outputDir, video, format, settings.rawSuffix);
      if (format === 'raw_output') await writeRawOutput(path, annotation, settings.labels);
      else if (format === 'compressed') await writeCompressed(path, annotation, settings.labels);
      else {
        await writeFileAtomic(join(uiTemp as string, 'labels.txt'), uiLabelsText(annotation, settings.labels));
        await rm(path, { recursive: true, force: true });
        await rename(uiTemp as string, path);
      }
      outputs.push(path);
    }
    if (videoOut && videoTemp) {
      await rename(videoTemp, videoOut);
      outputs.push(videoOut);
    }
    return { video, frames: annotation.frames, faces: annotation.faces, outputs, annotation, stages };
  } catch (error) {
    videoSink?.close();
    if (uiTemp) await rm(uiTemp, { recursive: true, force: true });
    if (videoTemp) await rm(videoTemp, { force: true });
    throw error;
  }
}

/**
 * Annotates `options.source` (one video or a folder of videos) with the checkpoint `options.model`.
 * Rejects when the model cannot be loaded or a flag is wrong; a video that fails (unreadable,
 * output exists without `overwrite`, …) is listed in `failed` with its reason and the rest go on.
 */
export async function annotateVideos(given: AnnotateOptions): Promise<AnnotateSummary> {
  // A cached model's name (icatcher+_lookit_regnet) stands for its file.
  const options = { ...given, model: resolveModelFile(given.model) };
  const formats = options.outputFormats ?? ['raw_output'];
  const { crop, detectEvery } = checkOptions(options, formats);
  const listed = listVideos(options.source);
  const { folder } = listed;
  const videos = options.videoFilter === undefined ? listed.videos : filterVideos(listed.videos, folder, options.videoFilter, options.source);
  if (!existsSync(options.model)) throw new Error(`${options.model}: no such checkpoint (--model)`);
  const { arch, imageSize, shape, normalization } = modelSettings(options);
  // Before the model loads and anything is written, as iCatcher+ parses it before the first video.
  if (options.illegalTransitions !== undefined) shape.smoothing = readIllegalTransitions(options.illegalTransitions, shape.windowSize);
  const batchSize = options.batchSize ?? 32;
  const outputDir = resolve(options.outputDir ?? '.');
  const settings: Settings = {
    outputDir,
    formats,
    labels: { mirror: options.mirrorAnnotation ?? false, onOff: options.onOff ?? false },
    overwrite: options.overwrite ?? false,
    outputVideo: (video) => (options.outputVideo === undefined ? undefined : folder ? join(options.outputVideo, `${videoStem(video)}_output.mp4`) : options.outputVideo),
    rawSuffix: options.outputFileSuffix ?? RAW_OUTPUT_SUFFIX,
    picInPic: options.picInPic ?? false,
    ...(crop ? { crop } : {}),
    detectEvery,
  };
  const progress = options.progress ?? SILENT_PROGRESS;

  const window = framesPerWindow(shape.windowSize, shape.stride);
  const devices = laneDevices(options.device ?? 'auto', options.jobs, videos.length);
  // Each lane's faces: its RetinaFace and classifier on its device (files checked before the model loads).
  const faces = devices.map((device) => resolveFaceOptions(options, device));
  // One model and one frame worker process per lane; the first lane uses the process's shared worker.
  // The models load while the workers load their detectors and start on the first videos (a large
  // model's load takes as long as many frames' detection on a CPU).
  const loads = devices.map((device) => loadModel(options.model, arch, window, device, options.verifyCrc ?? true));
  // Awaited below: a model that cannot load rejects the run, whatever its videos are doing.
  for (const load of loads) load.catch(() => {});
  const pipelines: FramePipeline[] = [];
  try {
    // Probing, decoding, detection, crops and normalisation run in worker processes (frame-pipeline.ts).
    for (let k = 0; k < devices.length; k += 1) pipelines.push(k === 0 ? framePipeline() : new FramePipeline());
    const prepared = Promise.all(pipelines.map((pipeline, k) => pipeline.prepare((faces[k] as LaneFaces).detector, (faces[k] as LaneFaces).faceClassifier)));
    // A detector that cannot load rejects the run; the model's error, when it has one too, first.
    await prepared.catch(async (error: unknown) => {
      await Promise.all(loads);
      throw error;
    });
    const lane = (k: number): Lane => {
      const { detector, selection, faceClassifier } = faces[k] as LaneFaces;
      return {
        reader: { pipeline: pipelines[k] as FramePipeline, detector, selection, ...(faceClassifier ? { faceClassifier } : {}), normalization, imageSize, chunkSize: batchSize },
        runnerFor: () => {
          const runner = (loads[k] as Promise<Model>).then((model) => windowRunner(model, options.encodeOnce, window, batchSize, imageSize));
          runner.catch(() => {}); // a video that fails first does not await it
          return runner;
        },
      };
    };

    const outcomes: Array<{ done: AnnotatedVideo } | { error: string }> = [];
    progress.begin(videos.length, 0);
    let next = 0;
    let modelFailed = false;
    const loaded = Promise.all(loads);
    loaded.catch(() => (modelFailed = true));
    // Each lane takes the next video until none is left; one that fails does not stop the others. A
    // model that fails to load stops every lane: the run rejects with its error.
    await Promise.all(
      devices.map(async (_, k) => {
        const { reader, runnerFor } = lane(k);
        for (let i = next++; i < videos.length && !modelFailed; i = next++) {
          const video = videos[i] as string;
          // Progress names a video by its file name; the summary keeps the path.
          const id = basename(video);
          progress.videoStarted(id);
          try {
            const done = await annotateOne(video, runnerFor, shape, reader, settings, (frames, expected) => progress.videoProgress(id, frames, expected));
            outcomes[i] = { done };
            progress.videoDone(id, done.frames, done.faces);
          } catch (error) {
            // The model's error is the run's, not this video's (the video may have failed first).
            if (!(await (loads[k] as Promise<Model>).then(() => true, () => false))) break;
            const message = (error as Error).message ?? String(error);
            outcomes[i] = { error: message };
            progress.videoFailed(id, message);
          }
        }
      }),
    );
    progress.end();
    const models = await loaded;
    const summary: AnnotateSummary = { arch, imageSize, device: [...new Set(models.map((m) => m.device))].join(','), jobs: devices.length, annotated: [], failed: [] };
    // In the source's order, whichever lane finished first.
    outcomes.forEach((outcome, i) => {
      if ('done' in outcome) summary.annotated.push(outcome.done);
      else summary.failed.push({ video: videos[i] as string, error: outcome.error });
    });
    return summary;
  } finally {
    for (const load of await Promise.allSettled(loads)) if (load.status === 'fulfilled') load.value.dispose();
    // The lanes' own workers go now; the shared one stays for the next run (it closes when idle).
    await Promise.all(pipelines.slice(1).map((pipeline) => pipeline.close()));
  }
}
