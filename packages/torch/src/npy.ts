// NumPy .npy files (format 1.0-3.0) of little-endian float32, C order: how `gazecoder model` takes
// inputs from and hands outputs to Python.
import { readFile } from 'node:fs/promises';

import { readNpyHeader, writeFileAtomic } from '@gazecoder/formats';

import { numel, type Tensor } from './tensor';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

/** Reads a float32 .npy file; any other dtype or layout is an error naming the file. */
export async function readNpy(path: string): Promise<Tensor> {
  const bytes = await readFile(path);
  const { descr, fortranOrder, shape, dataOffset } = readNpyHeader(bytes, path);
  if (descr !== '<f4') throw new Error(`${path}: dtype ${descr} is not supported; save the array as float32 (<f4), e.g. x.astype(np.float32)`);
  if (fortranOrder) throw new Error(`${path}: Fortran-ordered arrays are not supported; save np.ascontiguousarray(x)`);

  const expected = numel(shape) * 4;
  if (bytes.length - dataOffset !== expected) {
    throw new Error(`${path}: shape (${shape.join(', ')}) needs ${expected} bytes of data, the file has ${bytes.length - dataOffset}`);
  }
  // Copy into an aligned buffer: the file's data need not start at a multiple of 4.
  const data = new Float32Array(numel(shape));
  Buffer.from(data.buffer).set(bytes.subarray(dataOffset));
  return { data, shape };
}

/** Writes a float32 .npy file atomically (temp file + rename). */
export async function writeNpy(path: string, tensor: Tensor): Promise<void> {
  if (numel(tensor.shape) !== tensor.data.length) {
    throw new RangeError(`shape (${tensor.shape.join(', ')}) does not match ${tensor.data.length} values`);
  }
  const shape = tensor.shape.length === 1 ? `(${tensor.shape[0]},)` : `(${tensor.shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  // The header is padded with spaces and ends in a newline so that the data starts at a multiple of 64.
  header = header.padEnd(Math.ceil((10 + header.length + 1) / 64) * 64 - 10 - 1, ' ') + '\n';
  const prefix = Buffer.alloc(10);
  MAGIC.copy(prefix);
  prefix[6] = 1;
  prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const body = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  await writeFileAtomic(path, [prefix, Buffer.from(header, 'latin1'), body]);
}
