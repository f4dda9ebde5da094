// A .npy file holding a 0-d object array whose item is a dict, as `np.save(path, {...})` writes it
// and iCatcher+'s loader reads it (`np.load(path, allow_pickle=True).item()`). The pickle
// (protocol 3) is written by hand; it only needs numpy's array and dtype reconstructors.
import { npyPreamble } from './npy';

export type PickleValue = number | readonly number[];

const op = (text: string): Buffer => Buffer.from(text, 'latin1');

function unicode(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(bytes.length);
  return Buffer.concat([op('X'), length, bytes]);
}

function int(n: number): Buffer {
  if (!Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) throw new RangeError(`${n} is not a 32-bit integer`);
  if (n >= 0 && n < 256) return Buffer.from([0x4b, n]); // BININT1
  const b = Buffer.alloc(5);
  b[0] = 0x4a; // BININT
  b.writeInt32LE(n, 1);
  return b;
}

function float(x: number): Buffer {
  const b = Buffer.alloc(9);
  b[0] = 0x47; // BINFLOAT, big-endian
  b.writeDoubleBE(x, 1);
  return b;
}

function value(v: PickleValue): Buffer {
  if (typeof v === 'number') return float(v);
  return Buffer.concat([op(']('), ...v.map(int), op('e')]);
}

/** The bytes of `np.save`'s file for a dict of floats and integer lists. */
export function encodePickledDictNpy(dict: Readonly<Record<string, PickleValue>>): Buffer {
  const items = Object.entries(dict).flatMap(([k, v]) => [unicode(k), value(v)]);
  const pickle = Buffer.concat([
    op('\x80\x03'),
    op('cnumpy.core.multiarray\n_reconstruct\n'),
    op('cnumpy\nndarray\n'),
    int(0),
    op('\x85'), // (0,)
    op('C\x01b'), // b'b'
    op('\x87R'), // _reconstruct(ndarray, (0,), b'b')
    op('('),
    int(1),
    op(')'), // shape ()
    op('cnumpy\ndtype\n'),
    unicode('O8'),
    op('\x89\x88\x87R'), // dtype('O8', False, True)
    op('('),
    int(3),
    unicode('|'),
    op('NNN'),
    int(-1),
    int(-1),
    int(63),
    op('tb'), // dtype.__setstate__((3, '|', None, None, None, -1, -1, 63))
    op('\x89'), // not Fortran order
    op(']('),
    op('}('),
    ...items,
    op('u'),
    op('e'), // [dict]
    op('tb.'), // ndarray.__setstate__((1, (), dtype, False, [dict]))
  ]);
  return Buffer.concat([npyPreamble('|O', []), pickle]);
}
