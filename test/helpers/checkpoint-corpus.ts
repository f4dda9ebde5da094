// Mutated checkpoints for the fault suite: a real torch.save file taken apart (zip records) and put
// back together wrong in every way a damaged or hostile file can be: cut, bit-flipped, its pickle
// corrupted or cut (with valid CRCs, so that the unpickler sees it), records missing or short, foreign
// globals, deep nesting, absurd sizes. Deterministic (seeded).
import { crc32, deflateRawSync } from 'node:zlib';

import { readZipEntries, rng } from '@gazecoder/formats';

import { writeZip, type ZipEntry } from './zip-writer';

export interface Mutant {
  name: string;
  bytes: Buffer;
}

/** The records of a zip archive, in directory order, as gazecoder's own zip reader gives them. */
function zipRecords(bytes: Buffer): ZipEntry[] {
  return [...readZipEntries(bytes, 'checkpoint')].map(([name, data]) => ({ name, data }));
}

// --- pickle pieces (protocol 2, with a few protocol 4 opcodes) ---------------------------------

const latin1 = (s: string) => Buffer.from(s, 'latin1');
/** BINUNICODE */
const str = (s: string) => {
  const b = Buffer.from(s, 'utf8');
  const h = Buffer.alloc(5);
  h[0] = 0x58;
  h.writeUInt32LE(b.length, 1);
  return Buffer.concat([h, b]);
};
/** An integer: BININT for 32-bit values, LONG1 with 8 bytes otherwise. */
const int = (n: bigint) => {
  if (n >= -(2n ** 31n) && n < 2n ** 31n) {
    const b = Buffer.alloc(5);
    b[0] = 0x4a;
    b.writeInt32LE(Number(n), 1);
    return b;
  }
  const b = Buffer.alloc(10);
  b[0] = 0x8a;
  b[1] = 8;
  b.writeBigInt64LE(BigInt.asIntN(64, n), 2);
  return b;
};
const tuple = (items: bigint[]) => Buffer.concat([latin1('('), ...items.map(int), latin1('t')]);
const global = (module: string, name: string) => latin1(`c${module}\n${name}\n`);
const PROTO2 = latin1('\x80\x02');
const ORDERED_DICT = Buffer.concat([global('collections', 'OrderedDict'), latin1(')R')]);

interface TensorSpec {
  key?: string;
  storage?: string;
  numel?: bigint;
  offset?: bigint;
  size?: bigint[];
  stride?: bigint[];
}

/** _rebuild_tensor_v2 of a persistent storage (the way torch.save writes a tensor). */
function tensorPickle(t: TensorSpec): Buffer {
  return Buffer.concat([
    global('torch._utils', '_rebuild_tensor_v2'),
    latin1('(('),
    str('storage'),
    global('torch', t.storage ?? 'FloatStorage'),
    str(t.key ?? '0'),
    str('cpu'),
    int(t.numel ?? 2n),
    latin1('tQ'),
    int(t.offset ?? 0n),
    tuple(t.size ?? [2n]),
    tuple(t.stride ?? [1n]),
    latin1('\x89'),
    ORDERED_DICT,
    latin1('tR'),
  ]);
}

/** A state dict {w: tensor} */
const stateDictPickle = (tensor: Buffer) => Buffer.concat([PROTO2, ORDERED_DICT, str('w'), tensor, latin1('s.')]);

/** The corpus: every mutant of `base` (a torch.save checkpoint), named by what was done to it. */
export function mutateCheckpoint(base: Buffer, markerDir: string): Mutant[] {
  const random = rng(20261201);  // synth's seeded generator: the same corpus on every run
  const below = (n: number) => Math.floor(random() * n);
  const out: Mutant[] = [];
  const add = (name: string, bytes: Buffer) => out.push({ name, bytes });
  const entries = zipRecords(base);
  const prefix = entries[0]?.name.split('/')[0] ?? 'archive';
  const pklIndex = entries.findIndex((e) => e.name.endsWith('/data.pkl'));
  const pkl = entries[pklIndex]?.data as Buffer;
  const dataRecords = entries.map((e, i) => [e, i] as const).filter(([e]) => /\/data\/\d+$/.test(e.name));
  /** The archive with data.pkl replaced (true CRCs: the unpickler must cope). */
  const withPickle = (program: Buffer, extra: ZipEntry[] = []) =>
    writeZip([...entries.map((e, i) => (i === pklIndex ? { ...e, data: program } : e)), ...extra]);
  /** A whole new archive: this pickle and one data/0 record of `storage` bytes. */
  const archive = (program: Buffer, storage = Buffer.alloc(8)) =>
    writeZip([{ name: `${prefix}/data.pkl`, data: program }, { name: `${prefix}/data/0`, data: storage }, { name: `${prefix}/version`, data: latin1('3\n') }]);

  // The control: taken apart and put together again, it must load.
  add('rewritten intact', writeZip(entries));

  // 1. Cut: at the edges, inside each part, and at random (44 files).
  const cuts = new Set<number>([0, 1, 2, 4, 10, 21, 22, 29, 30, 31, 64, 100, base.length - 1, base.length - 2, base.length - 21, base.length - 22, base.length - 23, base.length - 98]);
  while (cuts.size < 44) cuts.add(1 + below(base.length - 2));
  for (const n of [...cuts].sort((a, b) => a - b)) add(`truncated to ${n} of ${base.length} bytes`, base.subarray(0, n));

  // 2. Bit flips: zip structure (headers, directory, end record) and anywhere at random (70 files).
  const flip = (at: number, bit: number) => {
    const b = Buffer.from(base);
    b[at] = (b[at] as number) ^ (1 << bit);
    return b;
  };
  const structural: [string, number][] = [];
  for (let at = base.indexOf('PK\x03\x04'); at >= 0; at = base.indexOf('PK\x03\x04', at + 4)) {
    for (const field of [0, 8, 14, 18, 22, 26, 28]) structural.push([`local header at ${at} +${field}`, at + field]);
    if (structural.length > 20) break;
  }
  const central = base.indexOf('PK\x01\x02');
  for (const field of [0, 10, 16, 20, 24, 28, 30, 42, 46]) structural.push([`central directory +${field}`, central + field]);
  const end = base.lastIndexOf('PK\x05\x06');
  for (const field of [0, 4, 8, 10, 12, 16, 20]) structural.push([`end of directory +${field}`, end + field]);
  const zip64End = base.lastIndexOf('PK\x06\x06');
  if (zip64End >= 0) for (const field of [0, 24, 32, 40, 48]) structural.push([`zip64 end of directory +${field}`, zip64End + field]);
  for (const [what, at] of structural) add(`bit 3 flipped in the ${what}`, flip(at, 3));
  for (let i = structural.length; i < 70; i += 1) {
    const at = below(base.length);
    const bit = below(8);
    add(`bit ${bit} of byte ${at} flipped`, flip(at, bit));
  }
  // and 8 bytes of 0xff over a random place (10 files)
  for (let i = 0; i < 10; i += 1) {
    const b = Buffer.from(base);
    const at = below(base.length - 8);
    b.fill(0xff, at, at + 8);
    add(`8 bytes of 0xff at ${at}`, b);
  }

  // 3. The pickle corrupted (its CRC recomputed, so the unpickler reads it): random bytes, opcodes
  // swapped for others, cut, the STOP gone, junk after it (62 files).
  const opcodes = '()0123.NRbcdehijklmoqrstuIFGJKLMPQSTVX]}\x80\x81\x85\x86\x87\x88\x89\x8a\x8b\x8c\x93\x94\x95';
  for (let i = 0; i < 24; i += 1) {
    const program = Buffer.from(pkl);
    const at = below(program.length);
    const op = opcodes.charCodeAt(below(opcodes.length));
    program[at] = op;
    add(`pickle byte ${at} set to opcode 0x${op.toString(16)}`, withPickle(program));
  }
  for (let i = 0; i < 12; i += 1) {
    const program = Buffer.from(pkl);
    const at = below(program.length);
    program[at] = below(256);
    add(`pickle byte ${at} set to a random byte`, withPickle(program));
  }
  for (let i = 0; i < 20; i += 1) {
    const n = i === 0 ? 0 : i === 1 ? 2 : i === 2 ? pkl.length - 1 : below(pkl.length);
    add(`pickle cut to ${n} of ${pkl.length} bytes`, withPickle(pkl.subarray(0, n)));
  }
  add('pickle without STOP', withPickle(pkl.subarray(0, pkl.length - 1)));
  add('pickle with junk after STOP', withPickle(Buffer.concat([pkl, latin1('junk\x00\xff')])));
  add('pickle that is empty', withPickle(Buffer.alloc(0)));
  add('pickle of text', withPickle(latin1('hello, world\n')));
  add('pickle protocol 5 header', withPickle(Buffer.concat([latin1('\x80\x05'), pkl.subarray(2)])));
  add('pickle protocol 0 (text) of a dict', withPickle(latin1('(dp0\nS\'a\'\np1\nI1\ns.')));

  // 4. Records missing, short, long, renamed, repeated, reordered (about 30 files).
  for (const [e, i] of [...entries.map((e, i) => [e, i] as const).filter(([e]) => !/\/data\/\d+$/.test(e.name)), ...dataRecords.slice(0, 4), ...dataRecords.slice(-2)]) {
    add(`record ${e.name} missing`, writeZip(entries.filter((_, j) => j !== i)));
  }
  for (const [e, i] of [dataRecords[0], dataRecords[1], dataRecords[dataRecords.length - 1]].filter((x) => x !== undefined)) {
    const replace = (data: Buffer) => writeZip(entries.map((r, j) => (j === i ? { ...r, data } : r)));
    add(`record ${e.name} empty`, replace(Buffer.alloc(0)));
    add(`record ${e.name} one byte short`, replace(e.data.subarray(0, e.data.length - 1)));
    add(`record ${e.name} half`, replace(e.data.subarray(0, e.data.length >> 1)));
    add(`record ${e.name} one byte long`, replace(Buffer.concat([e.data, Buffer.alloc(1)])));
  }
  add('records renamed outside the archive folder', writeZip(entries.map((e, i) => (i === 1 ? { ...e, name: `other/${e.name}` } : e))));
  add('record names without a folder', writeZip(entries.map((e) => ({ ...e, name: e.name.split('/').slice(1).join('/') }))));
  add('a record repeated', writeZip([...entries, entries[1] as ZipEntry]));
  add('records in reverse order', writeZip([...entries].reverse()));
  add('an extra record with a path traversal name', writeZip([...entries, { name: `${prefix}/../../../tmp/evil`, data: latin1('x') }]));
  add('no records', writeZip([]));
  add('only data.pkl', writeZip([entries[pklIndex] as ZipEntry]));

  // 5. Foreign globals: in place of OrderedDict, of the tensor rebuild, of the storage type, and as
  // whole programs that would run a command if anything executed them (the marker files must not appear).
  const replaceText = (from: string, to: string) => {
    const text = pkl.toString('latin1');
    if (!text.includes(from)) return undefined;
    return withPickle(latin1(text.replace(from, to)));
  };
  const foreign: [string, string][] = [
    ['os', 'system'], ['posix', 'system'], ['subprocess', 'Popen'], ['builtins', 'eval'], ['builtins', 'exec'],
    ['__builtin__', 'eval'], ['torch', 'load'], ['torch.nn.modules.linear', 'Linear'], ['__main__', 'Evil'], ['numpy.core.multiarray', '_reconstruct'],
  ];
  for (const [module, name] of foreign) {
    const asDict = replaceText('ccollections\nOrderedDict\n', `c${module}\n${name}\n`);
    if (asDict) add(`global ${module}.${name} instead of OrderedDict`, asDict);
  }
  for (const [module, name] of foreign.slice(0, 5)) {
    const asRebuild = replaceText('ctorch._utils\n_rebuild_tensor_v2\n', `c${module}\n${name}\n`);
    if (asRebuild) add(`global ${module}.${name} instead of _rebuild_tensor_v2`, asRebuild);
  }
  for (const storage of ['os\nsystem', 'torch\nHalfStorage', 'torch\nQInt8Storage', 'torch\nUntypedStorage', 'torch\nNoSuchStorage']) {
    const swapped = replaceText('ctorch\nFloatStorage\n', `c${storage}\n`);
    if (swapped) add(`storage type ${storage.replace('\n', '.')}`, swapped);
  }
  const marker = (what: string) => `${markerDir}/executed-${what}`;
  const touch = (what: string) => str(`touch ${marker(what)}`);
  add('os.system via GLOBAL and REDUCE', archive(Buffer.concat([PROTO2, global('os', 'system'), touch('reduce'), latin1('\x85R.')])));
  add('posix.system via GLOBAL and REDUCE', archive(Buffer.concat([PROTO2, global('posix', 'system'), touch('posix'), latin1('\x85R.')])));
  add('subprocess.call via REDUCE', archive(Buffer.concat([PROTO2, global('subprocess', 'call'), latin1('('), str('touch'), str(marker('subprocess')), latin1('l\x85R.')])));
  add('builtins.exec of Python code', archive(Buffer.concat([PROTO2, global('builtins', 'exec'), str(`open('${marker('exec')}', 'w')`), latin1('\x85R.')])));
  add('os.system via INST', archive(Buffer.concat([PROTO2, latin1('('), touch('inst'), latin1('ios\nsystem\n.')])));
  add('os.system via OBJ', archive(Buffer.concat([PROTO2, latin1('('), global('os', 'system'), touch('obj'), latin1('o.')])));
  add('os.system via NEWOBJ', archive(Buffer.concat([PROTO2, global('os', 'system'), touch('newobj'), latin1('\x85\x81.')])));
  add('os.system via STACK_GLOBAL', archive(Buffer.concat([latin1('\x80\x04\x8c\x02os\x8c\x06system\x93'), touch('stack'), latin1('\x85R.')])));
  add('os.system via BUILD on a dict', archive(Buffer.concat([PROTO2, latin1('}'), global('os', 'system'), latin1('b.')])));
  add('os.system as a persistent id', archive(Buffer.concat([PROTO2, latin1('('), str('storage'), global('os', 'system'), touch('persid'), str('cpu'), int(1n), latin1('tQ.')])));
  add('EXT1 extension code', archive(Buffer.concat([PROTO2, latin1('\x82\x01.')])));

  // 6. Deep nesting: lists, tuples, dicts, marks, and inside a state dict (14 files).
  for (const n of [1000, 100_000, 1_000_000]) {
    add(`lists nested ${n} deep`, archive(Buffer.concat([PROTO2, Buffer.alloc(n, ']'), Buffer.alloc(n - 1, 'a'), latin1('.')])));
    add(`tuples nested ${n} deep`, archive(Buffer.concat([PROTO2, Buffer.alloc(n, '('), Buffer.alloc(n, 't'), latin1('.')])));
    add(`${n} marks never closed`, archive(Buffer.concat([PROTO2, Buffer.alloc(n, '('), latin1('N.')])));
  }
  for (const n of [1000, 200_000]) {
    const level = Buffer.concat([latin1('}'), str('k')]);
    add(`dicts nested ${n} deep`, archive(Buffer.concat([PROTO2, ...Array.from({ length: n }, () => level), latin1('N'), Buffer.alloc(n, 's'), latin1('.')])));
    add(`a state dict whose value is nested ${n} deep`, archive(Buffer.concat([PROTO2, ORDERED_DICT, str('w'), Buffer.alloc(n, ']'), Buffer.alloc(n - 1, 'a'), latin1('s.')])));
  }
  add('a million copies of one memo entry', archive(Buffer.concat([PROTO2, latin1(']q\x00'), Buffer.alloc(2_000_000, 'h').fill(Buffer.from('h\x00')), latin1('.')])));
  add('a list of a million Nones', archive(Buffer.concat([PROTO2, latin1('](' ), Buffer.alloc(1_000_000, 'N'), latin1('e.')])));

  // 7. Absurd sizes: tensors whose numel, sizes, strides or offset overflow or point outside their
  // storage; strings, frames and memo indices past the data; zip records claiming terabytes (38 files).
  const tensors: [string, TensorSpec][] = [
    ['storage numel 2^40 (8 bytes stored)', { numel: 2n ** 40n, size: [2n ** 40n] }],
    ['storage numel 2^62 of float64', { storage: 'DoubleStorage', numel: 2n ** 62n, size: [1n] }],
    ['storage numel 2^61 of float64 (2^64 bytes)', { storage: 'DoubleStorage', numel: 2n ** 61n, size: [1n] }],
    ['storage numel -1', { numel: -1n }],
    ['sizes 2^40 x 2^40', { size: [2n ** 40n, 2n ** 40n], stride: [1n, 1n] }],
    ['size 2^62', { size: [2n ** 62n], stride: [1n] }],
    ['size 2^63 - 1', { size: [2n ** 63n - 1n], stride: [1n] }],
    ['size -1', { size: [-1n] }],
    ['size -2^63', { size: [-(2n ** 63n)] }],
    ['stride -1', { size: [2n], stride: [-1n] }],
    ['stride 2^62', { size: [2n], stride: [2n ** 62n] }],
    ['sizes [2, 2^62] strides [2^62, 1]', { size: [2n, 2n ** 62n], stride: [2n ** 62n, 1n] }],
    ['offset 2^62', { offset: 2n ** 62n, size: [1n] }],
    ['offset -1', { offset: -1n }],
    ['offset 1 past the storage', { offset: 2n, size: [1n] }],
    ['100 dims of size 1', { size: Array(100).fill(1n), stride: Array(100).fill(1n) }],
    ['sizes and strides of different lengths', { size: [1n, 2n], stride: [1n] }],
    ['a storage key that is not in the archive', { key: '99' }],
    ['a storage key with a path traversal', { key: '../../../../etc/passwd' }],
    ['a storage key with a NUL', { key: '0\u0000x' }],
    ['an empty storage key', { key: '' }],
  ];
  for (const [what, spec] of tensors) add(`tensor: ${what}`, archive(stateDictPickle(tensorPickle(spec))));
  add('tensor: a float64 storage of 8 bytes read as 2 values', archive(stateDictPickle(tensorPickle({ storage: 'DoubleStorage' }))));
  const lengthOp = (op: number, length: bigint, bytes: number) => {
    const b = Buffer.alloc(1 + bytes);
    b[0] = op;
    if (bytes === 4) b.writeUInt32LE(Number(length), 1);
    else b.writeBigUInt64LE(length, 1);
    return b;
  };
  add('BINUNICODE of 4 GiB', archive(Buffer.concat([PROTO2, lengthOp(0x58, 0xffffffffn, 4), latin1('abc.')])));
  add('BINBYTES of 4 GiB', archive(Buffer.concat([PROTO2, lengthOp(0x42, 0xffffffffn, 4), latin1('abc.')])));
  add('BINUNICODE8 of 2^63 bytes', archive(Buffer.concat([latin1('\x80\x04'), lengthOp(0x8d, 2n ** 63n, 8), latin1('abc.')])));
  add('BINBYTES8 of 2^64 - 1 bytes', archive(Buffer.concat([latin1('\x80\x04'), lengthOp(0x8e, 2n ** 64n - 1n, 8), latin1('abc.')])));
  add('FRAME of 2^62 bytes', archive(Buffer.concat([latin1('\x80\x04'), lengthOp(0x95, 2n ** 62n, 8), latin1('N.')])));
  add('LONG4 of 2 GiB', archive(Buffer.concat([PROTO2, lengthOp(0x8b, 0x7fffffffn, 4), latin1('\x01.')])));
  add('LONG1 of 255 bytes', archive(Buffer.concat([PROTO2, latin1('\x8a\xff'), Buffer.alloc(255, 0x7f), latin1('.')])));
  add('LONG_BINPUT at index 2^32 - 1', archive(Buffer.concat([PROTO2, latin1('N'), lengthOp(0x72, 0xffffffffn, 4), latin1('.')])));
  add('LONG_BINGET of index 2^32 - 1', archive(Buffer.concat([PROTO2, lengthOp(0x6a, 0xffffffffn, 4), latin1('.')])));
  add('BINGET of an unset memo entry', archive(Buffer.concat([PROTO2, latin1('h\x07.')])));
  add('a GLOBAL name of 1 MiB without a newline', archive(Buffer.concat([PROTO2, latin1('c'), Buffer.alloc(1 << 20, 'a')])));
  const big = dataRecords[0]?.[0];
  if (big) {
    const swap = (e: ZipEntry) => writeZip(entries.map((r) => (r.name === big.name ? e : r)));
    add('a record claiming 2^40 bytes (zip64)', swap({ ...big, zip64: true, size: 2 ** 40, compressedSize: 2 ** 40 }));
    add('a record claiming 2^40 bytes inflated from its stored size', swap({ ...big, method: 8, size: 2 ** 40 }));
    add('a record claiming 4 GiB - 1 stored', swap({ ...big, size: 0xfffffffe, compressedSize: 0xfffffffe }));
    add('a deflated record whose size is true', swap({ ...big, method: 8, data: deflateRawSync(big.data), compressedSize: undefined, size: big.data.length }));
    add('a deflated record of 64 MiB of zeros', swap({ ...big, method: 8, data: deflateRawSync(Buffer.alloc(64 << 20)), size: 64 << 20, crc: crc32(Buffer.alloc(64 << 20)) }));
    add('a record compressed with method 12 (bzip2)', swap({ ...big, method: 12 }));
  }
  add('a deflated data.pkl whose size is true', writeZip(entries.map((e, i) => (i === pklIndex ? { ...e, method: 8, data: deflateRawSync(pkl), size: pkl.length, crc: crc32(pkl) } : e))));
  add('an end record claiming 65535 records', writeZip(entries, { entriesClaimed: 0xffff }));
  add('an end record claiming a 4 GiB directory', writeZip(entries, { directorySizeClaimed: 0xfffffff0 }));
  add('a zip of 1 GiB of version record claims', writeZip(entries.map((e) => (e.name.endsWith('/version') ? { ...e, size: 1 << 30, compressedSize: 1 << 30 } : e))));
  add('a version record of 1 MiB of digits', writeZip(entries.map((e) => (e.name.endsWith('/version') ? { ...e, data: Buffer.alloc(1 << 20, '9') } : e))));
  add('a version record saying 99', writeZip(entries.map((e) => (e.name.endsWith('/version') ? { ...e, data: latin1('99\n') } : e))));
  add('a byteorder record saying big', writeZip([...entries.filter((e) => !e.name.endsWith('/byteorder')), { name: `${prefix}/byteorder`, data: latin1('big') }]));
  return out;
}
