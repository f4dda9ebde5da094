// One writer per dataset: `<dataset>/.lock`, a PID lock (a killed run's lock is taken over).
import { join } from 'node:path';

import { tryPidLock } from '@gazecoder/formats';

/** Takes the lock of `datasetDir`; returns its release function. */
export function lockDataset(datasetDir: string): () => void {
  const lock = tryPidLock(join(datasetDir, '.lock'));
  if ('release' in lock) return lock.release;
  throw new Error(`${datasetDir}: another gazecoder preprocess${lock.heldBy > 0 ? ` (pid ${lock.heldBy})` : ''} is writing this dataset`);
}
