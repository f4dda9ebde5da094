// One writer per dataset: a lock file holding the writer's PID, created exclusively. A lock whose
// process is gone (killed run) is taken over.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock of `datasetDir`; returns its release function. */
export function lockDataset(datasetDir: string): () => void {
  const path = join(datasetDir, '.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      const release = (): void => {
        process.off('exit', release);
        rmSync(path, { force: true });
      };
      process.on('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number(readFileSync(path, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) throw new Error(`${datasetDir}: another gazecoder preprocess (pid ${pid}) is writing this dataset`);
      rmSync(path, { force: true });
    }
  }
  throw new Error(`${datasetDir}: cannot take the dataset lock ${path}`);
}
