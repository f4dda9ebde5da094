// A model's predictions on the windows of a packed dataset's split, the windows and their inputs built
// by the native core exactly as training builds its validation batches (collectWindows, no augmentation).
import { join } from 'node:path';

import { readDatasetManifest } from '@gazecoder/formats';
import type { NativeWindowOptions, NativeWindowPredictions } from './native';

export type DatasetSplit = 'train' | 'val' | 'test';

export interface WindowPredictionOptions {
  /** A packed dataset folder (manifest.json + videos/). */
  dataset: string;
  /** Whose done videos to predict (default `test`). */
  split?: DatasetSplit;
  /** Frames a window spans and the step between sampled frames (iCatcher+: 9 and 2, i.e. 5 frames). */
  windowSize?: number;
  stride?: number;
  /** Normalisation of the crops (default ImageNet's, as training). */
  mean?: [number, number, number];
  std?: [number, number, number];
  /** Windows per forward pass (default 64). */
  batchSize?: number;
  /** Batch-assembling threads (default 2). */
  workers?: number;
}

/** Per window (video, then frame order): its video, first frame, true label, predicted class and logits. */
export type WindowPredictions = NativeWindowPredictions;

/** The addon's input: the split's done videos with their folders; errors name manifest.json. */
export async function windowRequest(options: WindowPredictionOptions): Promise<NativeWindowOptions> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`options must be an object ({ dataset, split, ... }), got ${Array.isArray(options) ? 'an array' : options === null ? 'null' : typeof options}`);
  }
  const split = options.split ?? 'test';
  if (!(['train', 'val', 'test'] as unknown[]).includes(split)) {
    throw new RangeError(`split must be 'train', 'val' or 'test', got ${typeof split === 'string' ? `'${split}'` : typeof split}`);
  }
  const manifest = await readDatasetManifest(options.dataset);
  const videos = manifest.videos.filter((v) => v.status === 'done' && v.split === split).map((v) => ({ id: v.id, dir: join(options.dataset, 'videos', v.id) }));
  if (videos.length === 0) throw new Error(`${join(options.dataset, 'manifest.json')}: no done videos in the ${split} split`);
  const { windowSize, stride, mean, std, batchSize, workers } = options;
  return { videos, imageSize: manifest.imageSize, windowSize, stride, mean, std, batchSize, workers };
}
