// Which videos go to train, val and test (icatcher-plus.md §5.1):
// - 'which-dataset' (default): the raw data's own split, Lookit's which.dataset (1_train → train,
//   1_validate → val, 2_test → test), as issue #64 trained the RegNet model;
// - 'icatcher': iCatcher+'s preprocess.py policy: the 1_train + 1_validate pool is split at random,
//   validation drawn among double-coded videos that are their child's first (seed 43, 20 %);
//   test = double-coded 2_test videos;
// - 'file': explicit lists from a JSON or CSV file.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

import { parseDelimited, requireColumns, type Split } from '@gazecoder/formats';
import type { Excluded, VideoSource } from '../layout/video-source';
import { LegacyRandomState } from './numpy-legacy-random';

export type SplitPolicy = { kind: 'which-dataset' } | { kind: 'icatcher'; seed: number; valPercent: number } | { kind: 'file'; path: string };

export interface SplitAssignment {
  /** the videos to process, in a stable order (by ID) */
  assigned: Array<{ video: VideoSource; split: Split }>;
  excluded: Excluded[];
}

const REQUESTED: Record<string, Split> = {
  '1_train': 'train',
  '1_validate': 'val',
  '2_test': 'test',
  train: 'train',
  val: 'val',
  validation: 'val',
  validate: 'val',
  test: 'test',
};

/** The split a video asks for, or the reason it has none. */
function requested(v: VideoSource): Split | string {
  if (!v.inMetadata) return 'not in the metadata TSV';
  if (v.requestedSplit === undefined || v.requestedSplit === '') return 'no split given (which.dataset / split column empty)';
  return REQUESTED[v.requestedSplit] ?? `split '${v.requestedSplit}' is none of 1_train, 1_validate, 2_test (or train, val, test)`;
}

function byId<T extends { video: VideoSource }>(a: T, b: T): number {
  return a.video.id < b.video.id ? -1 : a.video.id > b.video.id ? 1 : 0;
}

function whichDataset(videos: readonly VideoSource[]): SplitAssignment {
  const result: SplitAssignment = { assigned: [], excluded: [] };
  for (const video of videos) {
    const split = requested(video);
    if (!video.coder1) result.excluded.push({ id: video.id, reason: 'no coder-1 coding file' });
    else if (split === 'train' || split === 'val' || split === 'test') result.assigned.push({ video, split });
    else result.excluded.push({ id: video.id, reason: split });
  }
  return result;
}

/**
 * iCatcher+'s `unique_only_in_val` policy. `videos` must be in the order iCatcher+ would list them
 * (we use file-name order; iCatcher+ uses the directory's order, which only matters for children
 * with several videos).
 */
export function icatcherSplit(videos: readonly VideoSource[], seed: number, valPercent: number): SplitAssignment {
  const result: SplitAssignment = { assigned: [], excluded: [] };
  const pool: VideoSource[] = [];
  for (const video of videos) {
    const split = requested(video);
    if (!video.coder1) result.excluded.push({ id: video.id, reason: 'no coder-1 coding file' });
    else if (split === 'test' && !video.coder2) result.excluded.push({ id: video.id, reason: 'test video without a coder-2 coding (iCatcher+ tests on double-coded videos only)' });
    else if (split === 'test') result.assigned.push({ video, split: 'test' });
    else if (split === 'train' || split === 'val') pool.push(video);
    else result.excluded.push({ id: video.id, reason: split });
  }
  // np.unique(child_ids, return_index=True): children in sorted order, each with its first video.
  const firstOfChild = new Map<string, VideoSource>();
  for (const video of pool) if (!firstOfChild.has(video.childId ?? '')) firstOfChild.set(video.childId ?? '', video);
  const children = [...firstOfChild.keys()].sort();
  const candidates = children.map((c) => firstOfChild.get(c) as VideoSource).filter((v) => v.coder2 !== undefined);
  const size = Math.min(Math.trunc(pool.length * valPercent), candidates.length);
  const val = new Set(new LegacyRandomState(seed).choiceWithoutReplacement(candidates, size));
  for (const video of pool) result.assigned.push({ video, split: val.has(video) ? 'val' : 'train' });
  return result;
}

async function readSplitFile(path: string): Promise<Map<string, Split>> {
  const text = await readFile(path, 'utf8');
  const splits = new Map<string, Split>();
  const add = (id: string, value: string, where: string): void => {
    const split = REQUESTED[value.trim()];
    if (!split) throw new Error(`${where}: split '${value}' is none of train, val, test`);
    if (splits.has(id) && splits.get(id) !== split) throw new Error(`${where}: video '${id}' is listed in two splits`);
    splits.set(id, split);
  };
  if (extname(path).toLowerCase() === '.json') {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${path}: expected {"train": [ids], "val": [ids], "test": [ids]}`);
    for (const [split, ids] of Object.entries(json as Record<string, unknown>)) {
      if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) throw new Error(`${path}: '${split}' must be a list of video IDs`);
      for (const id of ids as string[]) add(id, split, path);
    }
  } else {
    const table = parseDelimited(text, extname(path).toLowerCase() === '.tsv' ? '\t' : ',', path);
    const col = requireColumns(table, path, ['id', 'split']);
    table.rows.forEach((row, r) => add(row[col.id as number] ?? '', row[col.split as number] ?? '', `${path}:${r + 2}`));
  }
  return splits;
}

async function fromFile(videos: readonly VideoSource[], path: string): Promise<SplitAssignment> {
  const splits = await readSplitFile(path);
  const result: SplitAssignment = { assigned: [], excluded: [] };
  const known = new Set(videos.map((v) => v.id));
  for (const video of videos) {
    const split = splits.get(video.id);
    if (!split) result.excluded.push({ id: video.id, reason: `not listed in ${path}` });
    else if (!video.coder1) result.excluded.push({ id: video.id, reason: 'no coder-1 coding file' });
    else result.assigned.push({ video, split });
  }
  for (const id of splits.keys()) if (!known.has(id)) result.excluded.push({ id, reason: `listed in ${path}, but there is no such video` });
  return result;
}

/** Splits the videos by `policy`. */
export async function assignSplits(videos: readonly VideoSource[], policy: SplitPolicy): Promise<SplitAssignment> {
  const ordered = [...videos].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  const result = policy.kind === 'icatcher' ? icatcherSplit(ordered, policy.seed, policy.valPercent) : policy.kind === 'file' ? await fromFile(ordered, policy.path) : whichDataset(ordered);
  result.assigned.sort(byId);
  return result;
}
