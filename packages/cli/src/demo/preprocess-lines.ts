// Preprocess (and annotate) progress as a line per finished video, for the demo's log.
import type { ProgressReporter } from '@gazecoder/progress';

import type { StageLog } from './stage-log';

export class VideoLines implements ProgressReporter {
  #total = 0;
  #done = 0;

  constructor(private readonly log: StageLog) {}

  begin(total: number): void {
    this.#total = total;
  }
  videoStarted(): void {}
  videoProgress(): void {}
  videoDone(id: string, frames: number, crops: number): void {
    this.#done += 1;
    this.log.progress(`video ${this.#done}/${this.#total} ${id}: ${frames} frames, ${crops} face crops`);
  }
  videoFailed(id: string, error: string): void {
    this.#done += 1;
    this.log.progress(`video ${this.#done}/${this.#total} ${id} FAILED: ${error}`);
  }
  end(): void {}
}
