// Writing Lookit coding files (icatcher-plus.md §3.1): three header lines, a blank line, then
// `Time,Duration,TrackName,comment` rows; what `gazecoder synth` writes for its coders and
// `gazecoder review` for a corrected coding, read back by the parser in lookit.ts.
import { className, isGazeClass } from '../labels';

export const CODING_HEADER = 'Offset: 0, Movie: MoviePathHere, DataFile: (null)\nTracks: left, right, away, end, outofframe\nTime,Duration,TrackName,comment\n\n';

/** A coding file's text from rows "Time,Duration,TrackName" (each gets the comment `(null)`). */
export function codingText(rows: readonly string[]): string {
  return `${CODING_HEADER}${rows.map((r) => `${r},(null)`).join('\n')}\n`;
}

/**
 * The first millisecond that iCatcher+'s mapping, floor(ms × fps / 1000), puts in `frame`: an
 * onset written at this time starts exactly at that frame.
 */
export function frameStartMs(frame: number, fps: number): number {
  return Math.ceil((frame * 1000) / fps);
}

/**
 * The `end` row time that closes a trial just before `frame`: trial ends are
 * floor((Time + 1) × fps / 1000), so Time = frameStartMs(frame) − 1 gives `frame` exactly.
 */
export function trialEndMs(frame: number, fps: number): number {
  return frameStartMs(frame, fps) - 1;
}

/**
 * A per-frame coding as a Lookit file of one trial: an onset row at the first frame of each run of a
 * gaze class, an `outofframe` region over each run without one (none, noface, nobabyface), and an
 * `end` row closing the trial after the last frame. `startMs(f)` is the integer time written for the
 * start of frame f, for f = 0 … labels.length (the last: just past the video), strictly increasing:
 * `frameStartMs(f, fps)` for a constant frame rate (the parser at that fps gives back every frame's
 * label), or the frames' own times for a variable one (the parser in ms, at those times, does).
 */
export function lookitCodingText(labels: ArrayLike<number>, startMs: (frame: number) => number): string {
  const rows: string[] = [];
  const frames = labels.length;
  let start = 0;
  for (let f = 1; f <= frames; f += 1) {
    if (f < frames && labels[f] === labels[start]) continue;
    const name = className(labels[start] as number);
    const at = startMs(start);
    rows.push(isGazeClass(name) ? `${at},0,${name}` : `${at},${startMs(f) - at},outofframe`);
    start = f;
  }
  rows.push(`${startMs(frames) - 1},0,end`);
  return codingText(rows);
}
