/** A dense float32 tensor in row-major (C) order, as it crosses to and from the native core. */
export interface Tensor {
  data: Float32Array;
  shape: number[];
}

/** Number of elements a shape holds. */
export function numel(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** More dimensions than any model input has; the native binding refuses them too. */
const MAX_DIMS = 16;

/**
 * Throws, naming `name`, unless `tensor` is a {@link Tensor} whose shape is a list of non-negative
 * integers (at most 16) and whose data holds exactly as many values: a TypeError for a value of the
 * wrong kind, a RangeError for wrong sizes (fractional, negative, huge, or not matching the data).
 */
export function checkTensor(tensor: unknown, name: string): asserts tensor is Tensor {
  if (typeof tensor !== 'object' || tensor === null || Array.isArray(tensor)) {
    throw new TypeError(`${name} must be { data: Float32Array, shape: number[] }, got ${describe(tensor)}`);
  }
  const { data, shape } = tensor as { data?: unknown; shape?: unknown };
  if (!(data instanceof Float32Array)) throw new TypeError(`${name}.data must be a Float32Array, got ${describe(data)}`);
  if (!Array.isArray(shape)) throw new TypeError(`${name}.shape must be an array of sizes, got ${describe(shape)}`);
  if (shape.length > MAX_DIMS) throw new RangeError(`${name}.shape has ${shape.length} dimensions, at most ${MAX_DIMS} are supported`);
  let count = 1;
  shape.forEach((d: unknown, i) => {
    if (typeof d !== 'number') throw new TypeError(`${name}.shape[${i}] must be a number, got ${describe(d)}`);
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`${name}.shape[${i}] must be a non-negative integer below 2^53, got ${d}`);
    count *= d;  // past 2^53 the product is inexact, but it then cannot equal any array length
  });
  if (count !== data.length) {
    throw new RangeError(`${name}.data has ${data.length} values, but ${name}.shape [${shape.join(', ')}] holds ${count > Number.MAX_SAFE_INTEGER ? 'more than 2^53' : count}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value === 'object' ? 'an object' : typeof value;
}
