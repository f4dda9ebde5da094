/** One video found in the raw data, before splitting. Paths are absolute. */
export interface VideoSource {
  id: string;
  video: string;
  /** the video path as the manifest lists it: relative to the raw-data root */
  source: string;
  coder1?: string;
  coder2?: string;
  childId?: string;
  /** the split the raw data asks for: Lookit's which.dataset, or the CSV's split column */
  requestedSplit?: string;
  /** Lookit: the video has a row in the metadata TSV */
  inMetadata: boolean;
  /** VCX codings: `HH:MM:SS:FF` video-start timestamp */
  videoStart?: string;
}

/** A video left out, and why. */
export interface Excluded {
  id: string;
  reason: string;
}

export interface RawDataset {
  layout: 'lookit' | 'csv';
  root: string;
  videos: VideoSource[];
  /** videos the layout itself rules out (bad names, duplicates) */
  excluded: Excluded[];
}
