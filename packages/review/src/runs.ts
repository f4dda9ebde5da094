// Run-length data: what the server sends of a per-frame track and what the page draws timelines
// from (never one element per frame). Shared by the server and the page; no Node imports.

/** Runs of equal labels: run i covers frames [starts[i], starts[i + 1]) (the last: up to the track's length). */
export interface Runs {
  starts: number[];
  labels: number[];
}

/** The runs of a per-frame label array. */
export function toRuns(labels: ArrayLike<number>): Runs {
  const starts: number[] = [];
  const values: number[] = [];
  for (let f = 0; f < labels.length; f += 1) {
    const label = labels[f] as number;
    if (f === 0 || label !== values[values.length - 1]) {
      starts.push(f);
      values.push(label);
    }
  }
  return { starts, labels: values };
}

/** The index of the run holding `frame` (binary search), −1 before the first run. */
export function runIndexAt(runs: Runs, frame: number): number {
  let lo = 0;
  let hi = runs.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((runs.starts[mid] as number) <= frame) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The label at `frame`, `outside` before the first run or at or past `frames`. */
export function labelAt(runs: Runs, frames: number, frame: number, outside: number): number {
  if (frame < 0 || frame >= frames) return outside;
  const i = runIndexAt(runs, frame);
  return i < 0 ? outside : (runs.labels[i] as number);
}

/** The end (exclusive) of run i of a track of `frames` frames. */
export function runEnd(runs: Runs, frames: number, i: number): number {
  return i + 1 < runs.starts.length ? (runs.starts[i + 1] as number) : frames;
}

/**
 * The first frame after `from` where both tracks hold a gaze class (id ≥ 0) and the classes differ
 * (a frame the agreement counts against), or −1; walks the runs of both, not the frames.
 */
export function nextDisagreement(a: Runs, b: Runs, frames: number, from: number): number {
  let f = Math.max(0, from + 1);
  while (f < frames) {
    const i = runIndexAt(a, f);
    const j = runIndexAt(b, f);
    const la = i < 0 ? -3 : (a.labels[i] as number);
    const lb = j < 0 ? -3 : (b.labels[j] as number);
    if (la >= 0 && lb >= 0 && la !== lb) return f;
    const endA = i < 0 ? (a.starts[0] ?? frames) : runEnd(a, frames, i);
    const endB = j < 0 ? (b.starts[0] ?? frames) : runEnd(b, frames, j);
    f = Math.min(endA, endB);
  }
  return -1;
}
