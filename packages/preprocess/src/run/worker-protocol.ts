// Messages between the coordinating process and a worker process (one video at a time).
import type { DetectorSpec } from '../detect/detector';
import type { ProcessSettings, VideoResult, VideoTask } from './process-video';

export type ToWorker =
  | { type: 'init'; detector: DetectorSpec; settings: ProcessSettings; openCvThreads: number }
  | { type: 'job'; task: VideoTask };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'fatal'; error: string }
  | { type: 'progress'; id: string; frame: number; expected: number }
  | { type: 'done'; id: string; result: VideoResult }
  | { type: 'failed'; id: string; error: string };
