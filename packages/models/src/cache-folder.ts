// Where models are cached: GAZECODER_CACHE, else the OS's per-user cache folder (as pooch's
// os_cache, which iCatcher+ uses): $XDG_CACHE_HOME or ~/.cache on Linux, ~/Library/Caches on macOS,
// %LOCALAPPDATA% on Windows; a `gazecoder` folder in it.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function modelCacheFolder(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.GAZECODER_CACHE) return env.GAZECODER_CACHE;
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'gazecoder');
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'gazecoder', 'Cache');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'gazecoder');
}
