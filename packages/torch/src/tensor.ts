/** A dense float32 tensor in row-major (C) order, as it crosses to and from the native core. */
export interface Tensor {
  data: Float32Array;
  shape: number[];
}

/** Number of elements a shape holds. */
export function numel(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}
