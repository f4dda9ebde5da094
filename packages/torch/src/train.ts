// train(): a whole training run in the native core, on its own thread, as an async iterable of events.
import { join } from 'node:path';

import { readDatasetManifest, trainingVideos } from './dataset';
import { native, type NativeTrainingHandle } from './native';
import type { NativeTrainMessage, TrainEvent } from './train-events';

/**
 * What to train. Only `dataset` and `out` are required; unset settings take iCatcher+'s defaults
 * (Adam lr 1e-5, batch 64, 100 epochs, regnet_y_16gf) and the device's speed defaults (CUDA: bf16 or
 * fp16 autocast, channels_last, cuDNN benchmark; CPU: fp32, or bf16 autocast + channels_last with
 * LibTorch 2 on a CPU with native bf16) or, with `resume`, the run's own settings.
 */
export interface TrainOptions {
  /** A packed dataset folder (manifest.json + videos/), as `gazecoder preprocess` writes it. */
  dataset: string;
  /** The run folder: config.json, metrics.jsonl, last.pth, best.pth. */
  out: string;
  /** Continue the run in `out` exactly where last.pth left it. */
  resume?: boolean;
  /** A torchvision name (default regnet_y_16gf) or a custom RegNet: `regnet:depth=5,w0=16,wa=12,wm=2,group=8,se=0.25`. */
  arch?: string;
  /** torchvision ImageNet weights for the image encoder (its fc is replaced). */
  pretrained?: string;
  /** A whole iCatcher+ or gazecoder checkpoint to start from. */
  init?: string;
  batchSize?: number;
  epochs?: number;
  lr?: number;
  optimizer?: 'adam' | 'sgd';
  amp?: 'fp16' | 'bf16' | 'off';
  channelsLast?: boolean;
  /** `auto` (default), `cpu`, `cuda` or `cuda:N`. */
  device?: string;
  /** Data loader threads. */
  workers?: number;
  /** Seeds initialisation, shuffling, augmentation and dropout (default 42). */
  seed?: number;
  eliminateTransitions?: boolean;
  useMutuallyAgreed?: boolean;
  /** iCatcher+'s --horiz_flip: mirror half the windows, swapping left and right. */
  horizontalFlip?: boolean;
  /** Stop after this many epochs without a better validation accuracy (0 or unset: never). */
  earlyStopping?: number;
  /** Steps between the step lines of metrics.jsonl (default 50). */
  logEvery?: number;
  /** Multi-tensor optimizer kernels (default true). */
  foreach?: boolean;
  cudnnBenchmark?: boolean;
  /** CUDA graph capture of the step (CUDA only; not implemented yet). */
  cudaGraphs?: boolean;
}

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
    const { dataset, out, ...settings } = this.#options;
    const manifest = await readDatasetManifest(dataset);
    const videos = trainingVideos(dataset, manifest);
    for (const split of ['train', 'val'] as const) {
      if (!videos.some((v) => v.split === split)) throw new Error(`${join(dataset, 'manifest.json')}: no done videos in the ${split} split`);
    }
    this.#handle = native().startTraining({ ...settings, dataset, out, videos, imageSize: manifest.imageSize }, (message) => {
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
