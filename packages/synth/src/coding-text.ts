// Lookit coding files (icatcher-plus.md §3.1): three header lines, a blank line, then
// `Time,Duration,TrackName,comment` rows.

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
