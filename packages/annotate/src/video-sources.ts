// The videos a source names: the file itself, or every video file directly in a folder.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';

const VIDEO_EXTENSIONS = new Set(['.mp4', '.m4v', '.mov', '.avi', '.mkv', '.webm', '.flv', '.wmv', '.mpg', '.mpeg', '.ogv', '.3gp', '.mts', '.ts']);

/** `source` when it is a file (whatever its extension), else the video files in the folder, sorted by name. */
export function listVideos(source: string): { videos: string[]; folder: boolean } {
  if (!existsSync(source)) throw new Error(`${source}: no such video or folder`);
  if (!statSync(source).isDirectory()) return { videos: [source], folder: false };
  const videos = readdirSync(source, { withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.') && VIDEO_EXTENSIONS.has(extname(e.name).toLowerCase()))
    .map((e) => join(source, e.name))
    .sort();
  if (videos.length === 0) throw new Error(`${source}: no video files in this folder (looked for ${[...VIDEO_EXTENSIONS].join(' ')})`);
  return { videos, folder: true };
}

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
