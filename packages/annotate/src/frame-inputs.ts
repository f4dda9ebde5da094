// A video's frames as the gaze model sees them (icatcher-plus.md §12.2 steps 1–5): decoded by OpenCV,
// faces detected on the BGR frame, one selected, cropped from the RGB frame like PIL to the run's
// image size (iCatcher+'s 100×100 by default) and normalised, with the five box features; frames
// without a usable face become placeholders.
//
// All of that runs in a worker process (frame-worker.ts, driven by frame-pipeline.ts), which streams
// the frames back a chunk at a time; this file holds the per-frame step it runs, the chunk it sends
// (a few typed arrays, each owning its buffer, so that IPC copies no more than the chunk) and the
// FrameInputs the main process rebuilds from it.
import type { Mat } from '@u4/opencv4nodejs';
import { LABEL } from '@gazecoder/formats';
import { boxFeatures, cropFace, type DetectorSpec, type FaceBox, type FaceClassifierSpec, type FaceSelection } from '@gazecoder/preprocess';

import type { Crop, Region } from './crop-region';
import type { FramePipeline } from './frame-pipeline';
import type { Normalization, Normalizer } from './normalize';

/** iCatcher+'s crop side (its encoder input is hard-coded to 100×100): for checkpoints without a run config. */
export const DEFAULT_IMAGE_SIZE = 100;

/** One frame, ready for the model. */
export interface FrameInput {
  index: number;
  /** a face was selected: the frame's window may run */
  valid: boolean;
  /** its label until a prediction replaces it: none (−3) with a face, else noface (−2) or nobabyface (−1) */
  placeholder: number;
  /** the five box features; zeros without a face */
  box: Float32Array;
  /** normalised 3×S×S image; absent without a face (the model then sees zeros, the mean colour) */
  image?: Float32Array;
  /** the selected face, for drawing */
  face?: FaceBox;
  /** the decoded BGR frame, kept only when something draws on it */
  mat?: Mat;
  /** seconds from the first frame (index ÷ the stream's frame rate); absent when the rate is unknown */
  time?: number;
}

/** How a video's frames are prepared: plain data, sent as is to the worker process. */
export interface FramePrepOptions {
  selection: FaceSelection;
  /** iCatcher+'s infant-face classifier: when set, the face is chosen among those it calls an infant's (replaces `selection`) */
  faceClassifier?: FaceClassifierSpec;
  normalization: Normalization;
  /** side of the square crop, as the model was trained */
  imageSize: number;
  /** frames per chunk */
  chunkSize: number;
  /** keep each frame's pixels (for decorated frames and the output video) */
  keepFrames: boolean;
  /** --crop-percent/--crop-mode: the frame outside this region is masked black before anything else (crop-region.ts) */
  region?: Region;
  /** the same for a source without a probe (a stream): the region comes from the first frame's size */
  crop?: Crop;
  /** --fd-skip-frames + 1: faces are detected on every this-many-th frame, the others reuse them (skip-frames.ts) */
  detectEvery?: number;
}

export interface FrameReaderOptions extends FramePrepOptions {
  /** the worker process that decodes, detects, crops and normalises */
  pipeline: FramePipeline;
  /** aborting stops the reading (the source is closed) */
  signal?: AbortSignal;
  detector: DetectorSpec;
}

/** Seconds each stage took: decode, detect, crop + normalise in the worker process; the model in this one. */
export interface StageTimes {
  decode: number;
  detect: number;
  crop: number;
  model: number;
  /** the model's side waiting for frames (what the overlap did not hide) */
  wait: number;
}

export const noStageTimes = (): StageTimes => ({ decode: 0, detect: 0, crop: 0, model: 0, wait: 0 });

/** A chunk of frames as the worker sends it; every typed array owns its whole buffer (IPC sends whole buffers). */
export interface FrameChunk {
  /** index of the chunk's first frame */
  start: number;
  count: number;
  /** 1 where a face was selected */
  valid: Uint8Array;
  placeholder: Int8Array;
  /** count × 5 box features */
  boxes: Float32Array;
  /** the selected face of each frame, null without one */
  faces: Array<FaceBox | null>;
  /** the valid frames' normalised images, one after another (3×S×S each) */
  images: Float32Array;
  /** per frame, its BGR pixels when keepFrames */
  pixels?: Array<{ rows: number; cols: number; data: Uint8Array }>;
  /** seconds of the worker's stages for this chunk */
  times: Pick<StageTimes, 'decode' | 'detect' | 'crop'>;
  /** the source's frame rate, when OpenCV knows it */
  fps?: number;
}

/** Worker side: the decoded `mats` (frames `start`…) and their detections → a chunk. */
export function prepareChunk(
  start: number,
  mats: readonly Mat[],
  detections: ReadonlyArray<readonly FaceBox[]>,
  select: (boxes: readonly FaceBox[], w: number, h: number) => number,
  normalizer: Normalizer,
  options: FramePrepOptions,
): Omit<FrameChunk, 'times'> {
  const count = mats.length;
  const size = options.imageSize;
  const IMAGE = 3 * size * size;
  const valid = new Uint8Array(count);
  const placeholder = new Int8Array(count);
  const boxes = new Float32Array(count * 5);
  const faces: Array<FaceBox | null> = [];
  const crops: Array<{ rgb: Uint8Array }> = [];
  const pixels: Array<{ rows: number; cols: number; data: Uint8Array }> = [];
  mats.forEach((mat, i) => {
    const data = options.keepFrames || (detections[i]?.length ?? 0) > 0 ? mat.getData() : undefined;
    if (options.keepFrames) {
      const own = data as Uint8Array;
      // A buffer of its own: IPC would send all of a larger one.
      pixels.push({ rows: mat.rows, cols: mat.cols, data: own.byteOffset === 0 && own.buffer.byteLength === own.length ? own : new Uint8Array(own) });
    }
    const found = detections[i] ?? [];
    faces.push(null);
    if (found.length === 0) {
      placeholder[i] = LABEL.noface;
      return;
    }
    const selected = select(found, mat.cols, mat.rows);
    if (selected < 0) {
      placeholder[i] = LABEL.nobabyface;
      return;
    }
    const face = found[selected] as FaceBox;
    valid[i] = 1;
    placeholder[i] = LABEL.none;
    faces[i] = face;
    boxes.set(boxFeatures(face, mat.cols, mat.rows), i * 5);
    crops.push({ rgb: cropFace({ data: data as Uint8Array, width: mat.cols, height: mat.rows }, face, size) });
  });
  const images = new Float32Array(crops.length * IMAGE);
  crops.forEach((c, k) => normalizer.toChw(c.rgb, size, images, k * IMAGE));
  return { start, count, valid, placeholder, boxes, faces, images, ...(options.keepFrames ? { pixels } : {}) };
}

/** Main side: a chunk → its FrameInputs (`toMat` rebuilds a frame's Mat when it was kept). */
export function unpackChunk(chunk: FrameChunk, imageSize: number, toMat?: (rows: number, cols: number, data: Uint8Array) => Mat): FrameInput[] {
  const IMAGE = 3 * imageSize * imageSize;
  const out: FrameInput[] = [];
  let k = 0;
  for (let i = 0; i < chunk.count; i += 1) {
    const p = chunk.pixels?.[i];
    const keep = { ...(p && toMat ? { mat: toMat(p.rows, p.cols, p.data) } : {}), ...(chunk.fps ? { time: (chunk.start + i) / chunk.fps } : {}) };
    const box = chunk.boxes.subarray(i * 5, (i + 1) * 5);
    const face = chunk.faces[i];
    if (chunk.valid[i] === 1 && face) {
      out.push({ index: chunk.start + i, valid: true, placeholder: LABEL.none, box, image: chunk.images.subarray(k * IMAGE, (k + 1) * IMAGE), face, ...keep });
      k += 1;
    } else out.push({ index: chunk.start + i, valid: false, placeholder: chunk.placeholder[i] as number, box, ...keep });
  }
  return out;
}
