// Hostile and damaged inputs to the TS readers: zip archives (.npz) with flipped bits, offsets past
// the file, truncation and zip bombs; .npy headers with negative, overflowing or inconsistent shapes;
// tables with an unterminated quote. Each is an error that names the file and the problem.
import { crc32, deflateRawSync } from 'node:zlib';

import { decodeNpy, encodeNpy, parseDelimited, readZipEntries, writeZipEntries, ZipBombError } from '../src';

/** A one-entry zip archive with a deflated entry whose declared size and CRC can be set. */
function deflatedZip(name: string, data: Buffer, declared: { size?: number; crc?: number } = {}): Buffer {
  const packed = deflateRawSync(data);
  const nameBytes = Buffer.from(name);
  const size = declared.size ?? data.length;
  const crc = declared.crc ?? crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(packed.length, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(packed.length, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + nameBytes.length, 12);
  end.writeUInt32LE(30 + nameBytes.length + packed.length, 16);
  return Buffer.concat([local, nameBytes, packed, central, nameBytes, end]);
}

const npy = (shape: number[]) => Buffer.concat(encodeNpy({ data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i), shape }));
const archive = () => writeZipEntries([['arr_0.npy', npy([2, 3])], ['arr_1.npy', npy([4])]]);

describe('the zip reader', () => {
  it('reads what it writes and a deflated entry', () => {
    expect([...readZipEntries(archive(), 'a.npz').keys()]).toEqual(['arr_0.npy', 'arr_1.npy']);
    const data = Buffer.alloc(5000, 7);
    expect(readZipEntries(deflatedZip('x.npy', data), 'd.npz').get('x.npy')).toEqual(data);
  });

  it('names the entry whose CRC-32 fails, for any flipped bit in its data', () => {
    const zip = archive();
    const dataStart = 30 + 'arr_0.npy'.length;
    for (const offset of [dataStart, dataStart + 70, dataStart + 128 + 5]) {
      const bad = Buffer.from(zip);
      bad[offset] = (bad[offset] as number) ^ 0x10;
      expect(() => readZipEntries(bad, 'flipped.npz')).toThrow(/^flipped\.npz: zip entry 'arr_0\.npy' fails its CRC-32 check .*: the file is corrupt$/);
    }
    const deflated = deflatedZip('x.npy', Buffer.alloc(100, 1), { crc: 12345 });
    expect(() => readZipEntries(deflated, 'd.npz')).toThrow(/d\.npz: zip entry 'x\.npy' fails its CRC-32 check/);
  });

  it('bounds every offset: directory, local header, data, extra fields', () => {
    const zip = archive();
    const eocd = zip.length - 22;
    const withU32 = (at: number, value: number) => {
      const b = Buffer.from(zip);
      b.writeUInt32LE(value, at);
      return b;
    };
    expect(() => readZipEntries(withU32(eocd + 16, 0x7fffffff), 'z.npz')).toThrow(/z\.npz: corrupt zip archive: the central directory at offset 2147483647/);
    expect(() => readZipEntries(withU32(eocd + 12, zip.length * 2), 'z.npz')).toThrow(/z\.npz: corrupt zip archive: the central directory .* lies outside/);
    const central = zip.readUInt32LE(eocd + 16);
    expect(() => readZipEntries(withU32(central + 42, zip.length - 10), 'z.npz')).toThrow(/z\.npz: corrupt zip archive: the local header of 'arr_0\.npy' at offset \d+ \(\+30\) lies outside/);
    expect(() => readZipEntries(withU32(central + 20, 0x7ffffff0), 'z.npz')).toThrow(/z\.npz: zip entry 'arr_0\.npy' is truncated/);
    const longExtra = Buffer.from(zip);
    longExtra.writeUInt16LE(400, central + 30);
    expect(() => readZipEntries(longExtra, 'z.npz')).toThrow(/z\.npz: corrupt zip archive: central directory entry 0 runs past the directory/);
    expect(() => readZipEntries(withU32(eocd + 16, zip.length - 30), 'z.npz')).toThrow(/z\.npz: corrupt zip archive: .*central directory/);
  });

  it('reads every truncation of an archive as a named error', () => {
    const zip = archive();
    for (let n = 0; n < zip.length; n += 7) expect(() => readZipEntries(zip.subarray(0, n), 'cut.npz')).toThrow(/^cut\.npz: /);
  });

  it('stops a zip bomb before it fills memory, as a ZipBombError', () => {
    // 64 MiB of zeros deflate to 64 KiB; declared as 1 KiB, inflating stops at 1 KiB.
    const bomb = deflatedZip('arr_0.npy', Buffer.alloc(64 << 20), { size: 1024 });
    expect(bomb.length).toBeLessThan(100_000);
    expect(() => readZipEntries(bomb, 'bomb.npz')).toThrow(ZipBombError);
    expect(() => readZipEntries(bomb, 'bomb.npz')).toThrow(/bomb\.npz: zip entry 'arr_0\.npy' inflates to more than its declared 1024 bytes \(a zip bomb\?\)/);
    // Declared honestly but beyond the limit: refused before inflating.
    const big = deflatedZip('arr_0.npy', Buffer.alloc(8 << 20));
    expect(() => readZipEntries(big, 'big.npz', { maxInflatedBytes: 1 << 20 })).toThrow(/big\.npz: zip entry 'arr_0\.npy' would inflate the archive to more than 1048576 bytes \(8388608 declared\)/);
    expect(readZipEntries(big, 'big.npz').get('arr_0.npy')?.length).toBe(8 << 20);
  });

  it('refuses two entries of one name', () => {
    const zip = writeZipEntries([['arr_0.npy', npy([1])], ['arr_0.npy', npy([2])]]);
    expect(() => readZipEntries(zip, 'twice.npz')).toThrow(/twice\.npz: corrupt zip archive: two entries named 'arr_0\.npy'/);
  });
});

describe('the .npy reader', () => {
  /** A version-1.0 .npy file whose header gives `shapeText` verbatim. */
  const withShape = (shapeText: string, body = Buffer.alloc(0), descr = '<f4') => {
    const header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
    const total = Math.ceil((10 + header.length + 1) / 64) * 64;
    const pre = Buffer.alloc(10);
    Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(pre);
    pre.writeUInt16LE(total - 10, 8);
    return Buffer.concat([pre, Buffer.from(`${header.padEnd(total - 11, ' ')}\n`, 'latin1'), body]);
  };

  it.each([
    ['a negative dimension', '(-1, 4)', /x\.npy: \.npy shape \(-1, 4\) has a negative dimension/],
    ['a dimension past 2^53', '(99999999999999999999,)', /x\.npy: \.npy shape \(99999999999999999999,\) has a dimension too large to address/],
    ['a product past 2^53', '(4294967296, 4294967296)', /x\.npy: \.npy shape \(4294967296, 4294967296\) has more elements than can be addressed/],
    ['a fractional dimension', '(1.5, 2)', /x\.npy: \.npy shape \(1\.5, 2\) is malformed/],
    ['an empty dimension', '(2,, 3)', /x\.npy: \.npy shape \(2,, 3\) is malformed/],
    ['data shorter than the shape', '(2, 3)', /x\.npy: shape \(2, 3\) of <f4 needs 24 bytes, the file has 8/],
  ])('refuses %s, naming the file', (_, shape, message) => {
    expect(() => decodeNpy(withShape(shape, Buffer.alloc(8)), 'x.npy')).toThrow(message);
  });

  it('refuses a header longer than the file and a string array of absurd width', () => {
    const cut = npy([2, 3]).subarray(0, 40);
    expect(() => decodeNpy(cut, 'cut.npy')).toThrow(/cut\.npy: truncated \.npy header/);
    expect(() => decodeNpy(withShape('(1000, 1000)', Buffer.alloc(4), '<U1000000'), 'u.npy')).toThrow(/u\.npy: shape .* of <U1000000 needs \d+ bytes, the file has 4/);
  });

  it('names the archive and the entry for a bad array inside an .npz', () => {
    const zip = writeZipEntries([['arr_0.npy', withShape('(-3,)')]]);
    const bytes = readZipEntries(zip, 'a.npz').get('arr_0.npy') as Buffer;
    expect(() => decodeNpy(bytes, 'a.npz:arr_0.npy')).toThrow(/a\.npz:arr_0\.npy: \.npy shape \(-3,\) has a negative dimension/);
  });
});

describe('CSV and TSV tables', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks', () => {
    const t = parseDelimited('video,coder1\n"a,b.mp4","say ""hi""\nthere"\r\nc.mp4,d.txt\n', ',', 'v.csv');
    expect(t.rows).toEqual([
      ['a,b.mp4', 'say "hi"\nthere'],
      ['c.mp4', 'd.txt'],
    ]);
  });

  it('names the file and the line of an unterminated quote', () => {
    expect(() => parseDelimited('video,coder1\r\nv1.mp4,c1.txt\r\n"v2.mp4,c2.txt\r\nv3.mp4,c3.txt\r\n', ',', 'videos.csv')).toThrow(
      /^videos\.csv:3: unterminated quote: the field opened on line 3 runs to the end of the file$/,
    );
    expect(() => parseDelimited('id\tsplit\nx\t"train\n', '\t', 'split.tsv')).toThrow(/^split\.tsv:2: unterminated quote/);
  });
});
