// The manifest of a packed gazecoder dataset (packages/preprocess/DATASET_FORMAT.md), as training reads
// it: format checks with errors naming the file, and the done videos of the train and val splits.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export const DATASET_FORMAT = 'gazecoder-dataset';
export const DATASET_VERSION = 1;

/** One entry of manifest.json's `videos`. */
export interface ManifestVideo {
  id: string;
  split: 'train' | 'val' | 'test';
  status: string;
  frames?: number;
  crops?: number;
  error?: string;
}

export interface DatasetManifest {
  format: string;
  version: number;
  /** Side of the square face crops, in pixels. */
  imageSize: number;
  videos: ManifestVideo[];
}

/** A video training reads: its id, folder and split. */
export interface TrainingVideo {
  id: string;
  dir: string;
  split: 'train' | 'val';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads and checks `<dir>/manifest.json`. */
export async function readDatasetManifest(dir: string): Promise<DatasetManifest> {
  if (typeof dir !== 'string' || dir === '') {
    throw new TypeError(`dataset must be a dataset folder (a non-empty string), got ${dir === '' ? "''" : typeof dir}`);
  }
  const path = join(dir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path}: no such file; is ${dir} a gazecoder dataset (made by \`gazecoder preprocess\`)?` : `${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  if (!isRecord(parsed)) throw new Error(`${path}: expected a JSON object`);
  if (parsed.format !== DATASET_FORMAT) throw new Error(`${path}: format is ${JSON.stringify(parsed.format)}, expected "${DATASET_FORMAT}"`);
  if (typeof parsed.version !== 'number' || parsed.version > DATASET_VERSION) {
    throw new Error(`${path}: dataset format version ${String(parsed.version)} is newer than this gazecoder reads (${DATASET_VERSION}); update gazecoder`);
  }
  if (typeof parsed.imageSize !== 'number' || !Number.isInteger(parsed.imageSize) || parsed.imageSize <= 0) {
    throw new Error(`${path}: imageSize must be a positive integer, got ${JSON.stringify(parsed.imageSize)}`);
  }
  if (!Array.isArray(parsed.videos)) throw new Error(`${path}: videos must be an array`);
  const videos = parsed.videos.map((video: unknown, i: number): ManifestVideo => {
    if (!isRecord(video) || typeof video.id !== 'string' || typeof video.status !== 'string' || !['train', 'val', 'test'].includes(video.split as string)) {
      throw new Error(`${path}: videos[${i}] needs a string id and status and a split of train, val or test`);
    }
    return video as unknown as ManifestVideo;
  });
  return { format: parsed.format, version: parsed.version, imageSize: parsed.imageSize, videos };
}

/** The done videos of the train and val splits, with their folders. */
export function trainingVideos(dir: string, manifest: DatasetManifest): TrainingVideo[] {
  const out: TrainingVideo[] = [];
  for (const video of manifest.videos) {
    if (video.status !== 'done' || video.split === 'test') continue;
    out.push({ id: video.id, dir: join(dir, 'videos', video.id), split: video.split });
  }
  return out;
}
