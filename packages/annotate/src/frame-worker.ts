// Entry point of the frame worker process (frame-pipeline.ts starts it): loads OpenCV and each face
// detector once, probes videos with ffprobe, and for each video it is sent decodes, detects, selects,
// crops and normalises, and
// sends the frames back a chunk at a time. It runs at most `depth` chunks ahead of what the main
// process has taken (one credit per chunk taken), so memory stays bounded whatever the video's length.
import { performance } from 'node:perf_hooks';

import type { Mat } from '@u4/opencv4nodejs';
import { opencv } from '@gazecoder/opencv';
import { createDetector, faceSelector, framesOf, infantFaceSelector, InfantFaces, openVideo, probeVideo, type DetectorSpec, type FaceBox, type FaceClassifierSpec, type FaceDetector } from '@gazecoder/preprocess';

import { cropRegion, isWholeFrame, maskMat, type Crop, type Region } from './crop-region';
import { prepareChunk, type FrameChunk } from './frame-inputs';
import { detectSkipping } from './skip-frames';
import { Normalizer } from './normalize';
import type { FromFrameWorker, ToFrameWorker, VideoJob } from './frame-protocol';

if (!process.send) throw new Error('frame-worker.js runs as a child process with an IPC channel (see frame-pipeline.ts)');

const post = (message: FromFrameWorker): void => {
  if (process.connected) process.send?.(message);
};
/**
 * Posts and waits until the message has left this process. A chunk (a megabyte or more) fills the
 * socket's buffer, and the rest is written only when this process's event loop turns, which the
 * preparation of the next chunk (synchronous OpenCV calls) holds up: each chunk reached the model
 * one chunk's preparation late.
 */
const postAndFlush = (message: FromFrameWorker): Promise<void> =>
  new Promise<void>((resolve) => {
    if (!process.connected || !process.send) resolve();
    // A send that fails (the main process has gone) ends the worker through 'disconnect'.
    else process.send(message, undefined, undefined, () => resolve());
  });
const errorOf = (error: unknown): { message: string; file?: string } => {
  const e = error as { message?: unknown; file?: unknown };
  return { message: typeof e?.message === 'string' ? e.message : String(error), ...(typeof e?.file === 'string' ? { file: e.file } : {}) };
};

const detectors = new Map<string, Promise<FaceDetector>>();
function detectorFor(spec: DetectorSpec): Promise<FaceDetector> {
  const key = JSON.stringify(spec);
  let detector = detectors.get(key);
  if (!detector) {
    detector = createDetector(spec);
    // A detector that failed to load is tried again next time (the file may have been fixed).
    detector.catch(() => detectors.delete(key));
    detectors.set(key, detector);
  }
  return detector;
}

const classifiers = new Map<string, Promise<InfantFaces>>();
function classifierFor(spec: FaceClassifierSpec): Promise<InfantFaces> {
  const key = JSON.stringify(spec);
  let classifier = classifiers.get(key);
  if (!classifier) {
    classifier = InfantFaces.load(spec);
    classifier.catch(() => classifiers.delete(key));
    classifiers.set(key, classifier);
  }
  return classifier;
}

/** Per job: the chunks it may still send, and a waiter for the next credit. */
interface JobState {
  credits: number;
  cancelled: boolean;
  wake?: () => void;
}
const jobs = new Map<number, JobState>();
// Videos run one after another, in the order they were sent.
let queue: Promise<void> = Promise.resolve();

const seconds = (from: number): number => (performance.now() - from) / 1000;

/**
 * The first chunk of a video is at most this long, so that the model starts after a few frames'
 * decoding and detection rather than a whole chunk's; later chunks, prepared while the model runs,
 * are full.
 */
const FIRST_CHUNK_FRAMES = 8;

async function runJob(job: VideoJob, state: JobState): Promise<void> {
  const options = job.options;
  const infants = options.faceClassifier ? await classifierFor(options.faceClassifier) : undefined;
  const selector = infants ? infantFaceSelector() : faceSelector(options.selection);
  const select = selector.select.bind(selector);
  const normalizer = new Normalizer(options.normalization);
  const detector = await detectorFor(job.detector);
  // A file, a URL, or pipe:0 (the worker's stdin, a stream piped in); its frame rate gives frame times.
  const capture = openVideo(job.file);
  const fps = capture.get(opencv().CAP_PROP_FPS);
  const frames = framesOf(capture);
  let start = 0;
  let region: Region | undefined = options.region;
  const regionOf = region === undefined && options.crop ? (width: number, height: number) => cropRegion(width, height, options.crop as Crop) : undefined;
  const carry: { last: FaceBox[] } = { last: [] }; // --fd-skip-frames: the last detected frame's faces
  try {
    for (;;) {
      const times = { decode: 0, detect: 0, crop: 0 };
      const mats: Mat[] = [];
      let t = performance.now();
      let ended = false;
      const size = start === 0 ? Math.min(FIRST_CHUNK_FRAMES, options.chunkSize) : options.chunkSize;
      while (mats.length < size) {
        const next = frames.next();
        if (next.done) {
          ended = true;
          break;
        }
        // A stream has no probe: its region comes from the first frame's size, as process_video's from the video's.
        if (regionOf && start + mats.length === 0) {
          const found = regionOf(next.value.cols, next.value.rows);
          region = isWholeFrame(found, next.value.cols, next.value.rows) ? undefined : found;
        }
        mats.push(region ? maskMat(next.value, region) : next.value);
      }
      times.decode = seconds(t);
      if (mats.length > 0) {
        const d = detector;
        t = performance.now();
        const detections: FaceBox[][] = [];
        if ((options.detectEvery ?? 1) > 1) detections.push(...(await detectSkipping(start, mats, options.detectEvery as number, d.batchSize, (batch) => d.detect(batch), carry)));
        else for (let b = 0; b < mats.length; b += d.batchSize) detections.push(...(await d.detect(mats.slice(b, b + d.batchSize))));
        // The classifier's look at each face counts as detection's time.
        if (infants) for (let i = 0; i < mats.length; i += 1) if ((detections[i]?.length ?? 0) > 0) detections[i] = await infants.mark(mats[i] as Mat, detections[i] as FaceBox[]);
        times.detect = seconds(t);
        t = performance.now();
        const chunk: FrameChunk = { ...prepareChunk(start, mats, detections, select, normalizer, options), times, ...(Number.isFinite(fps) && fps > 0 ? { fps } : {}) };
        times.crop = seconds(t);
        start += mats.length;
        // Wait for a credit (the main process took an earlier chunk), or give up when cancelled.
        while (state.credits === 0 && !state.cancelled) await new Promise<void>((resolve) => (state.wake = resolve));
        if (state.cancelled) break;
        state.credits -= 1;
        await postAndFlush({ type: 'chunk', id: job.id, chunk });
        // Let credits and cancels in.
        await new Promise((resolve) => setImmediate(resolve));
        if (state.cancelled) break;
      }
      if (ended) break;
    }
    post({ type: 'end', id: job.id });
  } finally {
    frames.return(undefined);
  }
}

process.on('message', (message: ToFrameWorker) => {
  switch (message.type) {
    case 'detector':
      Promise.all([detectorFor(message.detector), message.faceClassifier ? classifierFor(message.faceClassifier) : undefined]).then(
        () => post({ type: 'ready', id: message.id }),
        (error: unknown) => post({ type: 'error', id: message.id, error: errorOf(error) }),
      );
      break;
    case 'probe':
      probeVideo(message.file).then(
        (probe) => post({ type: 'probed', id: message.id, probe }),
        (error: unknown) => post({ type: 'error', id: message.id, error: errorOf(error) }),
      );
      break;
    case 'job': {
      const state: JobState = { credits: message.job.depth, cancelled: false };
      jobs.set(message.job.id, state);
      queue = queue
        .then(() => (state.cancelled ? post({ type: 'end', id: message.job.id }) : runJob(message.job, state)))
        .catch((error: unknown) => post({ type: 'error', id: message.job.id, error: errorOf(error) }))
        .finally(() => jobs.delete(message.job.id));
      break;
    }
    case 'credit':
    case 'cancel': {
      const state = jobs.get(message.id);
      if (!state) break;
      if (message.type === 'credit') state.credits += 1;
      else state.cancelled = true;
      state.wake?.();
      state.wake = undefined;
      break;
    }
  }
});

// The main process going away (Ctrl-C, crash, close()) ends the worker too.
process.on('disconnect', () => process.exit(0));
