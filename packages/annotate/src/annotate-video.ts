// One video through the model (icatcher-plus.md §12.2 steps 6 and 8): a window of `windowSize`
// frames sampled every `stride` frames runs wherever its middle frame has a face, and its argmax and
// max softmax become that frame's answer. Frames stream through in chunks; a frame is let go as soon
// as no window still needs it. The frames are prepared in a worker process (frame-pipeline.ts), which
// prepares the next chunks while the model runs this one.
import { performance } from 'node:perf_hooks';

import { fixIllegalTransitionsAt, LABEL, type IllegalTransitions } from '@gazecoder/formats';
import { VideoError } from '@gazecoder/preprocess';

import { noStageTimes, type FrameInput, type FrameReaderOptions, type StageTimes } from './frame-inputs';
import type { WindowRunner } from './window-runner';

/** iCatcher+'s sliding_window_size and window_stride (9 and 2: frames t, t+2, …, t+8). */
export interface WindowShape {
  windowSize: number;
  stride: number;
  /**
   * iCatcher+'s --illegal_transitions_path (§12.2 step 7): fixed at every step over the answers
   * ending at its middle frame; the output cursor moves back by the longest run L, so the last
   * half + L frames are shown as `none`.
   */
  smoothing?: IllegalTransitions;
}

/** Receives each frame once its answer is final, in order (decorated frames, the output video). */
export interface FrameSink {
  /** `shown`: the class written for the frame (`none` at the video's end, where the answer keeps its placeholder). */
  frame(input: FrameInput, answer: number, confidence: number, shown: number): Promise<void>;
}

export interface VideoAnnotation {
  frames: number;
  /** frames where a face was selected */
  faces: number;
  /** per frame: 0–2 predicted, else the placeholder (−3 none, −2 noface, −1 nobabyface), as iCatcher+'s answers array */
  answers: Int8Array;
  /** max softmax where predicted, else −1 */
  confidences: Float64Array;
  /** frames at the end shown as `none`, −1: (windowSize − 1) / 2, plus L with illegal transitions */
  edge: number;
}

/** Argmax (first on ties, as torch.argmax) and max softmax of 3 logits. */
function decide(logits: Float32Array, offset: number): [number, number] {
  let best = 0;
  for (let c = 1; c < 3; c += 1) if ((logits[offset + c] as number) > (logits[offset + best] as number)) best = c;
  const top = logits[offset + best] as number;
  let sum = 0;
  for (let c = 0; c < 3; c += 1) sum += Math.exp((logits[offset + c] as number) - top);
  return [best, 1 / sum];
}

export async function annotateVideo(
  file: string,
  reader: FrameReaderOptions,
  /**
   * May still be loading: the frames are read (the worker decoding and detecting chunks ahead)
   * meanwhile, so the model's load overlaps the video's first chunks. A video that fails before the
   * runner is needed rejects with its own error; which error a run reports is the caller's choice.
   */
  loading: WindowRunner | PromiseLike<WindowRunner>,
  shape: WindowShape,
  sinks: readonly FrameSink[] = [],
  onProgress?: (frames: number) => void,
  /** each stage's seconds are added here */
  times: StageTimes = noStageTimes(),
): Promise<VideoAnnotation> {
  const edge = Math.floor((shape.windowSize - 1) / 2);
  const perWindow = Math.floor((shape.windowSize + 1) / shape.stride);
  const answers: number[] = [];
  const confidences: number[] = [];
  const live = new Map<number, FrameInput>(); // frames some window may still need
  let nextMiddle = edge;
  let nextFix = edge; // the step of every middle frame before this one has been smoothed
  const tail = edge + (shape.smoothing?.longest ?? 0);
  let released = 0; // frames before this one have gone to the sinks
  let faces = 0;
  let runner: WindowRunner | undefined;

  const release = async (upTo: number, total?: number): Promise<void> => {
    for (; released < upTo; released += 1) {
      const input = live.get(released) as FrameInput;
      const atEnd = total !== undefined && released >= total - tail;
      const shown = atEnd ? LABEL.none : (answers[released] as number);
      for (const sink of sinks) await sink.frame(input, answers[released] as number, atEnd ? -1 : (confidences[released] as number), shown);
      runner?.dropFrame(input);
      live.delete(released);
    }
  };

  for await (const chunk of reader.pipeline.read(file, reader, times)) {
    for (const input of chunk) {
      live.set(input.index, input);
      answers.push(input.placeholder);
      confidences.push(-1);
      if (input.valid) faces += 1;
    }
    runner ??= await loading;
    const modelStart = performance.now();
    await runner.addFrames(chunk);
    const last = answers.length - 1;
    const middles: number[] = [];
    const windows: FrameInput[][] = [];
    for (; nextMiddle + edge <= last; nextMiddle += 1) {
      if (!(live.get(nextMiddle) as FrameInput).valid) continue;
      middles.push(nextMiddle);
      windows.push(Array.from({ length: perWindow }, (_, k) => live.get(nextMiddle - edge + k * shape.stride) as FrameInput));
    }
    const logits = await runner.predict(windows);
    times.model += (performance.now() - modelStart) / 1000;
    middles.forEach((m, i) => {
      const [label, confidence] = decide(logits, i * 3);
      answers[m] = label;
      confidences[m] = confidence;
    });
    // In step order, as predict_from_video fixes after each window; frames before nextMiddle − edge
    // (those released below) are past the reach of any later fix (L ≤ edge).
    if (shape.smoothing) for (; nextFix < nextMiddle; nextFix += 1) fixIllegalTransitionsAt(nextFix, answers, confidences, shape.smoothing);
    await release(Math.max(0, nextMiddle - edge));
    onProgress?.(answers.length);
  }
  runner ??= await loading;
  if (answers.length === 0) throw new VideoError(file, 'no frame could be decoded');
  await release(answers.length, answers.length);
  return { frames: answers.length, faces, answers: Int8Array.from(answers), confidences: Float64Array.from(confidences), edge: tail };
}
