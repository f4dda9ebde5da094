// NumPy .npz archives (np.savez / np.savez_compressed): a zip of .npy files.
import { readFile } from 'node:fs/promises';

import { writeFileAtomic } from '../atomic-write';
import { decodeNpy, encodeNpy, type NpyArray, type NpyStrings } from './npy';
import { readZipEntries, writeZipEntries } from './zip';

/** Reads every array of an .npz file, keyed by name without the `.npy` suffix (`arr_0`, …). */
export async function readNpz(path: string): Promise<Map<string, NpyArray | NpyStrings>> {
  const entries = readZipEntries(await readFile(path), path);
  const arrays = new Map<string, NpyArray | NpyStrings>();
  for (const [name, bytes] of entries) {
    if (!name.endsWith('.npy')) continue;
    arrays.set(name.slice(0, -4), decodeNpy(bytes, `${path}:${name}`));
  }
  return arrays;
}

/** Writes arrays as `np.savez` does (uncompressed, `<name>.npy` entries), atomically; `np.load` reads it back. */
export async function writeNpz(path: string, arrays: ReadonlyArray<[string, NpyArray]>): Promise<void> {
  await writeFileAtomic(path, writeZipEntries(arrays.map(([name, array]) => [`${name}.npy`, Buffer.concat(encodeNpy(array))])));
}
