// Lookit / Datavyu-style coding files (icatcher-plus.md §3.1-3.2), parsed exactly as iCatcher+'s
// LookitParser does: gaze onsets, exclusion regions, `end` trial markers, rows sorted by time.
import { readFile } from 'node:fs/promises';

import { isGazeClass, type GazeClass } from '../labels';
import { AnnotationError } from './annotation-error';
import type { ChangePoint, Coding } from './coding';
import { parseInteger } from './python-int';

const EXCLUSION_TRACKS = new Set(['outofframe', 'preview', 'instructions']);
const HEADER_LINES = 3;

/** How a coding's times map to the video: by a constant frame rate, or kept in ms (VFR videos). */
export type TimeBase = { fps: number } | 'ms';

interface Row {
  time: number;
  durationText: string;
  track: string;
  line: number;
}

/** Tracks whose rows iCatcher+ acts on: a name padded with spaces would silently be ignored. */
const KNOWN_TRACKS = new Set(['left', 'right', 'away', 'end', 'codingactive', ...EXCLUSION_TRACKS]);
/** Times beyond a day are typing errors, and would make evaluation allocate a frame per 33 ms of them. */
const MAX_TIME_MS = 24 * 3600 * 1000;

/**
 * The data rows, read as iCatcher+'s `numpy.genfromtxt(skip_header=3, delimiter=',')` reads them
 * (lines end at '\n'; '#' starts a comment; each line is stripped of ' \r\n'; blank lines are
 * skipped), then sorted by Time. What genfromtxt or the parser would fail on, or read as garbage,
 * is an error here.
 */
function readRows(text: string, file: string): Row[] {
  if (text.includes('\u0000')) throw new AnnotationError(file, 'holds NUL bytes: not a text coding (a UTF-16 export? save it as UTF-8)');
  if (/\r(?!\n)/.test(text)) throw new AnnotationError(file, "lines end with a bare CR (old Mac line breaks): iCatcher+ reads the file as one line; convert it to LF or CRLF line breaks");
  const rows: Row[] = [];
  const lines = text.split('\n');
  let columns: number | undefined;
  for (let i = HEADER_LINES; i < lines.length; i += 1) {
    const content = ((lines[i] as string).split('#')[0] as string).replace(/^[ \r\n]+|[ \r\n]+$/g, '');
    if (content === '') continue;
    const fields = content.split(',');
    if (fields.length < 3) throw new AnnotationError(file, `expected 'Time,Duration,TrackName[,comment]', got '${content}'`, i + 1);
    columns ??= fields.length;
    if (fields.length !== columns) {
      throw new AnnotationError(file, `${fields.length} fields where the first row has ${columns} (a comma in a comment?); iCatcher+'s numpy.genfromtxt stops on such a file`, i + 1);
    }
    const time = parseInteger(fields[0] as string);
    if (Number.isNaN(time)) throw new AnnotationError(file, `Time '${(fields[0] as string).trim()}' is not an integer number of ms`, i + 1);
    if (Math.abs(time) > MAX_TIME_MS) throw new AnnotationError(file, `Time ${time} ms is more than 24 hours from the video start`, i + 1);
    const track = fields[2] as string;
    if (track !== track.trim() && KNOWN_TRACKS.has(track.trim())) {
      throw new AnnotationError(file, `TrackName '${track}' has spaces around it: iCatcher+ would not recognise it as '${track.trim()}' and ignore the row`, i + 1);
    }
    rows.push({ time, durationText: fields[1] as string, track, line: i + 1 });
  }
  if (rows.length === 0) throw new AnnotationError(file, 'no data rows after the 3 header lines');
  if (rows.length === 1) throw new AnnotationError(file, "a single data row: iCatcher+ (numpy.genfromtxt) reads it as a 1-d array and fails, and it cannot hold both a look and an 'end'");
  // Stable sort; iCatcher+'s argsort is not, but no tie can change the result: two different gaze
  // classes at one time are an error, and ties between other rows do not interact.
  return rows.sort((a, b) => a.time - b.time);
}

function exclusionRegions(rows: readonly Row[], file: string): Array<[number, number]> {
  const regions: Array<[number, number]> = [];
  for (const row of rows) {
    if (!EXCLUSION_TRACKS.has(row.track)) continue;
    const duration = parseInteger(row.durationText);
    if (Number.isNaN(duration)) throw new AnnotationError(file, `Duration '${row.durationText.trim()}' of '${row.track}' is not an integer number of ms`, row.line);
    // iCatcher+ would insert the region's end before its start: the labels after it turn to garbage.
    if (duration < 0) throw new AnnotationError(file, `Duration ${duration} of '${row.track}' is negative`, row.line);
    regions.push([row.time, row.time + duration]);
  }
  regions.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const region of regions) {
    const previous = merged[merged.length - 1];
    if (previous && region[0] <= previous[1]) previous[1] = Math.max(previous[1], region[1]);
    else merged.push([region[0], region[1]]);
  }
  return merged;
}

function lastIndexWhere(changes: readonly ChangePoint[], predicate: (c: ChangePoint) => boolean): number {
  for (let i = changes.length - 1; i >= 0; i -= 1) if (predicate(changes[i] as ChangePoint)) return i;
  return -1;
}

/** Applies the exclusion regions to the change points (all in ms), as iCatcher+ does. */
function applyExclusions(changes: ChangePoint[], regions: ReadonlyArray<[number, number]>): void {
  for (const [start, end] of regions) {
    const before = lastIndexWhere(changes, (c) => c.at < start);
    if (before >= 0) changes.splice(before + 1, 0, { at: start, valid: false, gaze: (changes[before] as ChangePoint).gaze });
    for (const c of changes) if (start <= c.at && c.at < end) c.valid = false;
    const inForce = lastIndexWhere(changes, (c) => c.at <= end);
    if (inForce >= 0) changes.splice(inForce + 1, 0, { at: end, valid: true, gaze: (changes[inForce] as ChangePoint).gaze });
  }
}

/**
 * Parses the text of a Lookit coding file. With `{ fps }` times become frames by
 * floor(ms · fps / 1000); with 'ms' they stay in milliseconds (for per-frame timestamps of VFR video).
 */
export function parseLookitCoding(text: string, timeBase: TimeBase, file = '<lookit coding>'): Coding {
  const rows = readRows(text, file);
  const changes: ChangePoint[] = [];
  let previous: { gaze: string; time: number } | undefined;
  for (const row of rows) {
    if (row.track === 'codingactive') throw new AnnotationError(file, "'codingactive' rows are not supported (as in iCatcher+)", row.line);
    if (row.track === 'end' && row.time < 0) throw new AnnotationError(file, `'end' at ${row.time} ms, before the video start: iCatcher+ would slice the codings from their end`, row.line);
    if (!isGazeClass(row.track)) continue;
    if (row.time < 0) throw new AnnotationError(file, `'${row.track}' at ${row.time} ms, before the video start: iCatcher+ would start the coding at a negative frame and fail`, row.line);
    if (previous && previous.gaze !== row.track && row.time <= previous.time) {
      throw new AnnotationError(file, `two different gaze classes ('${previous.gaze}', '${row.track}') at ${row.time} ms`, row.line);
    }
    changes.push({ at: row.time, valid: true, gaze: row.track });
    previous = { gaze: row.track, time: row.time };
  }
  applyExclusions(changes, exclusionRegions(rows, file));

  const toUnit = (ms: number): number => (timeBase === 'ms' ? ms : Math.trunc((ms * timeBase.fps) / 1000));
  for (const c of changes) c.at = toUnit(c.at);
  if (changes.length === 0) changes.push({ at: 0, valid: false, gaze: 'away' as GazeClass });
  const start = (changes[0] as ChangePoint).at;

  const trials: Array<[number, number]> = [];
  let trialStart = start;
  for (const row of rows) {
    if (row.track !== 'end') continue;
    // The marked frame belongs to the trial: +1 ms makes the end inclusive.
    const end = toUnit(row.time + 1);
    trials.push([trialStart, end]);
    trialStart = end;
  }
  const last = trials[trials.length - 1];
  if (!last) throw new AnnotationError(file, "no 'end' row: at least one trial end is required");
  return { unit: timeBase === 'ms' ? 'ms' : 'frame', changes, start, end: last[1], trials };
}

/** Reads and parses a Lookit coding file. */
export async function readLookitCoding(path: string, timeBase: TimeBase): Promise<Coding> {
  return parseLookitCoding(await readFile(path, 'utf8'), timeBase, path);
}
