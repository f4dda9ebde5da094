// A lock file holding its owner's process id, created exclusively: one writer at a time (a dataset
// being preprocessed, an archive being fetched). A lock whose process is gone (a killed run) is
// taken over.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock `path`: its release function when taken (also run at exit), or the live process
 * that holds it (0 when its id is not written yet: a lock being taken this instant).
 */
export function tryPidLock(path: string): { release: () => void } | { heldBy: number } {
  for (;;) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      const release = (): void => {
        process.off('exit', release);
        rmSync(path, { force: true });
      };
      process.on('exit', release);
      return { release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue; // released between the two calls
    }
    if (text === '') return { heldBy: 0 };
    const holder = Number(text);
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) return { heldBy: holder };
    rmSync(path, { force: true }); // its process is gone, or it is not a lock we wrote
  }
}
