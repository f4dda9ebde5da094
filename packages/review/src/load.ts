// What `gazecoder review` was started with, read once: the videos (ffprobe's frame times), and each
// video's codings from the --codings folders, matched by video id as `gazecoder eval` matches them.
// The server serves these and nothing else.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname, parse, resolve } from 'node:path';

import { readHumanLabels, type ReferenceCoding } from '@gazecoder/evaluate';
import { AnnotationError, codingFormatOf, frameLabels, LABEL, machineCodingOf, readHumanCoding, readMachineAnswers } from '@gazecoder/formats';
import { codingFiles, listVideos, probeVideo, videoIdOf } from '@gazecoder/preprocess';

import type { Timing, TrackKind } from './protocol';

export interface LoadedTrack {
  /** t0, t1, … */
  id: string;
  kind: Exclude<TrackKind, 'corrected'>;
  /** the coding file */
  path: string;
  /** its label per video frame (−3 where it has none) */
  labels: Int8Array;
  /** the machine's confidence per frame (−1: none); null for a human coding */
  confidences: Float32Array | null;
  /** the coding as `gazecoder eval` compares it (a machine's trial: the whole coding) */
  reference: ReferenceCoding;
}

export interface LoadedVideo {
  id: string;
  path: string;
  frames: number;
  timing: Timing;
  /** each frame's time in ms from the first */
  timesMs: Float64Array;
  tracks: LoadedTrack[];
  warnings: string[];
}

/** Whether a .txt coding is iCatcher+ text (`0, left, 0.98` lines) rather than a Lookit coding. */
function isMachineText(text: string): boolean {
  const first = text.split('\n').find((line) => line.trim() !== '');
  return first !== undefined && /^\s*0\s*,\s*[a-z]+\s*,\s*[^,\s]+\s*$/i.test(first);
}

async function kindOf(path: string): Promise<LoadedTrack['kind']> {
  if (basename(path) === 'labels.txt' || parse(path).ext.toLowerCase() === '.npz') return 'machine';
  if (codingFormatOf(path) === 'vcx') return 'human';
  return isMachineText(await readFile(path, 'utf8')) ? 'machine' : 'human';
}

/** `labels` as `frames` frames: cut, or padded with −3. */
function fitted(labels: ArrayLike<number>, frames: number): Int8Array {
  const out = new Int8Array(frames).fill(LABEL.none);
  for (let f = 0; f < Math.min(frames, labels.length); f += 1) out[f] = labels[f] as number;
  return out;
}

/** The first frame whose time is at or after `ms` (frames.length when none is). */
function frameAtOrAfter(timesMs: Float64Array, ms: number): number {
  let lo = 0;
  let hi = timesMs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((timesMs[mid] as number) < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

async function loadTrack(id: string, path: string, video: Pick<LoadedVideo, 'frames' | 'timing' | 'timesMs'>, warnings: string[]): Promise<LoadedTrack> {
  const kind = await kindOf(path);
  if (kind === 'machine') {
    const answers = await readMachineAnswers(path);
    const evaluated = machineCodingOf(answers);
    if (answers.labels.length !== video.frames) warnings.push(`${path} has ${answers.labels.length} frames, the video ${video.frames}`);
    return {
      id,
      kind,
      path,
      labels: fitted(answers.labels, video.frames),
      confidences: Float32Array.from({ length: video.frames }, (_, f) => (f < answers.confidences.length ? (answers.confidences[f] as number) : -1)),
      reference: { labels: evaluated.labels, end: evaluated.end, trials: [[0, evaluated.end]] },
    };
  }
  if (video.timing.kind === 'vfr' && codingFormatOf(path) === 'lookit') {
    // A variable frame rate: the coding's times in ms against each frame's own time, as preprocess reads it.
    let coding;
    try {
      coding = await readHumanCoding(path, { timeBase: 'ms' });
    } catch (error) {
      throw error instanceof AnnotationError ? error : new Error(`${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const labels = frameLabels(coding, video.timesMs, LABEL.none);
    const toFrame = (ms: number) => frameAtOrAfter(video.timesMs, ms);
    return { id, kind, path, labels, confidences: null, reference: { labels, end: toFrame(coding.end), trials: coding.trials.map(([s, e]) => [toFrame(s), toFrame(e)] as const) } };
  }
  // A constant frame rate (or VCX, which counts 30 fps frames): as `gazecoder eval --fps <the video's rate>` reads it.
  const reference = await readHumanLabels(path, video.timing.kind === 'cfr' ? video.timing.fps : 30);
  return { id, kind, path, labels: fitted(reference.labels, video.frames), confidences: null, reference };
}

export interface LoadOptions {
  /** a video file or a folder of videos */
  source: string;
  /** folders of codings (human or machine, told apart by content), matched to the videos by id */
  codings: readonly string[];
}

/** Reads the videos and their codings; errors name the file or flag and the problem. */
export async function loadInputs(options: LoadOptions): Promise<LoadedVideo[]> {
  const { videos } = listVideos(options.source);
  const folders = [...new Set(options.codings.map((dir) => resolve(dir)))];
  const codingMaps: Array<Map<string, string>> = [];
  for (const dir of folders) codingMaps.push(await codingFiles(dir, `--codings ${dir}`, 'any'));
  const ids = new Map<string, string>();
  const loaded: LoadedVideo[] = [];
  for (const path of videos) {
    const id = videoIdOf(basename(path));
    const other = ids.get(id);
    if (other !== undefined) throw new Error(`${other} and ${path} have the same video id '${id}': codings could not be told apart`);
    ids.set(id, path);
    const probe = await probeVideo(path);
    const frames = probe.packetTimesMs.length;
    if (frames === 0) throw new Error(`${path}: ffprobe gives no frame times (no packets with a presentation time)`);
    const timing: Timing = probe.variableFrameRate ? { kind: 'vfr', timesMs: Array.from(probe.packetTimesMs) } : { kind: 'cfr', fps: probe.fps };
    const timesMs = probe.variableFrameRate ? probe.packetTimesMs : Float64Array.from({ length: frames }, (_, f) => (f * 1000) / probe.fps);
    const video: LoadedVideo = { id, path, frames, timing, timesMs, tracks: [], warnings: [] };
    for (const map of codingMaps) {
      const file = map.get(id);
      if (file !== undefined) video.tracks.push(await loadTrack(`t${video.tracks.length}`, file, video, video.warnings));
    }
    loaded.push(video);
  }
  const matched = new Set(loaded.flatMap((v) => v.tracks.map((t) => resolve(t.path))));
  folders.forEach((dir, i) => {
    const map = codingMaps[i] as Map<string, string>;
    if (![...map.values()].some((file) => matched.has(resolve(file)))) {
      throw new Error(`--codings ${dir}: none of its codings (${[...map.keys()].slice(0, 5).join(', ')}) matches a video id (${[...ids.keys()].slice(0, 5).join(', ')}); files are matched by video id as in gazecoder eval`);
    }
  });
  return loaded;
}

/** SHA-256 of a file's bytes. */
export async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** Where a coding's reviewed versions go: the folder beside the coding, and the name they take. */
export function reviewedBase(sourceOrVideo: string): { folder: string; stem: string } {
  if (basename(sourceOrVideo) === 'labels.txt') return { folder: dirname(dirname(sourceOrVideo)), stem: basename(dirname(sourceOrVideo)) };
  return { folder: dirname(sourceOrVideo), stem: parse(sourceOrVideo).name };
}
