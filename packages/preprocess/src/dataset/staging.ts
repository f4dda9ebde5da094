// A folder is published whole or not at all: it is built under a hidden staging name next to its
// final place, then renamed into place (replacing a stale copy from an interrupted run).
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export class StagedFolder {
  private constructor(
    /** where files are written until {@link publish} */
    readonly path: string,
    readonly target: string,
  ) {}

  static async create(target: string): Promise<StagedFolder> {
    const path = join(dirname(target), `.staging-${basename(target)}-${process.pid}-${randomBytes(3).toString('hex')}`);
    await mkdir(path, { recursive: true });
    return new StagedFolder(path, target);
  }

  /** Moves the finished folder to its target. */
  async publish(): Promise<void> {
    await rm(this.target, { recursive: true, force: true });
    await rename(this.path, this.target);
  }

  async discard(): Promise<void> {
    await rm(this.path, { recursive: true, force: true });
  }
}

/** Removes staging folders left by interrupted runs in `folder`. */
export async function removeStaleStaging(folder: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch {
    return;
  }
  await Promise.all(names.filter((n) => n.startsWith('.staging-')).map((n) => rm(join(folder, n), { recursive: true, force: true })));
}
