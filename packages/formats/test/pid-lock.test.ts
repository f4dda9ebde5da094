// The PID lock file that preprocess's dataset lock and the model cache's fetch lock share.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { tryPidLock } from '../src';

const dir = mkdtempSync(join(tmpdir(), 'gazecoder-pid-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tryPidLock', () => {
  it('takes a free lock, writing this process id, and releases it', () => {
    const path = join(dir, 'free.lock');
    const lock = tryPidLock(path);
    expect(readFileSync(path, 'utf8')).toBe(String(process.pid));
    expect('release' in lock && (lock.release(), true)).toBe(true);
    expect(existsSync(path)).toBe(false);
  });

  it('names the live process that holds it, and a lock being written this instant', () => {
    const held = join(dir, 'held.lock');
    writeFileSync(held, String(process.ppid));
    expect(tryPidLock(held)).toEqual({ heldBy: process.ppid });
    const starting = join(dir, 'starting.lock');
    writeFileSync(starting, '');
    expect(tryPidLock(starting)).toEqual({ heldBy: 0 });
  });

  it('takes over the lock of a process that is gone, and a file that is no lock of ours', () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    for (const [name, text] of [['stale.lock', gone], ['garbage.lock', 'not a pid']] as const) {
      const path = join(dir, name);
      writeFileSync(path, text);
      const lock = tryPidLock(path);
      expect(readFileSync(path, 'utf8')).toBe(String(process.pid));
      if ('release' in lock) lock.release();
    }
  });
});
