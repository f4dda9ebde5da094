// The Lookit raw layout (icatcher-plus.md §2.1-2.3): videos/, annotations/coder1|coder2/*.txt and
// the metadata TSV, joined by iCatcher+'s video-ID rule.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, parse, relative } from 'node:path';

import { parseDelimited, requireColumns } from '@gazecoder/formats';
import type { Excluded, RawDataset, VideoSource } from './video-source';

/** iCatcher+'s metadata file name. */
export const LOOKIT_METADATA = 'prephys_split0_videos_detailed.tsv';

/**
 * iCatcher+'s video ID of a Lookit file name: the third `_`-token of the stem without its first
 * `-`-piece, i.e. `"-".join(stem.split("_")[2].split("-")[1:])`. Undefined when there is no third token.
 */
export function lookitVideoId(fileName: string): string | undefined {
  const token = parse(fileName).name.split('_')[2];
  return token === undefined ? undefined : token.split('-').slice(1).join('-');
}

async function filesIn(folder: string, extension?: string): Promise<string[]> {
  if (!existsSync(folder)) return [];
  const entries = await readdir(folder, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.') && (!extension || extname(e.name) === extension))
    .map((e) => e.name)
    .sort();
}

/** id → file, keeping the first file (sorted by name) for an ID, as iCatcher+'s list.index. */
async function codingFiles(folder: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of await filesIn(folder, '.txt')) {
    const id = lookitVideoId(name);
    if (id !== undefined && !files.has(id)) files.set(id, join(folder, name));
  }
  return files;
}

interface MetadataRow {
  childId: string;
  whichDataset: string;
}

async function readMetadata(path: string): Promise<Map<string, MetadataRow>> {
  const table = parseDelimited(await readFile(path, 'utf8'), '\t', path);
  const col = requireColumns(table, path, ['videoID', 'childID', 'which.dataset']);
  const rows = new Map<string, MetadataRow>();
  for (const row of table.rows) {
    const id = row[col.videoID as number] ?? '';
    if (!rows.has(id)) rows.set(id, { childId: row[col.childID as number] ?? '', whichDataset: row[col['which.dataset'] as number] ?? '' });
  }
  return rows;
}

/**
 * Scans a Lookit raw folder. `metadata` overrides the TSV's path; without a TSV (allowed only with
 * `metadataOptional`, e.g. for an explicit split file) no video has metadata.
 */
export async function readLookitLayout(root: string, options: { metadata?: string; metadataOptional?: boolean } = {}): Promise<RawDataset> {
  const videoFolder = join(root, 'videos');
  if (!existsSync(videoFolder)) throw new Error(`${root}: no videos/ folder; expected the Lookit layout (videos/, annotations/coder1|coder2/, ${LOOKIT_METADATA})`);
  const tsv = options.metadata ?? join(root, LOOKIT_METADATA);
  let metadata = new Map<string, MetadataRow>();
  if (existsSync(tsv)) metadata = await readMetadata(tsv);
  else if (!options.metadataOptional) throw new Error(`${tsv}: no metadata TSV (give another with --metadata, or an explicit --split-file)`);
  const coder1 = await codingFiles(join(root, 'annotations', 'coder1'));
  const coder2 = await codingFiles(join(root, 'annotations', 'coder2'));

  const byId = new Map<string, string[]>();
  const excluded: Excluded[] = [];
  for (const name of await filesIn(videoFolder)) {
    const id = lookitVideoId(name);
    if (id === undefined || id === '') {
      excluded.push({ id: name, reason: `videos/${name}: the name does not follow Lookit's <a>_<b>_<x>-<video id>_… pattern` });
      continue;
    }
    byId.set(id, [...(byId.get(id) ?? []), name]);
  }
  const videos: VideoSource[] = [];
  for (const [id, names] of byId) {
    if (names.length > 1) {
      excluded.push({ id, reason: `several videos have this ID: ${names.map((n) => `videos/${n}`).join(', ')}` });
      continue;
    }
    const video = join(videoFolder, names[0] as string);
    const row = metadata.get(id);
    videos.push({
      id,
      video,
      source: relative(root, video),
      coder1: coder1.get(id),
      coder2: coder2.get(id),
      childId: row?.childId,
      requestedSplit: row?.whichDataset,
      inMetadata: row !== undefined,
    });
  }
  return { layout: 'lookit', root, videos, excluded };
}
