// Running the real CLI and the Python reference from tests.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Tensor } from '@gazecoder/torch';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const pythonDir = join(__dirname, '..', 'python');

/**
 * The `gazecoder` bin that npm linked at install time, which `npx gazecoder` runs. Tests that signal
 * the CLI's process spawn this directly: npx would stand between them and the process.
 */
export const GAZECODER_BIN = join(__dirname, '..', '..', 'node_modules', '.bin', 'gazecoder');

/** The CLI as the README tells a user to run it, `npx gazecoder …`: a missing bin link fails here too. */
export function gazecoder(...args: string[]): RunResult {
  const run = spawnSync('npx', ['gazecoder', ...args], { encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/**
 * `npx gazecoder …` without blocking this process's event loop (for tests that serve the CLI from
 * here, e.g. an HTTP server on loopback); `env` is added to the environment.
 */
export function gazecoderAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['gazecoder', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a script of test/python with Debian's interpreter, which has torch and torchvision. */
export function python(script: string, ...args: string[]): RunResult {
  const run = spawnSync('/usr/bin/python3', [join(pythonDir, script), ...args], { encoding: 'utf8' });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix: string): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), `gazecoder-${prefix}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** max|a − b| / max|b|, the parity measure used against PyTorch throughout the tests. */
export function maxRelativeError(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.data.length; i += 1) {
    diff = Math.max(diff, Math.abs((a.data[i] ?? NaN) - (b.data[i] ?? NaN)));
    scale = Math.max(scale, Math.abs(b.data[i] ?? 0));
  }
  return diff / scale;
}
