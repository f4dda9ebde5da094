// .npy/.npz I/O against NumPy itself (Debian's python3-numpy).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { encodePickledDictNpy, NpyAppender, type NpyArray, readNpy, readNpz, writeNpy } from '../src';
import { python, tempDir } from '@gazecoder/test-helpers';

let dir: { path: string; cleanup: () => void };
beforeAll(() => (dir = tempDir('npy')));
afterAll(() => dir.cleanup());

const ARRAYS: Record<string, NpyArray> = {
  u1: { data: Uint8Array.from([0, 1, 255, 7, 8, 9]), shape: [2, 3] },
  i1: { data: Int8Array.from([-2, 0, 1, 2]), shape: [2, 2] },
  i2: { data: Int16Array.from([-2, 3, 300]), shape: [3] },
  i4: { data: Int32Array.from([-1, 0, 123456]), shape: [3] },
  i8: { data: BigInt64Array.from([-3n, 2n ** 40n]), shape: [2] },
  f4: { data: Float32Array.from([0.5, -1.25, 3e-8, 1, 2, 3]), shape: [3, 2, 1] },
  f8: { data: Float64Array.from([Math.PI, -0]), shape: [2] },
};

describe('.npy', () => {
  it('writes files NumPy reads with the right dtype, shape and values, and reads them back', async () => {
    for (const [dtype, array] of Object.entries(ARRAYS)) await writeNpy(join(dir.path, `${dtype}.npy`), array);
    const seen = JSON.parse(
      python(
        `import json, sys, numpy as np
out = {}
for d in ${JSON.stringify(Object.keys(ARRAYS))}:
    a = np.load(f"{sys.argv[1]}/{d}.npy")
    out[d] = [a.dtype.str, list(a.shape), [float(x) for x in a.ravel()]]
print(json.dumps(out))`,
        dir.path,
      ),
    ) as Record<string, [string, number[], number[]]>;
    for (const [dtype, array] of Object.entries(ARRAYS)) {
      expect(seen[dtype]?.[0]).toMatch(new RegExp(`[<|]${dtype}$`));
      expect(seen[dtype]?.[1]).toEqual(array.shape);
      expect(seen[dtype]?.[2]).toEqual(Array.from(array.data as ArrayLike<number | bigint>, Number));
      const back = await readNpy(join(dir.path, `${dtype}.npy`));
      expect(back.shape).toEqual(array.shape);
      expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(array.data as ArrayLike<number | bigint>));
    }
  });

  it('streams rows whose count is known only at the end', async () => {
    const path = join(dir.path, 'rows.npy');
    const appender = await NpyAppender.create(path, 'u1', [2, 3]);
    for (let r = 0; r < 1000; r += 1) await appender.append(Uint8Array.from({ length: 6 }, (_, i) => (r + i) % 256));
    expect(await appender.close()).toBe(1000);
    expect(python(`import numpy as np, sys; a = np.load(sys.argv[1]); print(a.shape, a.dtype, a[999].ravel().tolist())`, path).trim()).toBe('(1000, 2, 3) uint8 [231, 232, 233, 234, 235, 236]');
  });

  it("writes a pickled dict that iCatcher+'s loader reads with np.load(allow_pickle=True).item()", async () => {
    const path = join(dir.path, 'box.npy');
    writeFileSync(path, encodePickledDictNpy({ face_box: [10, 110, 20, 120], img_shape: [480, 640, 3], face_size: 0.0325, face_ver: 0.125 }));
    const out = python(`import numpy as np, sys; d = np.load(sys.argv[1], allow_pickle=True).item(); print(sorted(d.items()))`, path).trim();
    expect(out).toBe("[('face_box', [10, 110, 20, 120]), ('face_size', 0.0325), ('face_ver', 0.125), ('img_shape', [480, 640, 3])]");
  });

  it('names the file and the problem for bad input', async () => {
    const path = join(dir.path, 'bad.npy');
    writeFileSync(path, 'not numpy');
    await expect(readNpy(path)).rejects.toThrow(`${path}: not a .npy file`);
    python(`import numpy as np, sys; np.save(sys.argv[1], np.zeros(3, dtype=np.complex64))`, join(dir.path, 'c.npy'));
    await expect(readNpy(join(dir.path, 'c.npy'))).rejects.toThrow(/c\.npy: dtype <c8 is not supported/);
  });
});

describe('.npz', () => {
  it.each(['savez', 'savez_compressed'])('reads np.%s archives, strings included', async (how) => {
    const path = join(dir.path, `${how}.npz`);
    python(`import numpy as np, sys; np.${how}(sys.argv[1], np.arange(5, dtype=np.int64) - 2, np.linspace(0, 1, 5), names=np.array(["ab", "cde"]))`, path);
    const arrays = await readNpz(path);
    expect([...arrays.keys()].sort()).toEqual(['arr_0', 'arr_1', 'names']);
    expect(Array.from((arrays.get('arr_0') as NpyArray).data as BigInt64Array, Number)).toEqual([-2, -1, 0, 1, 2]);
    expect(Array.from((arrays.get('arr_1') as NpyArray).data as Float64Array)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(arrays.get('names')).toEqual({ strings: ['ab', 'cde'], shape: [2] });
  });

  it('rejects a file that is not a zip', async () => {
    const path = join(dir.path, 'bad.npz');
    writeFileSync(path, readFileSync(__filename).subarray(0, 100));
    await expect(readNpz(path)).rejects.toThrow(`${path}: not a zip archive`);
  });
});
