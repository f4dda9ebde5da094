// The settings of a training run, as train() takes them.

/**
 * One process of a data-parallel job (LibTorch's c10d: Gloo on CPU, NCCL on CUDA). Every process
 * calls train() with the same options and its own rank; they meet at `masterAddr:masterPort`, where
 * rank 0 listens. `batchSize` stays the global batch, split across the processes, so a job of any
 * size takes the same steps; rank 0 alone writes the run folder.
 */
export interface DistributedOptions {
  rank: number;
  worldSize: number;
  /** Rank 0's address (default 127.0.0.1). */
  masterAddr?: string;
  /** Rank 0's TCP port for the rendezvous (default 29500). */
  masterPort?: number;
  /** A collective that waits longer than this fails the job (default 1800). */
  timeoutSeconds?: number;
}

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
  /** torchvision ImageNet weights for the image encoder (its fc is replaced): a file, or a cached model's name (`regnet_y_16gf`). */
  pretrained?: string;
  /** A whole iCatcher+ or gazecoder checkpoint to start from: a file, or a cached model's name (`icatcher+_lookit_regnet`). */
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
  /**
   * Shared-frame training: windows per clip of consecutive same-parity windows of one video (1, the
   * default, is iCatcher+'s per-window recipe). A batch of `batchSize` windows is made of whole clips
   * and holds each frame once, so the image encoder runs (K + 4) / K times per window instead of 5.
   * ColorJitter is drawn per frame, the horizontal flip per clip. Kept on `resume`.
   */
  sharedFrames?: number;
  /** The image encoder's BatchNorm layers in eval mode while training: the pretrained running statistics normalise and stay fixed ("partial BN"). */
  freezeEncoderBatchNorm?: boolean;
  /** Stop after this many epochs without a better validation accuracy (0 or unset: never). */
  earlyStopping?: number;
  /** Steps between the step lines of metrics.jsonl (default 50). */
  logEvery?: number;
  /**
   * Steps between mid-epoch writes of last.pth, so that a killed run loses at most this many steps
   * (unset: last.pth is written at each epoch's end and on stop only). Kept on `resume`.
   */
  checkpointEvery?: number;
  /** Multi-tensor optimizer kernels (default true). */
  foreach?: boolean;
  cudnnBenchmark?: boolean;
  /** CUDA graph capture of the step (CUDA only; not implemented yet). */
  cudaGraphs?: boolean;
  /** This process's place in a data-parallel job; unset: a single process. */
  distributed?: DistributedOptions;
  /** In a data-parallel job, BatchNorm statistics over the global batch instead of each process's slice. */
  syncBatchNorm?: boolean;
}
