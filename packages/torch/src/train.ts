// train(): a whole training run in the native core, on its own thread, as an async iterable of events.
import { join } from 'node:path';

import { readDatasetManifest, trainingVideos } from '@gazecoder/formats';
import { resolveModelFile } from '@gazecoder/models';

import { native, type NativeTrainingHandle } from './native';
import type { NativeTrainMessage, TrainEvent } from './train-events';
import type { TrainOptions } from './train-options';

/** A running (or finished) training: iterate it for its events. */
export interface TrainingRun extends AsyncIterableIterator<TrainEvent>, AsyncDisposable {
  /** Asks the run to stop after the current step; it writes last.pth and ends with a `done` event (reason `aborted`). */
  stop(): void;
}

class NativeTrainingRun implements TrainingRun {
  readonly #options: TrainOptions;
  readonly #signal: AbortSignal | undefined;
  readonly #queue: NativeTrainMessage[] = [];
  #wake: (() => void) | undefined;
  #handle: NativeTrainingHandle | undefined;
  #started: Promise<void> | undefined;
  #finished = false;
  #stopRequested = false;
  readonly #onAbort = () => this.stop();

  constructor(options: TrainOptions, signal: AbortSignal | undefined) {
    this.#options = options;
    this.#signal = signal;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  stop(): void {
    this.#stopRequested = true;
    this.#handle?.stop();
  }

  async next(): Promise<IteratorResult<TrainEvent>> {
    if (this.#finished) return { done: true, value: undefined };
    this.#started ??= this.#start();
    await this.#started;
    while (this.#queue.length === 0) await new Promise<void>((resolve) => (this.#wake = resolve));
    const message = this.#queue.shift() as NativeTrainMessage;
    if (message.type === 'error') {
      this.#end();
      throw new Error(message.message);
    }
    if (message.type === 'done') this.#end();
    return { done: false, value: message };
  }

  /** Stops the run (when the consumer leaves the loop early) and waits until it has ended. */
  async return(): Promise<IteratorResult<TrainEvent>> {
    if (this.#started !== undefined && !this.#finished) {
      this.stop();
      try {
        while (!this.#finished) await this.next();
      } catch {
        // The run failed while stopping; nothing is left to release.
      }
    }
    this.#end();
    return { done: true, value: undefined };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  async #start(): Promise<void> {
    const { dataset, out, pretrained, init, ...settings } = this.#options;
    // A model name (`regnet_y_16gf`, `icatcher+_lookit_regnet`) is its file in the model cache.
    const weights = { ...(pretrained !== undefined ? { pretrained: resolveModelFile(pretrained) } : {}), ...(init !== undefined ? { init: resolveModelFile(init) } : {}) };
    const manifest = await readDatasetManifest(dataset);
    const videos = trainingVideos(dataset, manifest);
    for (const split of ['train', 'val'] as const) {
      if (!videos.some((v) => v.split === split)) throw new Error(`${join(dataset, 'manifest.json')}: no done videos in the ${split} split`);
    }
    this.#handle = native().startTraining({ ...settings, ...weights, dataset, out, videos, imageSize: manifest.imageSize }, (message) => {
      this.#queue.push(message);
      this.#wake?.();
      this.#wake = undefined;
    });
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    if (this.#stopRequested || this.#signal?.aborted) this.#handle.stop();
  }

  #end(): void {
    this.#finished = true;
    this.#signal?.removeEventListener('abort', this.#onAbort);
  }
}

/**
 * Trains a GazeCodingModel on `options.dataset`'s train split, validating on its val split every epoch.
 * The loop runs in the native core on its own thread; events arrive as the run goes (`start`, `step`
 * per optimizer step, `epoch` after each validation, `done` last). The run starts at the first `next()`.
 * Aborting `signal` (or calling `stop()`, or leaving a `for await` loop early) ends the run after the
 * current step with a resumable last.pth. A failure rejects the iteration with the native message.
 */
export function train(options: TrainOptions, { signal }: { signal?: AbortSignal } = {}): TrainingRun {
  return new NativeTrainingRun(options, signal);
}
