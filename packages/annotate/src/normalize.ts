// torchvision's ToTensor + Normalize on an RGB crop, in float32 steps as PyTorch takes them.

/** Per-channel mean and std (ImageNet's unless the training run says otherwise). */
export interface Normalization {
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

export const IMAGENET: Normalization = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/** Turns S×S×3 RGB bytes into a normalised 3×S×S float32 image (CHW). */
export class Normalizer {
  // One table per channel: every byte value's normalised float32.
  readonly #tables: Float32Array[];

  constructor(normalization: Normalization) {
    const f = Math.fround;
    this.#tables = [0, 1, 2].map((c) => {
      const mean = f(normalization.mean[c] as number);
      const std = f(normalization.std[c] as number);
      return Float32Array.from({ length: 256 }, (_, v) => f(f(f(v / 255) - mean) / std));
    });
  }

  /** Writes the CHW image of `rgb` (HWC bytes, `size`×`size`) into `out` at `offset`. */
  toChw(rgb: Uint8Array, size: number, out: Float32Array, offset = 0): void {
    const plane = size * size;
    for (let c = 0; c < 3; c += 1) {
      const table = this.#tables[c] as Float32Array;
      const base = offset + c * plane;
      for (let i = 0; i < plane; i += 1) out[base + i] = table[rgb[i * 3 + c] as number] as number;
    }
  }
}
