// @gazecoder/test-helpers (private): what the packages' tests and the e2e tests share. Test inputs:
// real media fetched from Debian packages by scripts/fetch-test-media.sh, temporary folders, and
// Debian's Python (numpy, PIL) as the reference.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..', '..'); // from packages/test-helpers/dist

/** A file of .cache/test-media; fails with the fix when the cache is missing. */
export function testMedia(name: string): string {
  const path = join(REPO_ROOT, '.cache', 'test-media', name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run scripts/fetch-test-media.sh (scripts/setup.sh does)`);
  return path;
}

/** A real photo whose faces someone boxed by hand, as the album shows it. */
export interface BoxedPhoto {
  path: string;
  /** clockwise degrees to turn the stored image by before the boxes apply (0, 90, 180, 270) */
  angle: number;
  faces: Array<{ x: number; y: number; width: number; height: number }>;
}

/** The photos of KPhotoAlbum's demo album (test media) that have People areas in its index.xml. */
export function boxedPhotos(): BoxedPhoto[] {
  const photos: BoxedPhoto[] = [];
  for (const [, attributes = '', body = ''] of readFileSync(testMedia('kphotoalbum-index.xml'), 'utf8').matchAll(/<image ([^>]*)>([\s\S]*?)<\/image>/g)) {
    const faces = [...body.matchAll(/area="(\d+) (\d+) (\d+) (\d+)"/g)].map(([, x, y, w, h]) => ({ x: Number(x), y: Number(y), width: Number(w), height: Number(h) }));
    const file = /file="([^"]+)"/.exec(attributes)?.[1];
    if (faces.length === 0 || !file) continue;
    photos.push({ path: testMedia(file), angle: Number(/angle="(\d+)"/.exec(attributes)?.[1] ?? 0), faces });
  }
  return photos;
}

export function tempDir(prefix: string): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), `gazecoder-${prefix}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs Python code with Debian's interpreter (numpy, PIL); returns stdout, throws with stderr on failure. */
export function python(code: string, ...args: string[]): string {
  const run = spawnSync('/usr/bin/python3', ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`python failed (${run.status}): ${run.stderr}`);
  return run.stdout;
}
