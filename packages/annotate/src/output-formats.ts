// iCatcher+'s output formats (icatcher-plus.md §12.3): raw_output text, compressed .npz, and the ui
// folder's labels.txt; where each goes, and the refusal to replace an existing one.
import { existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';

import { writeFileAtomic } from '@gazecoder/formats';
import { LABEL, writeNpz } from '@gazecoder/preprocess';

import type { VideoAnnotation } from './annotate-video';
import { className, mirrorId } from './labels';
import { formatFixed2, formatGeneral2 } from './python-format';

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

/** Where `format` puts the output of `video` in `dir`: `<stem>.txt`, `<stem>.npz` or the `<stem>/` folder. */
export function outputPath(dir: string, video: string, format: OutputFormat): string {
  const stem = videoStem(video);
  return join(dir, format === 'raw_output' ? `${stem}.txt` : format === 'compressed' ? `${stem}.npz` : stem);
}

/** Throws naming the first existing output, unless `overwrite`. */
export function refuseExisting(paths: readonly string[], overwrite: boolean): void {
  if (overwrite) return;
  const existing = paths.find((p) => existsSync(p));
  if (existing) throw new Error(`${existing} already exists; pass --overwrite to replace it`);
}

/** The id written for frame f: `none` in the last `edge` frames (the window never reached them), mirrored if asked. */
function shownId(a: VideoAnnotation, f: number, mirror: boolean): number {
  const id = f >= a.frames - a.edge ? LABEL.none : (a.answers[f] as number);
  return mirror ? mirrorId(id) : id;
}

function shownConfidence(a: VideoAnnotation, f: number): number {
  return f >= a.frames - a.edge ? -1 : (a.confidences[f] as number);
}

/** raw_output: `"{}, {}, {:.02f}\n"` per frame. */
export function rawOutputText(a: VideoAnnotation, labels: LabelOptions): string {
  let text = '';
  for (let f = 0; f < a.frames; f += 1) text += `${f}, ${className(shownId(a, f, labels.mirror), labels.onOff)}, ${formatFixed2(shownConfidence(a, f))}\n`;
  return text;
}

/** ui labels.txt: `"{frame}, {class}, {conf:.02}"` per frame (2 significant digits). */
export function uiLabelsText(a: VideoAnnotation, labels: LabelOptions): string {
  let text = '';
  for (let f = 0; f < a.frames; f += 1) text += `${f}, ${className(shownId(a, f, labels.mirror))}, ${formatGeneral2(shownConfidence(a, f))}\n`;
  return text;
}

export function writeRawOutput(path: string, a: VideoAnnotation, labels: LabelOptions): Promise<void> {
  return writeFileAtomic(path, rawOutputText(a, labels));
}

/** compressed: `np.savez(path, answers, confidences)`, int64 and float64 as iCatcher+ writes them in practice. */
export function writeCompressed(path: string, a: VideoAnnotation, labels: Pick<LabelOptions, 'mirror'>): Promise<void> {
  const ids = BigInt64Array.from(a.answers, (id) => BigInt(labels.mirror ? mirrorId(id) : id));
  return writeNpz(path, [
    ['arr_0', { data: ids, shape: [a.frames] }],
    ['arr_1', { data: Float64Array.from(a.confidences), shape: [a.frames] }],
  ]);
}
