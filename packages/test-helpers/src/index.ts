// @gazecoder/test-helpers (private): what the packages' tests and the e2e tests share. Test inputs:
// real media fetched from Debian packages by scripts/fetch-test-media.sh, temporary folders, and
// Debian's Python (numpy, PIL) as the reference.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..', '..'); // from packages/test-helpers/dist

/** A file of .cache/test-media; fails with the fix when the cache is missing. */
export function testMedia(name: string): string {
  const path = join(REPO_ROOT, '.cache', 'test-media', name);
  if (!existsSync(path)) throw new Error(`${path} is missing: run scripts/fetch-test-media.sh (scripts/setup.sh does)`);
  return path;
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
