// Temporary folders, and Debian's Python (numpy) as the reference for the formats.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix: string): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), `gazecoder-${prefix}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs Python code with Debian's interpreter (numpy); returns stdout, throws with stderr on failure. */
export function python(code: string, ...args: string[]): string {
  const run = spawnSync('/usr/bin/python3', ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`python failed (${run.status}): ${run.stderr}`);
  return run.stdout;
}
