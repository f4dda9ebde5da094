// The videos a source names (listVideos, shared with `gazecoder review`), and --video-filter.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';

export { listVideos } from '@gazecoder/preprocess';

/**
 * --video-filter (iCatcher+'s --video_filter, video.get_video_paths): the video stems it lets
 * through. A folder: the stems of its entries, as iCatcher+ (`[x.stem for x in filter.glob("*")]`).
 * A file: the stems of the names it lists, one per line (iCatcher+'s glob of a file finds nothing,
 * so it would code no video at all). Missing: an error naming it, as iCatcher+'s FileNotFoundError.
 */
export function videoFilterStems(filter: string): Set<string> {
  if (!existsSync(filter)) throw new Error(`${filter}: no such file or folder (--video-filter)`);
  const stem = (name: string): string => basename(name, extname(name));
  if (statSync(filter).isDirectory()) return new Set(readdirSync(filter).map(stem));
  if (!statSync(filter).isFile()) throw new Error(`${filter}: not a file or a folder (--video-filter)`);
  return new Set(
    readFileSync(filter, 'utf8')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .map((line) => stem(line.replace(/\\/g, '/'))),
  );
}

/** The videos of a folder source whose stem the filter lets through (a single file source is not filtered, as in iCatcher+). */
export function filterVideos(videos: readonly string[], folder: boolean, filter: string, source: string): string[] {
  const stems = videoFilterStems(filter);
  if (!folder) return [...videos];
  const kept = videos.filter((v) => stems.has(basename(v, extname(v))));
  if (kept.length === 0) throw new Error(`${source}: none of its ${videos.length} video(s) is named in --video-filter ${filter}`);
  return kept;
}
