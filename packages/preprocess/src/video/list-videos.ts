// The videos a source names: the file itself, or every video file directly in a folder (what
// `gazecoder annotate` codes and `gazecoder review` opens).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

/** The extensions a folder's files are taken as videos by. */
export const VIDEO_EXTENSIONS: ReadonlySet<string> = new Set(['.mp4', '.m4v', '.mov', '.avi', '.mkv', '.webm', '.flv', '.wmv', '.mpg', '.mpeg', '.ogv', '.3gp', '.mts', '.ts']);

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
