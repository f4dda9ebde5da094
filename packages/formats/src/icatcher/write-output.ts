// iCatcher+'s output formats (icatcher-plus.md §12.3): raw_output text, compressed .npz, and the ui
// folder's labels.txt; where each goes, and the refusal to replace an existing one.
import { existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';

import { writeFileAtomic } from '../atomic-write';
import { className, LABEL, mirrorId } from '../labels';
import { writeNpz } from '../numpy/npz';
import { formatFixed2, formatGeneral2 } from './python-format';

/** A video's coding as iCatcher+ holds it before writing: one answer and confidence per frame. */
export interface VideoAnswers {
  frames: number;
  /** per frame: 0–2 predicted, else the placeholder (−3 none, −2 noface, −1 nobabyface) */
  answers: ArrayLike<number>;
  /** max softmax where predicted, else −1 */
  confidences: ArrayLike<number>;
  /** frames at the video's end that never get a prediction ((windowSize − 1) / 2) */
  edge: number;
}

export type OutputFormat = 'raw_output' | 'compressed' | 'ui';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['raw_output', 'compressed', 'ui'];

export interface LabelOptions {
  /** swap left and right */
  mirror: boolean;
  /** `on`/`off` names (raw_output only) */
  onOff: boolean;
}

/** A video's name without its extension: iCatcher+ names every output after it. */
export function videoStem(video: string): string {
  return basename(video, extname(video));
}

/** raw_output's default file suffix (iCatcher+'s --output_file_suffix). */
export const RAW_OUTPUT_SUFFIX = '.txt';

/**
 * Where `format` puts the output of `video` in `dir`: `<stem><suffix>` (suffix `.txt` unless
 * given, iCatcher+'s --output_file_suffix), `<stem>.npz` or the `<stem>/` folder.
 */
export function outputPath(dir: string, video: string, format: OutputFormat, rawSuffix = RAW_OUTPUT_SUFFIX): string {
  const stem = videoStem(video);
  return join(dir, format === 'raw_output' ? `${stem}${rawSuffix}` : format === 'compressed' ? `${stem}.npz` : stem);
}

/** Throws naming the first existing output, unless `overwrite`. */
export function refuseExisting(paths: readonly string[], overwrite: boolean): void {
  if (overwrite) return;
  const existing = paths.find((p) => existsSync(p));
  if (existing) throw new Error(`${existing} already exists; pass --overwrite to replace it`);
}

/** The id written for frame f: `none` in the last `edge` frames (the window never reached them), mirrored if asked. */
function shownId(a: VideoAnswers, f: number, mirror: boolean): number {
  const id = f >= a.frames - a.edge ? LABEL.none : (a.answers[f] as number);
  return mirror ? mirrorId(id) : id;
}

function shownConfidence(a: VideoAnswers, f: number): number {
  return f >= a.frames - a.edge ? -1 : (a.confidences[f] as number);
}

/** raw_output: `"{}, {}, {:.02f}\n"` per frame. */
export function rawOutputText(a: VideoAnswers, labels: LabelOptions): string {
  let text = '';
  for (let f = 0; f < a.frames; f += 1) text += `${f}, ${className(shownId(a, f, labels.mirror), labels.onOff)}, ${formatFixed2(shownConfidence(a, f))}\n`;
  return text;
}

/** ui labels.txt: `"{frame}, {class}, {conf:.02}"` per frame (2 significant digits). */
export function uiLabelsText(a: VideoAnswers, labels: LabelOptions): string {
  let text = '';
  for (let f = 0; f < a.frames; f += 1) text += `${f}, ${className(shownId(a, f, labels.mirror))}, ${formatGeneral2(shownConfidence(a, f))}\n`;
  return text;
}

export function writeRawOutput(path: string, a: VideoAnswers, labels: LabelOptions): Promise<void> {
  return writeFileAtomic(path, rawOutputText(a, labels));
}

/** compressed: `np.savez(path, answers, confidences)`, int64 and float64 as iCatcher+ writes them in practice. */
export function writeCompressed(path: string, a: VideoAnswers, labels: Pick<LabelOptions, 'mirror'>): Promise<void> {
  const ids = BigInt64Array.from(a.answers, (id) => BigInt(labels.mirror ? mirrorId(id) : id));
  return writeNpz(path, [
    ['arr_0', { data: ids, shape: [a.frames] }],
    ['arr_1', { data: Float64Array.from(a.confidences), shape: [a.frames] }],
  ]);
}
