// iCatcher+'s machine outputs (icatcher-plus.md §12.3), read for evaluation: `raw_output` text
// ("frame, class, confidence" per line; also the `ui` labels.txt) and `compressed` .npz
// (arr_0 class ids, arr_1 confidences).
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

import { readNpz } from '../numpy/npz';
import { LABEL } from '../labels';
import { AnnotationError } from '../codings/annotation-error';

export interface MachineCoding {
  /** class id per frame (−3 none, −2 noface, −1 nobabyface, 0 away, 1 left, 2 right) */
  labels: Int8Array;
  /** confidence per frame, −1 where there is no prediction */
  confidences: Float32Array;
  /** first and one-past-last frame that can carry a prediction (4 and length − 4) */
  start: number;
  end: number;
}

/** Frames at each end that never get a prediction (half the 9-frame window). */
const EDGE = 4;

const NAMES: Record<string, number> = { none: LABEL.none, noface: LABEL.noface, nobabyface: LABEL.nobabyface, away: LABEL.away, left: LABEL.left, right: LABEL.right };

/** As iCatcher+'s CompressedParser: the first and last 4 frames become −3 with confidence −1. */
function markEdges(labels: Int8Array, confidences: Float32Array): MachineCoding {
  for (let f = 0; f < labels.length; f += 1) {
    if (f < EDGE || f >= labels.length - EDGE) {
      labels[f] = LABEL.none;
      confidences[f] = -1;
    }
  }
  return { labels, confidences, start: EDGE, end: labels.length - EDGE };
}

/**
 * A machine coding as evaluation reads it from ids and confidences as written (a copy, the first and
 * last 4 frames −3): what {@link readMachineCoding} gives for a file holding `answers`.
 */
export function machineCodingOf(answers: MachineAnswers): MachineCoding {
  return markEdges(Int8Array.from(answers.labels), Float32Array.from(answers.confidences));
}

/** Parses raw_output / ui text: one `frame, class, confidence` line per frame, frames 0…N−1 in order. */
export function parseMachineText(text: string, file = '<icatcher output>'): MachineCoding {
  const { labels, confidences } = parseMachineAnswers(text, file);
  return markEdges(labels, confidences);
}

/** A machine coding's ids and confidences as written, the edge frames included (what `smooth` reads). */
export interface MachineAnswers {
  labels: Int8Array;
  confidences: Float32Array;
}

/** {@link parseMachineText} without the edge marking: every line's class and confidence as written. */
export function parseMachineAnswers(text: string, file = '<icatcher output>'): MachineAnswers {
  if (text.includes('\u0000')) throw new AnnotationError(file, 'holds NUL bytes: not an iCatcher+ text output');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const labels = new Int8Array(lines.length);
  const confidences = new Float32Array(lines.length);
  lines.forEach((line, i) => {
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length !== 3) throw new AnnotationError(file, `expected 'frame, class, confidence', got '${line}'`, i + 1);
    const [frame, name, confidence] = fields as [string, string, string];
    if (Number(frame) !== i) throw new AnnotationError(file, `frame ${frame} where frame ${i} was expected`, i + 1);
    const id = NAMES[name];
    if (id === undefined) {
      const hint = name === 'on' || name === 'off' ? ' (an --on_off output has no left/right and cannot be evaluated per class)' : '';
      throw new AnnotationError(file, `unknown class '${name}'${hint}`, i + 1);
    }
    const c = Number(confidence);
    if (Number.isNaN(c)) throw new AnnotationError(file, `confidence '${confidence}' is not a number`, i + 1);
    labels[i] = id;
    confidences[i] = c;
  });
  return { labels, confidences };
}

function toNumbers(value: unknown, file: string, key: string): Float64Array {
  const array = value as { data?: ArrayLike<number | bigint> } | undefined;
  if (!array?.data) throw new AnnotationError(file, `has no numeric '${key}' array`);
  return Float64Array.from(Array.from(array.data, Number));
}

/** Reads a machine coding: `.npz` (compressed) or text (raw_output, ui labels.txt). */
export async function readMachineCoding(path: string): Promise<MachineCoding> {
  const { labels, confidences } = await readMachineAnswers(path);
  return markEdges(labels, confidences);
}

/** {@link readMachineCoding} without the edge marking: the ids and confidences as the file holds them. */
export async function readMachineAnswers(path: string): Promise<MachineAnswers> {
  if (extname(path).toLowerCase() !== '.npz') return parseMachineAnswers(await readFile(path, 'utf8'), path);
  const arrays = await readNpz(path);
  const ids = toNumbers(arrays.get('arr_0'), path, 'arr_0');
  // iCatcher+'s CompressedParser reads arr_0 only, so an .npz without arr_1 (confidences) evaluates
  // there; here its confidences read as −1, "unknown", which no evaluation metric uses.
  const conf = arrays.has('arr_1') ? toNumbers(arrays.get('arr_1'), path, 'arr_1') : new Float64Array(ids.length).fill(-1);
  if (conf.length !== ids.length) throw new AnnotationError(path, `arr_0 has ${ids.length} frames but arr_1 has ${conf.length}`);
  const labels = new Int8Array(ids.length);
  ids.forEach((id, f) => {
    if (!Number.isInteger(id) || id < LABEL.none || id > LABEL.right) throw new AnnotationError(path, `arr_0[${f}] = ${id} is not a class id (−3…2)`);
    labels[f] = id;
  });
  return { labels, confidences: Float32Array.from(conf) };
}
