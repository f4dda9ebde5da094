// manifest.json of the packed dataset (docs/dataset-format.md): what was made, how, and which videos
// are complete; its one reader (preprocess resuming, training, scoring) and writer. Only the
// coordinating process writes it, always atomically.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { writeFileAtomic } from '../atomic-write';
import type { GazeClass } from '../labels';

export const DATASET_FORMAT = 'gazecoder-dataset';
export const DATASET_VERSION = 1;

/** A video's frame statistics, as preprocessing counts them (packages/preprocess's video-stats). */
export interface VideoStats {
  frames: number;
  /** frames with a valid coder-1 label */
  annotated: number;
  /** frames without a valid coder-1 label (uncoded, excluded or outside the trials) */
  invalid: number;
  /** annotated frames without a selected face */
  noFace: number;
  /** annotated frames with a selected face: the ones training can use */
  used: number;
  /** annotated frames per coder-1 class */
  classes: Record<GazeClass, number>;
  /** used frames per coder-1 class */
  usedClasses: Record<GazeClass, number>;
  /** window starts t with frames t…t+8 all used (before transition or agreement filters) */
  windows: number;
  /** frames with a valid coder-2 label */
  coder2: number;
  /** coder-1 (rows) × coder-2 (columns) counts over frames both coded, classes away/left/right */
  confusion: number[][];
}

export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

interface VideoEntryBase {
  id: string;
  split: Split;
  childId?: string;
  /** the video file, relative to the raw-data folder (or the CSV's folder) */
  source: string;
}

export interface DoneVideo extends VideoEntryBase {
  status: 'done';
  frames: number;
  crops: number;
  /** frame rate: r_frame_rate, or avg_frame_rate for VFR video */
  fps: number;
  variableFrameRate: boolean;
  width: number;
  height: number;
  stats: VideoStats;
}

export interface FailedVideo extends VideoEntryBase {
  status: 'failed';
  error: string;
}

export type VideoEntry = DoneVideo | FailedVideo;

/** The settings that shape every video's arrays: a resumed run must use the same. */
export interface DatasetSettings {
  imageSize: number;
  detector: {
    name: string;
    confidence: number;
    /** box resize around the centre (x, y) and vertical shift in box heights, applied after detection */
    boxScale: [number, number];
    boxShiftY: number;
  };
  faceSelection: string;
  /** true: faces were detected on every frame, not only on annotated ones */
  allFrames: boolean;
}

export interface Manifest extends DatasetSettings {
  format: typeof DATASET_FORMAT;
  version: typeof DATASET_VERSION;
  createdBy: string;
  videos: VideoEntry[];
}

export function manifestPath(datasetDir: string): string {
  return join(datasetDir, 'manifest.json');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses and checks manifest.json's text; `path` names the file in errors. */
export function parseManifest(text: string, path: string): Manifest {
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
  parsed.videos.forEach((video: unknown, i: number) => {
    if (!isRecord(video) || typeof video.id !== 'string' || typeof video.status !== 'string' || !SPLITS.includes(video.split as Split)) {
      throw new Error(`${path}: videos[${i}] needs a string id and status and a split of train, val or test`);
    }
  });
  return parsed as unknown as Manifest;
}

/** The manifest of `datasetDir`, or undefined when there is none yet (a dataset being made). */
export async function readManifest(datasetDir: string): Promise<Manifest | undefined> {
  const path = manifestPath(datasetDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${path}: ${(error as Error).message}`);
  }
  return parseManifest(text, path);
}

/** The manifest of a dataset that must exist (training, scoring): a missing one is an error saying what is expected. */
export async function readDatasetManifest(datasetDir: string): Promise<Manifest> {
  if (typeof datasetDir !== 'string' || datasetDir === '') {
    throw new TypeError(`dataset must be a dataset folder (a non-empty string), got ${datasetDir === '' ? "''" : typeof datasetDir}`);
  }
  const manifest = await readManifest(datasetDir);
  if (!manifest) throw new Error(`${manifestPath(datasetDir)}: no such file; is ${datasetDir} a gazecoder dataset (made by \`gazecoder preprocess\`)?`);
  return manifest;
}

/** A video training reads: its id, folder and split. */
export interface TrainingVideo {
  id: string;
  dir: string;
  split: 'train' | 'val';
}

/** The done videos of the train and val splits, with their folders (`<dataset>/videos/<id>`). */
export function trainingVideos(datasetDir: string, manifest: Manifest): TrainingVideo[] {
  const out: TrainingVideo[] = [];
  for (const video of manifest.videos) {
    if (video.status !== 'done' || video.split === 'test') continue;
    out.push({ id: video.id, dir: join(datasetDir, 'videos', video.id), split: video.split });
  }
  return out;
}

export async function writeManifest(datasetDir: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(manifestPath(datasetDir), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** The first setting in which `manifest` differs from `settings`, described for the user, or undefined. */
export function settingsMismatch(manifest: DatasetSettings, settings: DatasetSettings): string | undefined {
  const describe = (s: DatasetSettings): Record<string, string> => ({
    'image size': String(s.imageSize),
    detector: s.detector.name,
    confidence: String(s.detector.confidence),
    'box scale': s.detector.boxScale.join(','),
    'box shift': String(s.detector.boxShiftY),
    'face selection': s.faceSelection,
    'all frames': String(s.allFrames),
  });
  const before = describe(manifest);
  const now = describe(settings);
  for (const key of Object.keys(now)) {
    if (before[key] !== now[key]) return `${key} ${before[key]} (dataset) vs ${now[key]} (this run)`;
  }
  return undefined;
}
