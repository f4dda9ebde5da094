// `annotateStream`: one video source — a file, a URL ffmpeg/OpenCV opens (rtsp://, http://, …), a
// camera (`webcam[:N]`), or a stream (stdin as `-`, any Readable) — coded frame by frame, each frame's answer yielded as soon as
// it is final (once the windows that need the frame have run: about 8 frames after it arrives, plus
// the chunk being filled). Aborting the signal stops it and closes the source.
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';

import { className, mirrorId, readIllegalTransitions } from '@gazecoder/formats';
import { resolveModelFile } from '@gazecoder/models';
import { webcamIndex } from '@gazecoder/preprocess';
import { framesPerWindow, runModelSettings } from '@gazecoder/torch';

import { annotateVideo, type FrameSink, type WindowShape } from './annotate-video';
import { DEFAULT_IMAGE_SIZE } from './frame-inputs';
import { checkFrameOptions, type IcatcherFrameOptions } from './frame-options';
import { resolveFaceOptions, type FaceOptions } from './face-options';
import { FramePipeline } from './frame-pipeline';
import { loadModel } from './load-model';
import { IMAGENET } from './normalize';
import { windowRunner } from './window-runner';

/** iCatcher+'s frame options work as for files (the crop region from the first frame's size: a stream has no probe). */
export interface StreamOptions extends IcatcherFrameOptions, FaceOptions {
  /** GazeCodingModel weights (.pth) or a cached model's name, as annotateVideos takes them */
  model: string;
  arch?: string;
  device?: string;
  /** frames per chunk: the model's batch, and what an answer waits for besides its window (default 4) */
  chunkSize?: number;
  mirrorAnnotation?: boolean;
  encodeOnce?: boolean;
  verifyCrc?: boolean;
}

/** One frame's answer, as raw_output writes it (the class name, confidence −1 where none was predicted). */
export interface FrameAnswer {
  frame: number;
  /** seconds from the first frame (frame ÷ the source's frame rate); null when the rate is unknown */
  time: number | null;
  class: string;
  confidence: number;
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
/** Answers waiting for a slow consumer before the pipeline waits too. */
const MAX_WAITING = 256;

/** What a source is called in errors. */
function sourceName(source: string | Readable): string {
  return source === '-' ? 'stdin (-)' : typeof source === 'string' ? source : 'the input stream';
}

/**
 * Codes `source` frame by frame: `-` reads a video stream on stdin, a Readable is read as one,
 * `webcam` / `webcam:N` is camera N, any other string is a file or a URL. Yields every frame's answer in order, as soon as it is final; rejects
 * with one clear error naming the source when it is not a video (what was yielded before stays).
 */
export async function* annotateStream(source: string | Readable, given: StreamOptions, { signal }: { signal?: AbortSignal } = {}): AsyncGenerator<FrameAnswer> {
  const options = { ...given, model: resolveModelFile(given.model) };
  const name = sourceName(source);
  const input = source === '-' ? process.stdin : typeof source === 'string' ? undefined : source;
  const file = input ? 'pipe:0' : (source as string);
  if (!input && !URL_LIKE.test(file) && webcamIndex(file) === undefined && !existsSync(file)) throw new Error(`${file}: no such video`);
  if (!existsSync(options.model)) throw new Error(`${options.model}: no such checkpoint (--model)`);
  const chunkSize = options.chunkSize ?? 4;
  if (!(Number.isInteger(chunkSize) && chunkSize > 0)) throw new Error(`chunkSize must be a positive integer, got ${chunkSize}`);
  signal?.throwIfAborted();

  const run = runModelSettings(options.model);
  const arch = options.arch ?? run.arch ?? 'regnet_y_16gf';
  const imageSize = run.imageSize ?? DEFAULT_IMAGE_SIZE;
  const shape: WindowShape = { windowSize: run.windowSize ?? 9, stride: run.stride ?? 2 };
  // Checked before the model loads, as for files.
  if (options.illegalTransitions !== undefined) shape.smoothing = readIllegalTransitions(options.illegalTransitions, shape.windowSize);
  const { crop, detectEvery } = checkFrameOptions(options);
  const normalization = { mean: run.mean ?? IMAGENET.mean, std: run.std ?? IMAGENET.std };
  const window = framesPerWindow(shape.windowSize, shape.stride);
  const device = options.device ?? 'auto';
  const { detector, selection, faceClassifier } = resolveFaceOptions(options, device);
  // The model builds and loads while the worker loads its detector and starts on the first frames.
  const loading = loadModel(options.model, arch, window, device, options.verifyCrc ?? true);
  loading.catch(() => {}); // awaited below, maybe after a stream error
  const pipeline = new FramePipeline(input);
  const stop = new AbortController();
  const onAbort = (): void => {
    stop.abort(signal?.reason);
    wake?.();
  };
  signal?.addEventListener('abort', onAbort, { once: true });

  const waiting: FrameAnswer[] = [];
  let wake: (() => void) | undefined;
  let space: (() => void) | undefined;
  let done = false;
  let failure: unknown;
  let checkpointFailed = false;
  const mirror = options.mirrorAnnotation ?? false;
  const sink: FrameSink = {
    async frame(frame, _answer, confidence, shown) {
      waiting.push({ frame: frame.index, time: frame.time ?? null, class: className(mirror ? mirrorId(shown) : shown), confidence });
      wake?.();
      while (waiting.length >= MAX_WAITING && !stop.signal.aborted) await new Promise<void>((resolve) => (space = resolve));
    },
  };
  const coding = (async () => {
    try {
      await pipeline.prepare(detector, faceClassifier);
      const runner = loading.then((model) => windowRunner(model, options.encodeOnce, window, chunkSize, imageSize));
      runner.catch(() => {}); // a stream that fails first does not await it
      const reader = { pipeline, detector, selection, ...(faceClassifier ? { faceClassifier } : {}), normalization, imageSize, chunkSize, keepFrames: false, signal: stop.signal, ...(crop ? { crop } : {}), ...(detectEvery > 1 ? { detectEvery } : {}) };
      await annotateVideo(file, reader, runner, shape, [sink]);
    } catch (error) {
      failure = error;
      // A checkpoint that cannot load is the stream's error whatever failed first (the detector, the
      // source: the model may still have been loading then).
      await loading.catch((modelFailure: unknown) => {
        failure = modelFailure;
        checkpointFailed = true;
      });
    } finally {
      done = true;
      wake?.();
    }
  })();

  try {
    for (;;) {
      while (waiting.length === 0 && !done && !signal?.aborted) await new Promise<void>((resolve) => (wake = resolve));
      // Aborted: nothing more is yielded, even what is waiting.
      signal?.throwIfAborted();
      const next = waiting.shift();
      space?.();
      if (next) yield next;
      else break;
    }
    if (failure !== undefined) {
      signal?.throwIfAborted();
      // The checkpoint's error names the checkpoint, not the source.
      if (checkpointFailed) throw failure;
      const message = (failure as Error)?.message ?? String(failure);
      // The worker names the source by what it opened (pipe:0 for a stream).
      throw new Error(`${name}: ${message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message}`);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    stop.abort();
    space?.();
    await coding;
    await pipeline.close();
    if (source === '-') process.stdin.pause();
    (await loading.catch(() => undefined))?.dispose();
  }
}
