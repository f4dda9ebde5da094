// Coding files written from per-frame labels, in the formats `gazecoder eval` reads: Lookit text and VCX
// (human), iCatcher+ raw_output text, ui labels.txt and compressed .npz (machine). The writers place every
// change exactly on its frame at 30 fps, so the labels a correct parser reads back are the ones given.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

import { python } from './run';

const FPS = 30;
const GAZE = ['away', 'left', 'right'] as const;
const NAMES: Record<number, string> = { [-3]: 'none', [-2]: 'noface', [-1]: 'nobabyface', 0: 'away', 1: 'left', 2: 'right' };

/** The first ms that floor(ms · 30 / 1000) maps to frame f. */
const msOf = (f: number): number => Math.ceil((f * 1000) / FPS);

/** Runs of equal labels: [start, end, label]. */
function runs(labels: readonly number[]): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  labels.forEach((l, f) => {
    const last = out[out.length - 1];
    if (last && last[2] === l) last[1] = f + 1;
    else out.push([f, f + 1, l]);
  });
  return out;
}

/**
 * A Lookit coding of `labels` (length = the last trial end): −3 before the first look is uncoded,
 * later −3 runs become outofframe regions; `end` rows close the trials at `trialEnds`.
 */
export function lookitText(labels: readonly number[], trialEnds: readonly number[]): string {
  const rows: string[] = [];
  for (const [start, end, label] of runs(labels)) {
    if (label >= 0) rows.push(`${msOf(start)},0,${GAZE[label]},(null)`);
    else if (rows.length > 0) rows.push(`${msOf(start)},${msOf(end) - msOf(start)},outofframe,(null)`);
  }
  for (const e of trialEnds) rows.push(`${msOf(e) - 1},0,end,(null)`);
  // Lookit files are not in time order; the parser sorts them.
  rows.reverse();
  return `Offset: 0, Movie: MoviePathHere, DataFile: (null)\nTracks: left, right, away, end, outofframe\nTime,Duration,TrackName,comment\n\n${rows.join('\n')}\n`;
}

function vcxResponse(index: number, frame: number, valid: boolean, type: string): string {
  const field = (name: string, value: number) => `<key>${name}</key><integer>${value}</integer>`;
  return `<key>Response ${index}</key><dict>${field('Frame', frame % FPS)}${field('Hour', 0)}${field('Minute', Math.floor(frame / (60 * FPS)))}${field('Second', Math.floor(frame / FPS) % 60)}<key>Trial Status</key>${valid ? '<true/>' : '<false/>'}<key>Type</key><string>${type}</string></dict>`;
}

/** A VCX coding of `labels`: looks as valid responses, each trial end a false one (−3 runs only after trial ends). */
export function vcxText(labels: readonly number[], trialEnds: readonly number[]): string {
  const events: Array<[number, boolean, string]> = runs(labels).flatMap(([start, , label]): Array<[number, boolean, string]> => (label >= 0 ? [[start, true, label === 0 ? 'off' : (GAZE[label] as string)]] : []));
  for (const e of trialEnds) events.push([e, false, 'away']);
  events.sort((a, b) => a[0] - b[0]);
  const responses = events.map(([frame, valid, type], i) => vcxResponse(i + 1, frame, valid, type));
  return `<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict><key>Responses</key><dict>${responses.join('')}</dict></dict></plist>\n`;
}

/** iCatcher+ raw_output: "frame, class, confidence" with 2 decimals. */
export function rawOutputText(labels: readonly number[], confidences: readonly number[]): string {
  return labels.map((l, f) => `${f}, ${NAMES[l]}, ${(confidences[f] as number).toFixed(2)}\n`).join('');
}

/** iCatcher+ ui labels.txt: the confidence with 2 significant digits. */
export function uiLabelsText(labels: readonly number[], confidences: readonly number[]): string {
  return labels.map((l, f) => `${f}, ${NAMES[l]}, ${(confidences[f] as number).toPrecision(2)}\n`).join('');
}

/** iCatcher+ compressed output, written by numpy: arr_0 int64 ids, arr_1 float64 confidences. */
export function writeNpz(path: string, labels: readonly number[], confidences: readonly number[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const run = python('run_inline.py', 'import sys, json, numpy as np; a = json.loads(sys.argv[2]); np.savez(sys.argv[1], np.array(a[0], dtype=np.int64), np.array(a[1], dtype=np.float64))', path, JSON.stringify([labels, confidences]));
  if (run.code !== 0) throw new Error(`writing ${path} with numpy failed: ${run.stderr}`);
}

/** Writes `text` at `path`, making its folder. */
export function writeText(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
