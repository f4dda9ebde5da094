// The generic layout for users' own data: a CSV with one row per video naming its file, its coding
// files (Lookit text or VCX), and optionally its ID, child, split and VCX video-start timestamp.
// Relative paths are relative to the CSV's folder.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, parse, relative } from 'node:path';

import { parseDelimited, requireColumns } from '@gazecoder/formats';
import type { Excluded, RawDataset, VideoSource } from './video-source';

/** The CSV's columns; `video` and `coder1` are required. */
export const CSV_COLUMNS = ['video', 'coder1', 'coder2', 'id', 'child', 'split', 'video_start'] as const;

export async function readCsvLayout(csvPath: string): Promise<RawDataset> {
  const root = dirname(csvPath);
  const table = parseDelimited(await readFile(csvPath, 'utf8'), csvPath.toLowerCase().endsWith('.tsv') ? '\t' : ',', csvPath);
  requireColumns(table, csvPath, ['video', 'coder1']);
  const unknown = table.header.filter((h) => !(CSV_COLUMNS as readonly string[]).includes(h));
  if (unknown.length > 0) throw new Error(`${csvPath}: unknown column(s) ${unknown.join(', ')}; known: ${CSV_COLUMNS.join(', ')}`);
  const cell = (row: string[], name: string): string | undefined => {
    const i = table.header.indexOf(name);
    const value = i < 0 ? undefined : row[i]?.trim();
    return value === '' ? undefined : value;
  };
  const resolve = (path: string | undefined): string | undefined => (path === undefined ? undefined : isAbsolute(path) ? path : join(root, path));

  const videos: VideoSource[] = [];
  const excluded: Excluded[] = [];
  const seen = new Set<string>();
  table.rows.forEach((row, r) => {
    const line = r + 2;
    const videoCell = cell(row, 'video');
    if (!videoCell) {
      excluded.push({ id: `${csvPath}:${line}`, reason: `${csvPath}:${line}: empty 'video' cell` });
      return;
    }
    const video = resolve(videoCell) as string;
    const id = cell(row, 'id') ?? parse(video).name;
    if (seen.has(id)) {
      excluded.push({ id, reason: `${csvPath}:${line}: video ID '${id}' appears twice` });
      return;
    }
    seen.add(id);
    videos.push({
      id,
      video,
      source: relative(root, video),
      coder1: resolve(cell(row, 'coder1')),
      coder2: resolve(cell(row, 'coder2')),
      childId: cell(row, 'child'),
      requestedSplit: cell(row, 'split'),
      inMetadata: true,
      videoStart: cell(row, 'video_start'),
    });
  });
  return { layout: 'csv', root, videos, excluded };
}
