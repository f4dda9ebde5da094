// The preamble of a NumPy .npy file (magic, version, header dict), read the one way every gazecoder
// .npy reader reads it, refusing what numpy's own reader would refuse and what would overflow.

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

export interface NpyHeader {
  /** NumPy's dtype descr, e.g. '<f4', '|u1', '<U12' */
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** the product of `shape` (1 for a 0-d array) */
  count: number;
  /** where the data starts in the file */
  dataOffset: number;
}

function field(header: string, name: string, source: string): string {
  const match = new RegExp(`'${name}'\\s*:\\s*('[^']*'|\\([^)]*\\)|True|False)`).exec(header);
  if (!match?.[1]) throw new Error(`${source}: .npy header has no '${name}' field`);
  return match[1];
}

/** A shape tuple as Python writes it: `()`, `(3,)`, `(2, 3)`; every dimension a non-negative integer. */
function parseShape(text: string, source: string): number[] {
  const inner = text.slice(1, -1).trim();
  if (inner === '') return [];
  const parts = inner.split(',').map((p) => p.trim());
  if (parts[parts.length - 1] === '') parts.pop(); // the trailing comma of (3,)
  const shape = parts.map((p) => {
    if (/^-\d+$/.test(p)) throw new Error(`${source}: .npy shape ${text} has a negative dimension`);
    if (!/^\d+$/.test(p)) throw new Error(`${source}: .npy shape ${text} is malformed`);
    const d = Number(p);
    if (!Number.isSafeInteger(d)) throw new Error(`${source}: .npy shape ${text} has a dimension too large to address`);
    return d;
  });
  return shape;
}

/** Parses the magic, version and header of .npy bytes; `source` names the file in every error. */
export function readNpyHeader(bytes: Uint8Array, source: string): NpyHeader {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw new Error(`${source}: not a .npy file (no \\x93NUMPY magic)`);
  const major = buf[6] as number;
  if (major < 1 || major > 3) throw new Error(`${source}: unsupported .npy format version ${major}`);
  const lengthSize = major === 1 ? 2 : 4;
  if (buf.length < 8 + lengthSize) throw new Error(`${source}: truncated .npy header`);
  const headerLength = lengthSize === 2 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const dataOffset = 8 + lengthSize + headerLength;
  if (dataOffset > buf.length) throw new Error(`${source}: truncated .npy header (${headerLength} bytes announced, ${buf.length - 8 - lengthSize} present)`);
  const header = buf.subarray(8 + lengthSize, dataOffset).toString('latin1');
  const descr = field(header, 'descr', source).replace(/'/g, '');
  const order = field(header, 'fortran_order', source);
  if (order !== 'True' && order !== 'False') throw new Error(`${source}: .npy fortran_order ${order} is not True or False`);
  const shape = parseShape(field(header, 'shape', source), source);
  const count = shape.reduce((a, b) => a * b, 1);
  // Beyond 2^53 the product is no longer exact, so no data length can be checked against it.
  if (!Number.isSafeInteger(count)) throw new Error(`${source}: .npy shape (${shape.join(', ')}) has more elements than can be addressed`);
  return { descr, fortranOrder: order === 'True', shape, count, dataOffset };
}
