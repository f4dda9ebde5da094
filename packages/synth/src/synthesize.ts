// `gazecoder synth`: a whole raw dataset in the Lookit layout (icatcher-plus.md §2.1), seeded.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { codingText, rng, writeFileAtomic } from '@gazecoder/formats';

import { coder1Rows, coder2Rows } from './codings';
import { openVideoWriter } from './encode-video';
import { codingName, videoName } from './lookit-names';
import { METADATA_FILE, metadataTsv } from './metadata';
import { planVideos, type VideoPlan, type WhichDataset } from './plan';
import { drawBackground, renderFrame, type FrameTruth } from './render';

/** The per-frame truth beside the Lookit files (not part of the layout; preprocess ignores it). */
export const TRUTH_FILE = 'synth-truth.json';

export interface SynthOptions {
  /** the dataset folder: created; must be empty or absent */
  out: string;
  /** number of videos (≥ 3: one child each for train, validation and test); default 8 */
  videos?: number;
  /** seconds per video; default 10 */
  seconds?: number;
  fps?: number;
  seed?: number;
  width?: number;
  height?: number;
  /** seconds per trial (`end` rows); default 5 */
  trialSeconds?: number;
  /**
   * 0 (default) … 1: how hard the videos are to code — noise, blur, low light, subtler gaze and
   * occluders, growing with it (plan.ts, Difficulty). 0 writes what earlier versions wrote.
   */
  difficulty?: number;
  /** called after each video is written */
  onVideo?: (done: number, total: number, id: string) => void;
}

export interface SynthVideo {
  id: string;
  childId: string;
  which: WhichDataset;
  frames: number;
  /** frames where the child is in view */
  faceFrames: number;
  adult: boolean;
  /** per frame: the scripted gaze and where the faces were drawn */
  truth: FrameTruth[];
}

export interface SynthSummary {
  out: string;
  fps: number;
  width: number;
  height: number;
  videos: SynthVideo[];
}

function checkOptions(o: Required<Omit<SynthOptions, 'onVideo'>>): void {
  const positiveInteger = (name: string, value: number, min = 1): void => {
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${value}`);
  };
  positiveInteger('--videos', o.videos, 3);
  positiveInteger('--seed', o.seed, 0);
  positiveInteger('width', o.width, 64);
  positiveInteger('height', o.height, 64);
  if (!(o.difficulty >= 0 && o.difficulty <= 1)) throw new Error(`--difficulty must be in 0…1, got ${o.difficulty}`);
  if (!(o.fps >= 1 && o.fps <= 240)) throw new Error(`--fps must be in 1…240, got ${o.fps}`);
  if (!(o.seconds * o.fps >= 30)) throw new Error(`--seconds must give at least 30 frames at --fps ${o.fps}, got ${o.seconds}`);
  if (existsSync(o.out) && readdirSync(o.out).length > 0) throw new Error(`${o.out}: already exists and is not empty; synth writes a new dataset`);
}

/** Renders and encodes one video to `path` through a temporary file; returns the frame truth. */
async function writeVideoFile(plan: VideoPlan, path: string, staging: string, o: { fps: number; width: number; height: number }): Promise<FrameTruth[]> {
  const temp = join(staging, `${plan.id}.mp4`);
  const writer = openVideoWriter(temp, o.width, o.height, { fps: o.fps });
  const background = drawBackground(plan, o.width, o.height);
  const random = rng(plan.frameSeed);
  const truth: FrameTruth[] = [];
  try {
    for (let f = 0; f < plan.frames; f += 1) {
      const { image, truth: t } = renderFrame(plan, background, f, random);
      await writer.write(image);
      truth.push(t);
    }
  } finally {
    await writer.close();
  }
  await rename(temp, path);
  return truth;
}

/** Writes the dataset: videos/, annotations/coder1|coder2/, the metadata TSV and {@link TRUTH_FILE}. */
export async function synthesize(options: SynthOptions): Promise<SynthSummary> {
  const o = { videos: 8, seconds: 10, fps: 30, seed: 0, width: 320, height: 240, trialSeconds: 5, difficulty: 0, ...options };
  checkOptions(o);
  const frames = Math.round(o.seconds * o.fps);
  const trialFrames = Math.max(1, Math.round(o.trialSeconds * o.fps));
  const plans = planVideos({ videos: o.videos, frames, fps: o.fps, seed: o.seed, difficulty: o.difficulty });
  const staging = join(o.out, '.staging');
  for (const dir of ['videos', 'annotations/coder1', 'annotations/coder2', '.staging']) await mkdir(join(o.out, dir), { recursive: true });

  const videos: SynthVideo[] = [];
  for (const plan of plans) {
    const truth = await writeVideoFile(plan, join(o.out, 'videos', videoName(plan.id)), staging, o);
    const coder2Random = rng(plan.frameSeed + 1);
    await writeFileAtomic(join(o.out, 'annotations', 'coder1', codingName(plan.id)), codingText(coder1Rows(plan.segments, frames, o.fps, trialFrames)));
    await writeFileAtomic(join(o.out, 'annotations', 'coder2', codingName(plan.id)), codingText(coder2Rows(plan.segments, frames, o.fps, trialFrames, coder2Random)));
    videos.push({ id: plan.id, childId: plan.childId, which: plan.which, frames, faceFrames: truth.filter((t) => t.child).length, adult: plan.adult !== null, truth });
    o.onVideo?.(videos.length, plans.length, plan.id);
  }
  await rm(staging, { recursive: true, force: true });
  const summary: SynthSummary = { out: o.out, fps: o.fps, width: o.width, height: o.height, videos };
  await writeFileAtomic(join(o.out, TRUTH_FILE), JSON.stringify(summary));
  // the TSV last: a dataset with its metadata file is complete
  await writeFileAtomic(join(o.out, METADATA_FILE), metadataTsv(plans));
  return summary;
}
