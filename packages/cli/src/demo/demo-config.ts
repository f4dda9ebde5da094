// The demo's two sizes: small enough for 2 CPU cores in a few minutes, or the real model on CUDA.

export interface DemoConfig {
  name: 'small' | 'full';
  synth: { videos: number; seconds: number; seed: number };
  /** crop side: 100 px, iCatcher+'s, which annotate crops at too */
  imageSize: number;
  train: { arch: string; batchSize: number; epochs: number; lr: number; device: string; seed: number };
}

/**
 * 2 CPU cores: a 3-stage custom RegNet-Y (1.7 M parameters, the trainer's `regnet:` spec) learns the
 * synthetic set in about 4 epochs at a high Adam rate; 5 leave room for best-epoch selection.
 */
export const SMALL_DEMO: DemoConfig = {
  name: 'small',
  synth: { videos: 12, seconds: 8, seed: 0 },
  imageSize: 100,
  train: { arch: 'regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25', batchSize: 16, epochs: 5, lr: 3e-3, device: 'cpu', seed: 1 },
};

/** A CUDA machine: iCatcher+'s regnet_y_16gf at batch 64 on 100 px crops, on more and longer videos. */
export const FULL_DEMO: DemoConfig = {
  name: 'full',
  synth: { videos: 24, seconds: 20, seed: 0 },
  imageSize: 100,
  train: { arch: 'regnet_y_16gf', batchSize: 64, epochs: 8, lr: 1e-4, device: 'cuda', seed: 1 },
};
