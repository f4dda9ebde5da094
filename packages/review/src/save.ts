// Saving a corrected coding: beside its source, never over it, each file written atomically. The
// convention: `<source folder>/reviewed/<format>/`, one folder per format, each a folder that
// `gazecoder eval` reads as it is (raw_output, compressed and ui as --machine, lookit as --human1):
//
//   codings/clip.txt                        the source (an annotate output)
//   codings/reviewed/raw_output/clip.txt    iCatcher+ raw_output
//   codings/reviewed/compressed/clip.npz    iCatcher+ compressed
//   codings/reviewed/ui/clip/labels.txt     iCatcher+ ui (labels.txt only: the browser shows the video)
//   codings/reviewed/lookit/clip.txt        Lookit text, a human coding for eval and preprocess
//   codings/reviewed/clip.journal.jsonl     the edit journal
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import { frameStartMs, lookitCodingText, uiLabelsText, writeCompressed, writeFileAtomic, writeRawOutput, type VideoAnswers } from '@gazecoder/formats';

import type { SaveFormat, Timing } from './protocol';

/** The folder beside a source that its reviewed versions go in. */
export const REVIEWED_FOLDER = 'reviewed';

export function reviewedPath(folder: string, stem: string, format: SaveFormat): string {
  const dir = join(folder, REVIEWED_FOLDER, format);
  return format === 'compressed' ? join(dir, `${stem}.npz`) : format === 'ui' ? join(dir, stem, 'labels.txt') : join(dir, `${stem}.txt`);
}

export function journalPath(folder: string, stem: string): string {
  return join(folder, REVIEWED_FOLDER, `${stem}.journal.jsonl`);
}

/**
 * The integer ms written for the start of frame f (f = 0 … frames) in Lookit text: iCatcher+'s
 * inverse of floor(ms × fps / 1000) at a constant rate; at a variable rate the frame's own time
 * (floored, so the parser in ms finds it at or before the frame), and past the last frame 1 ms after it.
 */
export function lookitStartMs(timing: Timing, frames: number): (frame: number) => number {
  if (timing.kind === 'cfr') return (f) => frameStartMs(f, timing.fps);
  const times = timing.timesMs;
  return (f) => (f < frames ? Math.floor(times[f] as number) : Math.ceil(times[frames - 1] as number) + 1);
}

export interface SaveTarget {
  folder: string;
  stem: string;
  timing: Timing;
  /** files that must never be written (the video and every coding it was started with) */
  inputs: readonly string[];
}

/** Writes `labels` (and confidences) in each of `formats`; returns the files written. */
export async function saveCoding(labels: Int8Array, confidences: Float32Array, target: SaveTarget, formats: readonly SaveFormat[]): Promise<string[]> {
  const inputs = new Set(target.inputs.map((p) => resolve(p)));
  const answers: VideoAnswers = { frames: labels.length, answers: labels, confidences, edge: 0 };
  const written: string[] = [];
  for (const format of formats) {
    const path = reviewedPath(target.folder, target.stem, format);
    if (inputs.has(resolve(path))) throw new Error(`${path} is one of the inputs: a review never writes over its source`);
    await mkdir(dirname(path), { recursive: true });
    if (format === 'raw_output') await writeRawOutput(path, answers, { mirror: false, onOff: false });
    else if (format === 'compressed') await writeCompressed(path, answers, { mirror: false });
    else if (format === 'ui') await writeFileAtomic(path, uiLabelsText(answers, { mirror: false, onOff: false }));
    else await writeFileAtomic(path, lookitCodingText(labels, lookitStartMs(target.timing, labels.length)));
    written.push(path);
  }
  return written;
}
