// The one way gazecoder writes a file: to a temporary name in the same folder (so the rename stays on
// one file system), then rename, so readers never see a half-written file, whatever happens to the
// process; the temp is removed when anything fails.
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { renameSync, rmSync, writeFileSync } from 'node:fs';

/** A sibling temp name that no other writer (process or call) can pick. */
export function tempSibling(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Writes `data` to `path` atomically (temp file + rename). */
export async function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
  const temp = tempSibling(path);
  try {
    await writeFile(temp, Array.isArray(data) ? Buffer.concat(data as readonly Uint8Array[]) : (data as string | Uint8Array));
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Synchronous twin of {@link writeFileAtomic}, for exit paths that cannot await. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const temp = tempSibling(path);
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
