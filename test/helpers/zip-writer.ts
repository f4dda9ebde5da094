// A zip writer that can lie: the records of a checkpoint written back with the CRCs, sizes, methods,
// entry counts and directory sizes a damaged or hostile file claims (the fault suite's corpus).
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  data: Buffer;
  /** what the headers claim, when they lie */
  crc?: number;
  size?: number;
  compressedSize?: number;
  /** 0 stored (torch.save's), 8 deflated */
  method?: number;
  /** write the sizes as zip64 (0xffffffff in the header, the value in the extra field) */
  zip64?: boolean;
}

/** A zip archive of `entries` (stored unless an entry says otherwise), with true CRCs unless told otherwise. */
export function writeZip(entries: ZipEntry[], options: { entriesClaimed?: number; directorySizeClaimed?: number } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'latin1');
    const method = e.method ?? 0;
    const crc = e.crc ?? crc32(e.data);
    const size = e.size ?? e.data.length;
    const compressed = e.compressedSize ?? e.data.length;
    const extra = e.zip64 ? Buffer.alloc(20) : Buffer.alloc(0);
    if (e.zip64) {
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(16, 2);
      extra.writeBigUInt64LE(BigInt(size), 4);
      extra.writeBigUInt64LE(BigInt(compressed), 12);
    }
    const header = (central: boolean) => {
      const h = Buffer.alloc(central ? 46 : 30);
      let p = 0;
      h.writeUInt32LE(central ? 0x02014b50 : 0x04034b50, p); p += 4;
      if (central) { h.writeUInt16LE(45, p); p += 2; }
      h.writeUInt16LE(e.zip64 ? 45 : 20, p); p += 2;
      h.writeUInt16LE(0, p); p += 2;  // flags
      h.writeUInt16LE(method, p); p += 2;
      h.writeUInt16LE(0, p); p += 2;  // time
      h.writeUInt16LE(0x21, p); p += 2;  // date 1980-01-01
      h.writeUInt32LE(crc >>> 0, p); p += 4;
      h.writeUInt32LE(e.zip64 ? 0xffffffff : compressed >>> 0, p); p += 4;
      h.writeUInt32LE(e.zip64 ? 0xffffffff : size >>> 0, p); p += 4;
      h.writeUInt16LE(name.length, p); p += 2;
      h.writeUInt16LE(extra.length, p); p += 2;
      if (central) {
        p += 8;  // comment length, disk, internal and external attributes
        h.writeUInt32LE(offset, p + 2);
      }
      return h;
    };
    centrals.push(Buffer.concat([header(true), name, extra]));
    const local = Buffer.concat([header(false), name, extra, e.data]);
    locals.push(local);
    offset += local.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(options.entriesClaimed ?? entries.length, 8);
  end.writeUInt16LE(options.entriesClaimed ?? entries.length, 10);
  end.writeUInt32LE(options.directorySizeClaimed ?? directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}


