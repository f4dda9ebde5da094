// Just enough of the zip format to read NumPy .npz files: the central directory (with zip64
// sizes, which numpy forces), stored and deflated entries. Every offset is bounded by the archive,
// every entry's CRC-32 is checked, and inflated sizes are limited, so a hostile archive is an error
// naming it, never a crash or an exhausted memory.
import { crc32, inflateRawSync } from 'node:zlib';

const EOCD = 0x06054b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const ZIP64_EXTRA = 0x0001;

/** Largest total of inflated bytes one archive may hold unless the caller says otherwise. */
export const DEFAULT_MAX_INFLATED_BYTES = 2 ** 31;

/** An archive whose entries would inflate beyond the limit (a zip bomb, or just too big to hold). */
export class ZipBombError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipBombError';
  }
}

export interface ReadZipOptions {
  /** the most bytes all entries together may inflate to (default 2 GiB) */
  maxInflatedBytes?: number;
}

/** Every file in a zip archive, by name. `source` names the archive in errors. */
export function readZipEntries(zip: Buffer, source: string, options: ReadZipOptions = {}): Map<string, Buffer> {
  const limit = options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES;
  const corrupt = (problem: string): never => {
    throw new Error(`${source}: corrupt zip archive: ${problem}`);
  };
  /** Checks that [start, start + length) lies inside the archive. */
  const within = (start: number, length: number, what: string): void => {
    if (!(Number.isSafeInteger(start) && start >= 0 && length >= 0 && start + length <= zip.length)) corrupt(`${what} at offset ${start} (+${length}) lies outside the ${zip.length}-byte file`);
  };
  let eocd = -1;
  for (let p = zip.length - 22; p >= Math.max(0, zip.length - 22 - 65535); p -= 1) {
    if (zip.readUInt32LE(p) === EOCD) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${source}: not a zip archive (no end-of-central-directory record)`);
  let entries = zip.readUInt16LE(eocd + 10);
  let directorySize = zip.readUInt32LE(eocd + 12);
  let p = zip.readUInt32LE(eocd + 16);
  // zip64: the real counts and offsets are in the zip64 end record that the locator points to.
  if (entries === 0xffff || p === 0xffffffff || directorySize === 0xffffffff) {
    const locator = eocd - 20;
    if (locator < 0 || zip.readUInt32LE(locator) !== ZIP64_LOCATOR) corrupt('zip64 sizes without a zip64 locator');
    const record = Number(zip.readBigUInt64LE(locator + 8));
    within(record, 56, 'the zip64 end record');
    if (zip.readUInt32LE(record) !== ZIP64_EOCD) corrupt('no zip64 end record where the locator points');
    entries = Number(zip.readBigUInt64LE(record + 32));
    directorySize = Number(zip.readBigUInt64LE(record + 40));
    p = Number(zip.readBigUInt64LE(record + 48));
  }
  within(p, directorySize, 'the central directory');
  const directoryEnd = p + directorySize;
  const files = new Map<string, Buffer>();
  let inflated = 0;
  for (let i = 0; i < entries; i += 1) {
    if (p + 46 > directoryEnd || zip.readUInt32LE(p) !== CENTRAL) corrupt(`central directory entry ${i} is missing or malformed`);
    const flags = zip.readUInt16LE(p + 8);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    let compressed = zip.readUInt32LE(p + 20);
    let size = zip.readUInt32LE(p + 24);
    const nameLength = zip.readUInt16LE(p + 28);
    const extraLength = zip.readUInt16LE(p + 30);
    const commentLength = zip.readUInt16LE(p + 32);
    let localOffset = zip.readUInt32LE(p + 42);
    const entryEnd = p + 46 + nameLength + extraLength + commentLength;
    if (entryEnd > directoryEnd) corrupt(`central directory entry ${i} runs past the directory`);
    const name = zip.subarray(p + 46, p + 46 + nameLength).toString('utf8');
    // zip64: the fields that overflowed (0xFFFFFFFF) follow, in order, in the 0x0001 extra block.
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = zip.readUInt16LE(e);
      const length = zip.readUInt16LE(e + 2);
      if (e + 4 + length > extraEnd) corrupt(`entry '${name}': extra field runs past its entry`);
      if (id === ZIP64_EXTRA) {
        let q = e + 4;
        const next = (): number => {
          if (q + 8 > e + 4 + length) corrupt(`entry '${name}': zip64 extra field too short`);
          const value = Number(zip.readBigUInt64LE(q));
          q += 8;
          return value;
        };
        if (size === 0xffffffff) size = next();
        if (compressed === 0xffffffff) compressed = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      e += 4 + length;
    }
    if (flags & 0x1) throw new Error(`${source}: zip entry '${name}' is encrypted`);
    if (files.has(name)) corrupt(`two entries named '${name}'`);
    within(localOffset, 30, `the local header of '${name}'`);
    if (zip.readUInt32LE(localOffset) !== LOCAL) corrupt(`no local header for '${name}' at offset ${localOffset}`);
    const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    if (dataStart + compressed > zip.length) throw new Error(`${source}: zip entry '${name}' is truncated (${compressed} bytes announced at offset ${dataStart}, the file has ${zip.length})`);
    // The declared size is checked before anything is inflated, and inflating stops at it.
    if (!Number.isSafeInteger(size) || inflated + size > limit) {
      throw new ZipBombError(`${source}: zip entry '${name}' would inflate the archive to more than ${limit} bytes (${size} declared)`);
    }
    const raw = zip.subarray(dataStart, dataStart + compressed);
    let data: Buffer;
    if (method === 0) data = raw;
    else if (method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, size) });
      } catch (error) {
        if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new ZipBombError(`${source}: zip entry '${name}' inflates to more than its declared ${size} bytes (a zip bomb?)`);
        throw new Error(`${source}: zip entry '${name}' does not inflate: ${(error as Error).message}`);
      }
    } else throw new Error(`${source}: zip entry '${name}' uses compression method ${method}; only stored and deflate are supported`);
    if (data.length !== size) throw new Error(`${source}: zip entry '${name}' has ${data.length} bytes, expected ${size}`);
    if (crc32(data) !== crc) throw new Error(`${source}: zip entry '${name}' fails its CRC-32 check (stored ${crc.toString(16).padStart(8, '0')}, computed ${crc32(data).toString(16).padStart(8, '0')}): the file is corrupt`);
    inflated += size;
    files.set(name, data);
    p = entryEnd;
  }
  return files;
}

/**
 * A zip archive of stored (uncompressed) entries, as `np.savez` writes it; classic zip (no zip64), so
 * each entry and the archive must stay under 4 GiB.
 */
export function writeZipEntries(entries: ReadonlyArray<[string, Buffer]>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(EOCD, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
