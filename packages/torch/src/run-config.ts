// What a checkpoint's training run says about the model: config.json (written by `gazecoder train`) in
// the checkpoint's folder gives its architecture, crop size, window and normalisation; absent, the
// defaults hold.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { RUN_FILES, type RunConfig } from '@gazecoder/formats';

export interface RunModelSettings {
  /** the run's config.json, when there is one */
  configPath?: string;
  arch?: string;
  /** side of the square face crops the model was trained on */
  imageSize?: number;
  windowSize?: number;
  stride?: number;
  mean?: [number, number, number];
  std?: [number, number, number];
}

/** A JSON object whose fields may be missing or of any type, keyed by the schema's names. */
type Lenient<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? unknown : T[K] extends object ? Lenient<T[K]> : unknown };

function triple(value: unknown): [number, number, number] | undefined {
  return Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'number') ? (value as [number, number, number]) : undefined;
}

/** Reads config.json next to `checkpoint`; errors name the file when it is there but unreadable. */
export function runModelSettings(checkpoint: string): RunModelSettings {
  const configPath = join(dirname(checkpoint), RUN_FILES.config);
  if (!existsSync(configPath)) return {};
  // Each field is checked on its own: a config.json of an older or hand-edited run still gives what it has.
  let config: Lenient<RunConfig>;
  try {
    config = JSON.parse(readFileSync(configPath, 'utf8')) as Lenient<RunConfig>;
  } catch (error) {
    throw new Error(`${configPath}: not valid JSON: ${(error as Error).message}`);
  }
  const samples: Lenient<RunConfig['samples']> = config.samples ?? {};
  const normalize: Lenient<RunConfig['augmentation']['normalize']> | undefined = config.augmentation?.normalize;
  return {
    configPath,
    ...(typeof config.arch === 'string' ? { arch: config.arch } : {}),
    ...(Number.isInteger(config.imageSize) && (config.imageSize as number) > 0 ? { imageSize: config.imageSize as number } : {}),
    ...(typeof samples.windowSize === 'number' ? { windowSize: samples.windowSize } : {}),
    ...(typeof samples.stride === 'number' ? { stride: samples.stride } : {}),
    ...(triple(normalize?.mean) ? { mean: triple(normalize?.mean) } : {}),
    ...(triple(normalize?.std) ? { std: triple(normalize?.std) } : {}),
  };
}

/** Frames the model sees per prediction for a run's window: (windowSize + 1) / stride, 5 for iCatcher+'s 9/2. */
export function framesPerWindow(windowSize: number, stride: number): number {
  return Math.floor((windowSize + 1) / stride);
}
