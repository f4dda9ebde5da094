// A model given by name where a file is taken (`annotate --model icatcher+_lookit_regnet`): an
// existing path is itself; a name of a cached archive's file is that file; an uncached one says
// which command fetches it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { modelCacheFolder } from './cache-folder';
import { modelByName } from './catalog';
import { cachedArchive } from './fetch-archive';

/**
 * The file `model` names: itself when it exists (or is no known name), else the cached file of
 * that name. Throws for a known name that is not cached, naming the fetch command.
 */
export function resolveModelFile(model: string, cacheFolder = modelCacheFolder()): string {
  if (existsSync(model)) return model;
  const known = modelByName(model);
  if (!known) return model;
  const cached = cachedArchive(known.archive.name, cacheFolder);
  const path = cached?.files[known.file];
  if (!cached || path === undefined) throw new Error(`${model}: not in the model cache (${cacheFolder}); fetch it with: npx gazecoder models fetch ${known.archive.name}`);
  return join(cached.folder, path);
}
