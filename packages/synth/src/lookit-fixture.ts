// A small Lookit raw dataset on disk from hand-written codings (icatcher-plus.md §2.1), for tests
// (preprocess's, the e2e workspace's): real H.264 videos of drawn faces that look where coder 1 says,
// coding files named by Lookit's pattern, and the metadata TSV. synthesize() is the scripted whole.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { codingText, frameLabels, parseLookitCoding, rng } from '@gazecoder/formats';

import { writeVideo } from './encode-video';
import { drawFace, identity, type Gaze } from './face';
import { codingName, videoName } from './lookit-names';
import { METADATA_FILE } from './metadata';

export interface FixtureVideo {
  /** the UUID-like video ID */
  id: string;
  child: string;
  /** which.dataset; undefined: not in the TSV */
  which?: string;
  frames: number;
  /** coding rows "Time,Duration,Track" (coder 1); undefined: no coding file */
  coder1?: string[];
  coder2?: string[];
  /** per-frame times in ms: a variable-frame-rate video */
  timesMs?: number[];
  /** replace the video by its first half (a truncated, unreadable MP4) */
  truncate?: boolean;
}

/** the fixture videos' frame rate */
export const FIXTURE_FPS = 30;


/** Writes the raw dataset under `root`. */
export function buildLookitFixture(root: string, videos: readonly FixtureVideo[]): void {
  for (const folder of ['videos', 'annotations/coder1', 'annotations/coder2']) mkdirSync(join(root, folder), { recursive: true });
  const tsv = ['videoID\tchildID\tchild.ageSessionRounded\twhich.dataset\tvideo.privacy'];
  const random = rng(20240);
  for (const v of videos) {
    if (v.which !== undefined) tsv.push(`${v.id}\t${v.child}\t300\t${v.which}\tpublic`);
    // The face looks where coder 1 says; straight ahead on uncoded frames.
    const stamps = v.timesMs ?? Array.from({ length: v.frames }, (_, f) => f);
    let labels: Int8Array = new Int8Array(v.frames).fill(-2);
    try {
      if (v.coder1) labels = frameLabels(parseLookitCoding(codingText(v.coder1), v.timesMs ? 'ms' : { fps: FIXTURE_FPS }), stamps);
    } catch {
      // a deliberately malformed coding: the face just looks ahead
    }
    const who = identity(random);
    const frames = Array.from(labels, (l) => drawFace(who, (['away', 'left', 'right'][l] ?? 'centre') as Gaze, 320, 240, random).frame);
    const videoPath = join(root, 'videos', videoName(v.id));
    writeVideo(videoPath, frames, { fps: FIXTURE_FPS, ...(v.timesMs ? { timesMs: v.timesMs } : {}) });
    if (v.truncate) {
      const bytes = readFileSync(videoPath);
      writeFileSync(videoPath, bytes.subarray(0, Math.floor(bytes.length / 2)));
    }
    if (v.coder1) writeFileSync(join(root, 'annotations', 'coder1', codingName(v.id)), codingText(v.coder1));
    if (v.coder2) writeFileSync(join(root, 'annotations', 'coder2', codingName(v.id)), codingText(v.coder2));
  }
  writeFileSync(join(root, METADATA_FILE), `${tsv.join('\n')}\n`);
}
