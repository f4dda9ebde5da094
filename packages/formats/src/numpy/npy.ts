// NumPy .npy (format 1.0-3.0, little-endian, C order) for the dtypes the packed dataset and
// iCatcher+'s outputs use. Reading also accepts <i8 (iCatcher+'s answers) and fixed-width unicode.
import { open, readFile, type FileHandle } from 'node:fs/promises';

import { writeFileAtomic } from '../atomic-write';
import { readNpyHeader } from './npy-header';

/** The .npy dtypes this module reads and writes, by NumPy descr. */
export type NpyDtype = 'u1' | 'i1' | 'i2' | 'i4' | 'i8' | 'f4' | 'f8';

export type NpyData = Uint8Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array;

/** An n-d array as stored in a .npy file. */
export interface NpyArray<T extends NpyData = NpyData> {
  data: T;
  shape: number[];
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

const CONSTRUCTORS = {
  u1: Uint8Array,
  i1: Int8Array,
  i2: Int16Array,
  i4: Int32Array,
  i8: BigInt64Array,
  f4: Float32Array,
  f8: Float64Array,
} as const;

function dtypeOf(data: NpyData): NpyDtype {
  if (data instanceof Uint8Array) return 'u1';
  if (data instanceof Int8Array) return 'i1';
  if (data instanceof Int16Array) return 'i2';
  if (data instanceof Int32Array) return 'i4';
  if (data instanceof BigInt64Array) return 'i8';
  if (data instanceof Float32Array) return 'f4';
  return 'f8';
}

function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** NumPy's descr of a dtype: byte order and type code. */
function descrOf(dtype: NpyDtype): string {
  return `${dtype === 'u1' || dtype === 'i1' ? '|' : '<'}${dtype}`;
}

/**
 * The .npy preamble (magic, version, header) for a NumPy `descr` ('<f4', '|O', …) and `shape`,
 * padded to `length` bytes (a multiple of 64; by default the smallest that fits).
 */
export function npyPreamble(descr: string, shape: readonly number[], length?: number): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad with spaces and end with a newline so that the data starts at a multiple of 64 bytes.
  const total = length ?? Math.ceil((10 + header.length + 1) / 64) * 64;
  if (total % 64 !== 0 || 10 + header.length + 1 > total) throw new RangeError(`a .npy header for shape (${shape.join(', ')}) does not fit in ${total} bytes`);
  const preamble = Buffer.alloc(total, 0x20);
  MAGIC.copy(preamble);
  preamble[6] = 1;
  preamble[7] = 0;
  preamble.writeUInt16LE(total - 10, 8);
  preamble.write(header, 10, 'latin1');
  preamble[total - 1] = 0x0a;
  return preamble;
}

/** The bytes of a .npy file holding `array` (little-endian hosts only, as all Node targets are). */
export function encodeNpy(array: NpyArray): Buffer[] {
  const { data, shape } = array;
  if (count(shape) !== data.length) throw new RangeError(`shape (${shape.join(', ')}) does not match ${data.length} values`);
  return [npyPreamble(descrOf(dtypeOf(data)), shape), Buffer.from(data.buffer, data.byteOffset, data.byteLength)];
}

/** Writes a .npy file atomically. */
export async function writeNpy(path: string, array: NpyArray): Promise<void> {
  await writeFileAtomic(path, encodeNpy(array));
}

/** An array of fixed-width unicode strings (`<U n`), as NumPy stores string arrays. */
export interface NpyStrings {
  strings: string[];
  shape: number[];
}

/** Parses .npy bytes; `source` names the file in errors. */
export function decodeNpy(bytes: Uint8Array, source: string): NpyArray | NpyStrings {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { descr, fortranOrder, shape, count: n, dataOffset } = readNpyHeader(buf, source);
  if (fortranOrder) throw new Error(`${source}: Fortran-ordered arrays are not supported; save np.ascontiguousarray(x)`);
  const body = buf.subarray(dataOffset);

  const unicode = /^<U(\d+)$/.exec(descr);
  if (unicode) {
    const width = Number(unicode[1]);
    if (body.length !== n * width * 4) throw new Error(`${source}: shape (${shape.join(', ')}) of ${descr} needs ${n * width * 4} bytes, the file has ${body.length}`);
    const strings: string[] = [];
    for (let i = 0; i < n; i += 1) {
      let s = '';
      for (let c = 0; c < width; c += 1) {
        const code = body.readUInt32LE((i * width + c) * 4);
        if (code === 0) break;
        s += String.fromCodePoint(code);
      }
      strings.push(s);
    }
    return { strings, shape };
  }

  const dtype = descr.replace(/^[<|=]/, '') as NpyDtype;
  const Ctor = CONSTRUCTORS[dtype];
  if (!Ctor || descr.startsWith('>')) throw new Error(`${source}: dtype ${descr} is not supported (expected one of ${Object.keys(CONSTRUCTORS).join(', ')}, little-endian)`);
  if (body.length !== n * Ctor.BYTES_PER_ELEMENT) {
    throw new Error(`${source}: shape (${shape.join(', ')}) of ${descr} needs ${n * Ctor.BYTES_PER_ELEMENT} bytes, the file has ${body.length}`);
  }
  // Copy into a fresh, aligned buffer: the data need not start at a multiple of the element size.
  const data = new Ctor(n);
  Buffer.from(data.buffer).set(body);
  return { data, shape };
}

/** Reads a numeric .npy file. */
export async function readNpy(path: string): Promise<NpyArray> {
  const parsed = decodeNpy(await readFile(path), path);
  if ('strings' in parsed) throw new Error(`${path}: holds strings, a numeric array was expected`);
  return parsed;
}

/**
 * Reads a float32 .npy file, as model inputs and outputs are exchanged with Python; any other
 * dtype is an error naming the file and the fix.
 */
export async function readFloat32Npy(path: string): Promise<NpyArray<Float32Array>> {
  const bytes = await readFile(path);
  const { descr } = readNpyHeader(bytes, path);
  if (descr !== '<f4') throw new Error(`${path}: dtype ${descr} is not supported; save the array as float32 (<f4), e.g. x.astype(np.float32)`);
  return decodeNpy(bytes, path) as NpyArray<Float32Array>;
}

/** Room for the header of a growing array: any realistic shape fits in 128 bytes. */
const APPEND_PREAMBLE = 128;

/**
 * Writes a .npy array row by row when the number of rows is known only at the end (face crops of a
 * long video do not fit in memory): space for the header is reserved first and filled on close.
 * Not atomic by itself; write into a staging folder.
 */
export class NpyAppender {
  private rows = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private offset = APPEND_PREAMBLE;

  private constructor(
    private readonly handle: FileHandle,
    private readonly dtype: NpyDtype,
    private readonly rowShape: readonly number[],
    private readonly rowBytes: number,
  ) {}

  static async create(path: string, dtype: NpyDtype, rowShape: readonly number[]): Promise<NpyAppender> {
    const handle = await open(path, 'w');
    await handle.write(Buffer.alloc(APPEND_PREAMBLE), 0, APPEND_PREAMBLE, 0);
    return new NpyAppender(handle, dtype, rowShape, count(rowShape) * CONSTRUCTORS[dtype].BYTES_PER_ELEMENT);
  }

  /** Appends one row (exactly the row's bytes). */
  async append(row: Uint8Array): Promise<void> {
    if (row.byteLength !== this.rowBytes) throw new RangeError(`row of ${row.byteLength} bytes, expected ${this.rowBytes}`);
    this.pending.push(Buffer.from(row.buffer, row.byteOffset, row.byteLength));
    this.pendingBytes += row.byteLength;
    this.rows += 1;
    if (this.pendingBytes >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const chunk = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    await this.handle.write(chunk, 0, chunk.length, this.offset);
    this.offset += chunk.length;
  }

  /** Writes the header for the rows appended and closes the file; returns the row count. */
  async close(): Promise<number> {
    try {
      await this.flush();
      await this.handle.write(npyPreamble(descrOf(this.dtype), [this.rows, ...this.rowShape], APPEND_PREAMBLE), 0, APPEND_PREAMBLE, 0);
    } finally {
      await this.handle.close();
    }
    return this.rows;
  }
}
