// Loads the addon once, after the process-wide settings that LibTorch reads at load time.
import { cpus } from 'node:os';

import { loadAddon } from '@gazecoder/native';

import type { NativeTrainMessage } from './train-events';
import type { TrainOptions } from './train-options';

/** Runtime facts as the native core reports them. */
export interface NativeRuntimeInfo {
  gazecoderVersion: string;
  torchVersion: string;
  torchBuiltWithCuda: boolean;
  cudaAvailable: boolean;
  cudnnVersion: string | null;
  gpus: { index: number; name: string; totalMemoryBytes: number; computeCapability: string }[];
  intraOpThreads: number;
  interOpThreads: number;
  parallelBackend: string;
  blas: string;
  cpuCapability: string;
  /** c10d backends for data-parallel training (`gloo`, `nccl`); empty when built without them. */
  distributedBackends: string[];
}

export interface NativeSelfTestOptions {
  steps?: number;
  batchSize?: number;
  imageSize?: number;
  seed?: number;
  device?: string;
}

export interface NativeSelfTestResult {
  device: string;
  losses: number[];
  seconds: number;
  lossFell: boolean;
}

export interface NativeModelSpec {
  arch?: string;
  kind?: 'gaze' | 'backbone';
  numClasses?: number;
  window?: number;
  device?: string;
  init?: 'torchvision' | 'skip';
}

export interface NativeTensor {
  data: Float32Array;
  shape: number[];
}

/** The addon's model handle; see model.ts for the documented API. */
export interface NativeModel {
  describe(): {
    arch: string;
    kind: 'gaze' | 'backbone';
    device: string;
    parameterCount: number;
    state: { key: string; shape: number[] }[];
  };
  loadWeights(path: string, options?: { verifyCrc?: boolean }): Promise<{ interpretedAs: string; loaded: string[]; skipped: string[] }>;
  saveWeights(path: string): Promise<void>;
  forward(images: NativeTensor, boxes: NativeTensor | undefined, train: boolean): Promise<NativeTensor>;
  convert(dtype: string, channelsLast: boolean): Promise<void>;
  predictWindows(options: NativeWindowOptions): Promise<NativeWindowPredictions>;
  encodeImages(images: NativeTensor): Promise<NativeTensor>;
  predictFromEmbeddings(embeddings: NativeTensor, boxes: NativeTensor): Promise<NativeTensor>;
  dispose(): void;
}

/** An 8-bit 3-channel image, rows × cols × 3 bytes, row-major: a BGR frame or an RGB face crop. */
export interface NativeImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** One RetinaFace detection in frame pixels: float32 values as batch_face computes them. */
export interface NativeFaceDetection {
  /** x1, y1, x2, y2 */
  box: number[];
  score: number;
  /** (x, y) of the eyes, the nose and the mouth corners */
  landmarks: number[];
}

export interface NativeRetinaFace {
  detect(frames: NativeImage[], options?: { threshold?: number; nmsThreshold?: number; topK?: number; keepTopK?: number }): Promise<NativeFaceDetection[][]>;
  dispose(): void;
}

export interface NativeFaceClassifier {
  classify(crops: NativeImage[]): Promise<{ label: number; logits: number[] }[]>;
  dispose(): void;
}

/** What predictWindows() passes to the addon (see window-predictions.ts). */
export interface NativeWindowOptions {
  videos: { id: string; dir: string }[];
  imageSize: number;
  windowSize?: number;
  stride?: number;
  mean?: number[];
  std?: number[];
  batchSize?: number;
  workers?: number;
}

/** One entry per window, in video then frame order; `logits` holds 3 per window. */
export interface NativeWindowPredictions {
  videos: string[];
  video: Uint32Array;
  start: Int32Array;
  label: Int8Array;
  predicted: Int8Array;
  logits: Float32Array;
}

/** The settings train() passes to the addon: the caller's, plus what it read from the dataset's manifest. */
export type NativeTrainOptions = Omit<TrainOptions, 'dataset'> & {
  dataset: string;
  videos: { id: string; dir: string; split: 'train' | 'val' }[];
  imageSize: number;
};

/** A training run on its native thread. */
export interface NativeTrainingHandle {
  /** Ends the run after the current step (idempotent). */
  stop(): void;
}

/** The functions the addon exports; every heavy one returns a promise settled off the main thread. */
export interface NativeAddon {
  info(): NativeRuntimeInfo;
  setThreads(threads: number): number;
  selfTest(options?: NativeSelfTestOptions): Promise<NativeSelfTestResult>;
  architectures(): string[];
  createModel(spec: NativeModelSpec): Promise<NativeModel>;
  createRetinaFace(options: { weights: string; device?: string; verifyCrc?: boolean }): Promise<NativeRetinaFace>;
  createFaceClassifier(options: { weights: string; device?: string; verifyCrc?: boolean }): Promise<NativeFaceClassifier>;
  /** Starts a run on its own thread; onEvent gets every event, the last being `done` or `error`. */
  startTraining(options: NativeTrainOptions, onEvent: (message: NativeTrainMessage) => void): NativeTrainingHandle;
  /** Ends the process at once, without C++ destructors (see exitNow in runtime.ts). */
  quickExit(code: number): never;
  /** Fails every collective this process waits on, now or later, with `reason` (see abandonCollectives in distributed.ts). */
  abandonCollectives(reason: string): void;
}

let addon: NativeAddon | undefined;

/**
 * Threads for LibTorch's intra-op pool: `GAZECODER_THREADS` when set, else one per core.
 * Debian's LibTorch would otherwise start with a single thread.
 */
export function defaultThreads(): number {
  const fromEnv = Number.parseInt(process.env.GAZECODER_THREADS ?? '', 10);
  return Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : cpus().length;
}

/** The loaded addon. The first call loads it. */
export function native(): NativeAddon {
  if (addon === undefined) {
    // libgomp reads this once when LibTorch is loaded; spinning threads starve busy machines.
    process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
    // @gazecoder/native knows where the addon is and names the file and the fix when it cannot load.
    addon = loadAddon() as NativeAddon;
    addon.setThreads(defaultThreads());
  }
  return addon;
}
