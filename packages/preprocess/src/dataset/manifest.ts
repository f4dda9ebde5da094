// manifest.json of the packed dataset (DATASET_FORMAT.md): what was made, how, and which videos
// are complete. Only the coordinating process writes it, always atomically.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { writeFileAtomic } from '@gazecoder/formats';
import type { VideoStats } from './video-stats';

export const DATASET_FORMAT = 'gazecoder-dataset';
export const DATASET_VERSION = 1;

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

/** The manifest of `datasetDir`, or undefined when there is none yet. */
export async function readManifest(datasetDir: string): Promise<Manifest | undefined> {
  const path = manifestPath(datasetDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let manifest: Partial<Manifest>;
  try {
    manifest = JSON.parse(text) as Partial<Manifest>;
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (manifest.format !== DATASET_FORMAT) throw new Error(`${path}: format '${String(manifest.format)}' is not '${DATASET_FORMAT}'`);
  if (typeof manifest.version !== 'number' || manifest.version > DATASET_VERSION) {
    throw new Error(`${path}: dataset format version ${String(manifest.version)} is newer than this gazecoder reads (${DATASET_VERSION})`);
  }
  if (!Array.isArray(manifest.videos)) throw new Error(`${path}: no 'videos' list`);
  return manifest as Manifest;
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
