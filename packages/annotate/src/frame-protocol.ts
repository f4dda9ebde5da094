// Messages between the main thread (frame-pipeline.ts) and the frame worker thread (frame-worker.ts).
import type { DetectorSpec, FaceClassifierSpec, VideoProbe } from '@gazecoder/preprocess';

import type { FrameChunk, FramePrepOptions } from './frame-inputs';

export interface VideoJob {
  id: number;
  file: string;
  detector: DetectorSpec;
  options: FramePrepOptions;
  /** chunks the worker may run ahead of what the main thread has taken */
  depth: number;
}

export type ToFrameWorker =
  /** load (once) and check a detector and an infant-face classifier; answered by 'ready' or 'error' */
  | { type: 'detector'; id: number; detector: DetectorSpec; faceClassifier?: FaceClassifierSpec }
  /** ffprobe a file (from here, so that the main process never forks); answered by 'probed' or 'error' */
  | { type: 'probe'; id: number; file: string }
  | { type: 'job'; job: VideoJob }
  /** the main thread took a chunk: one more may come */
  | { type: 'credit'; id: number }
  /** stop the job (the reader went away); its video is closed */
  | { type: 'cancel'; id: number };

export type FromFrameWorker =
  | { type: 'ready'; id: number }
  | { type: 'probed'; id: number; probe: VideoProbe }
  | { type: 'chunk'; id: number; chunk: FrameChunk }
  | { type: 'end'; id: number }
  /** `file` when the error was a VideoError naming it */
  | { type: 'error'; id: number; error: { message: string; file?: string } };
