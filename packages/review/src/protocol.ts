// What the review server and its page say to each other (JSON over HTTP under /<token>/api/). Shared
// by both; no Node imports. The page sends video and track ids, never a path.
import type { Runs } from './runs';

/** A video's review: nothing edited yet, edits made, or marked done by the coder. */
export type ReviewState = 'unreviewed' | 'in progress' | 'done';

/** The formats a corrected coding is saved in: iCatcher+'s three, and Lookit text (a human coding). */
export type SaveFormat = 'raw_output' | 'compressed' | 'ui' | 'lookit';

export const SAVE_FORMATS: readonly SaveFormat[] = ['raw_output', 'compressed', 'ui', 'lookit'];

/** machine: an iCatcher+ output; human: Lookit text or VCX; corrected: the coding being reviewed. */
export type TrackKind = 'machine' | 'human' | 'corrected';

export interface ClassInfo {
  id: number;
  name: string;
}

export interface VideoSummary {
  id: string;
  /** the video's file name */
  name: string;
  frames: number;
  state: ReviewState;
}

export interface SessionInfo {
  videos: VideoSummary[];
  /** every label id and its name (from @gazecoder/formats) */
  classes: ClassInfo[];
  formats: readonly SaveFormat[];
  /** the formats preselected (and saved on Ctrl-C) */
  defaultFormats: SaveFormat[];
}

/** How frame indices map to the video's time: a constant rate, or every frame's own time (ms from the first). */
export type Timing = { kind: 'cfr'; fps: number } | { kind: 'vfr'; timesMs: number[] };

export interface TrackInfo {
  /** 'corrected', or t0, t1, … in the order of the --codings folders */
  id: string;
  /** e.g. 'machine: clip.txt' */
  name: string;
  kind: TrackKind;
  runs: Runs;
}

export interface CorrectedInfo {
  runs: Runs;
  canUndo: boolean;
  canRedo: boolean;
  state: ReviewState;
  /** edits since the last save */
  unsaved: boolean;
  /** the track it started as a copy of, null when it started empty */
  source: string | null;
}

export interface VideoDetail {
  id: string;
  name: string;
  frames: number;
  timing: Timing;
  /** every coding of the video, then the corrected track */
  tracks: TrackInfo[];
  /** the machine's confidence per frame, base64 of one byte each: round(c × 250), 255 where it has none; null without a machine track */
  confidence: string | null;
  corrected: CorrectedInfo;
  /** problems worth a look (a coding shorter than the video, …) */
  warnings: string[];
}

export type EditRequest = { type: 'set'; start: number; end: number; label: number } | { type: 'undo' } | { type: 'redo' } | { type: 'state'; state: ReviewState };

export interface AgreementInfo {
  a: string;
  b: string;
  /** over the session's mutually valid frames, as `gazecoder eval` computes it; null where undefined */
  percentAgreement: number | null;
  cohensKappa: number | null;
  mutuallyValidFrames: number;
}

export interface SaveResult {
  /** the files written */
  written: string[];
}
