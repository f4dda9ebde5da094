// VCX coding files (Cali-BW, Senegal; icatcher-plus.md §3.3), parsed as iCatcher+'s VCXParser does.
// Times are frames at the coding's frame rate (30 in iCatcher+), minus the video-start timestamp.
import { readFile } from 'node:fs/promises';

import { isGazeClass, type GazeClass } from '../labels';
import { AnnotationError } from './annotation-error';
import type { ChangePoint, Coding } from './coding';
import { parseInteger } from './python-int';
import { iterElements, parseXml, type XmlElement } from './xml';

export interface VcxOptions {
  /** frame rate the Frame/Second/Minute/Hour fields count at; iCatcher+ uses 30 */
  fps?: number;
  /** the video-start timestamp `HH:MM:SS:FF` (the CSV's `timestamp.vidstart`), subtracted from every response */
  videoStart?: string;
}

interface Response {
  index: number;
  time: number;
  valid: boolean;
  type: string;
}

function fieldAfter(values: readonly string[], name: string): string | undefined {
  const i = values.indexOf(name);
  return i >= 0 ? values[i + 1] : undefined;
}

function parseResponse(nameElement: XmlElement, body: XmlElement, fps: number, file: string): Response {
  const name = nameElement.text ?? '';
  const index = parseInteger(name.trim().split(/\s+/).pop() ?? '');
  if (!Number.isInteger(index)) throw new AnnotationError(file, `'${name}' is not 'Response N'`);
  const values = [...iterElements(body)].map((e) => e.text ?? e.tag);
  const integer = (field: string): number => {
    const value = parseInteger(fieldAfter(values, field) ?? '');
    if (!Number.isInteger(value)) throw new AnnotationError(file, `${name}: field '${field}' is missing or not an integer`);
    return value;
  };
  const status = fieldAfter(values, 'Trial Status') ?? fieldAfter(values, 'Slide');
  const type = fieldAfter(values, 'Type');
  if (status === undefined) throw new AnnotationError(file, `${name}: no 'Trial Status' (or 'Slide') field`);
  if (type === undefined) throw new AnnotationError(file, `${name}: no 'Type' field`);
  const time = integer('Frame') + integer('Second') * fps + integer('Minute') * 60 * fps + integer('Hour') * 3600 * fps;
  return { index, time, valid: status.toLowerCase() === 'true', type };
}

function timestampToFrames(text: string, fps: number, file: string): number {
  const parts = text.split(':').map(parseInteger);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p))) throw new AnnotationError(file, `video start '${text}' is not HH:MM:SS:FF`);
  const [h, m, s, f] = parts as [number, number, number, number];
  return h * 3600 * fps + m * 60 * fps + s * fps + f;
}

/** Parses the text of a VCX file into a coding in frames. */
export function parseVcxCoding(text: string, options: VcxOptions = {}, file = '<vcx coding>'): Coding {
  const fps = options.fps ?? 30;
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch (error) {
    throw new AnnotationError(file, (error as Error).message);
  }
  // The responses container is the element right after the one whose text is 'Responses'.
  const all = [...iterElements(root)];
  const marker = all.findIndex((e) => e.text === 'Responses');
  const container = marker >= 0 ? all[marker + 1] : undefined;
  if (!container) throw new AnnotationError(file, "no 'Responses' element");
  const responses: Response[] = [];
  for (let i = 0; i + 1 < container.children.length; i += 2) {
    responses.push(parseResponse(container.children[i] as XmlElement, container.children[i + 1] as XmlElement, fps, file));
  }
  if (responses.length === 0) throw new AnnotationError(file, 'no responses');
  responses.sort((a, b) => a.index - b.index || a.time - b.time);

  const offset = options.videoStart ? timestampToFrames(options.videoStart, fps, file) : 0;
  const changes: ChangePoint[] = [];
  let previousTime = -1;
  for (const r of responses) {
    if (r.time <= previousTime) throw new AnnotationError(file, `Response ${r.index}: two responses at frame ${r.time}, or out of order`);
    previousTime = r.time;
    const at = r.time - offset;
    if (at < 0 || at >= 3600 * fps) throw new AnnotationError(file, `Response ${r.index}: frame ${at} after subtracting the video start is outside [0, 1 h)`);
    const gaze = r.type === 'off' || r.type === 'center' ? 'away' : r.type;
    if (!isGazeClass(gaze)) {
      if (r.valid) throw new AnnotationError(file, `Response ${r.index}: gaze type '${r.type}' is none of left, right, away, off, center`);
      changes.push({ at, valid: false, gaze: 'away' as GazeClass });
    } else {
      changes.push({ at, valid: r.valid, gaze });
    }
  }
  const start = (changes[0] as ChangePoint).at;
  const trials: Array<[number, number]> = [];
  let trialStart = start;
  for (const c of changes) {
    if (c.valid) continue;
    trials.push([trialStart, c.at]);
    trialStart = c.at;
  }
  const last = trials[trials.length - 1];
  if (!last) throw new AnnotationError(file, 'no response with a false trial status: no trial ends');
  return { unit: 'frame', changes, start, end: last[1], trials };
}

/** Reads and parses a VCX file. */
export async function readVcxCoding(path: string, options: VcxOptions = {}): Promise<Coding> {
  return parseVcxCoding(await readFile(path, 'utf8'), options, path);
}
